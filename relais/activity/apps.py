from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "relais.activity"
    label = "activity"
    verbose_name = "Activité"
