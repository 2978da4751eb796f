from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "relais.fhir"
    label = "fhir"
    verbose_name = "FHIR"

    def ready(self):
        # Domain apps register their own types from their AppConfig.ready() (the offer: HealthcareService,
        # Location). Organization is registered here because it chains two apps: the offer directory and
        # the accounts organisations that have no directory entry.
        # Task too: SI-SDO status changes (orientation) and the shared plan's actions (pathway) share the type.
        from .resources import organization, task

        organization.register_organization()
        task.register_task()
