from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "relais.accounts"
    label = "accounts"

    def ready(self):
        from relais.audit.labels import grounds_register

        grounds_register(
            {
                "organisation_member": "Membre de l'organisation",
                "organisation_admin": "Administration de l'organisation",
            }
        )
        from . import fhir_caller

        fhir_caller.register()  # tokens and sessions of the FHIR façade (relais/fhir/auth.py)
