from django.apps import AppConfig


class SteeringConfig(AppConfig):
    name = "relais.steering"
    label = "steering"
    verbose_name = "Pilotage"
