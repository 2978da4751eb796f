from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "relais.fhir"
    label = "fhir"
    verbose_name = "FHIR"

    def ready(self):
        # Domain apps register their own types from their AppConfig.ready() (the offer: HealthcareService,
        # Location). Organization is registered here because it chains two apps: the offer directory and
        # the accounts organisations that have no directory entry.
        from .resources import organization

        organization.register_organization()
