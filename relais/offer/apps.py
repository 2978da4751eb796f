from django.apps import AppConfig


class OfferConfig(AppConfig):
    name = "relais.offer"
    label = "offer"
