from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "relais.messaging"
    label = "messaging"
    verbose_name = "Messagerie sécurisée du cercle de soins"
