from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "relais.operations"
    verbose_name = "Exploitation"
