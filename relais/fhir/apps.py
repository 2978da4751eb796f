from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "relais.fhir"
    label = "fhir"
    verbose_name = "FHIR"

    def ready(self):
        # Other apps register their own types from their AppConfig.ready().
        from .resources import organization

        organization.register_organization()
