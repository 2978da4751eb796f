from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "relais.accounts"
    label = "accounts"

    def ready(self):
        from . import fhir_caller

        fhir_caller.register()  # tokens and sessions of the FHIR façade (relais/fhir/auth.py)
