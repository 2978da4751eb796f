from django.apps import AppConfig


class OrientationConfig(AppConfig):
    name = "relais.orientation"
    label = "orientation"
    verbose_name = "Orientation"

    def ready(self):
        from relais.audit.labels import grounds_register

        grounds_register(
            {
                "orientation_request": "Orientation et demande d'admission",
                "orientation_matching": "Propositions d'admission (appariement)",
            }
        )
        from relais.orientation.admission.merge import admission_merge_hook
        from relais.orientation.requests.merge import requests_merge_hook
        from relais.persons.services import register_merge_hook

        from . import fhir
        from .follow_up import reminders, tasks  # noqa: F401  the queued notifications, for the web and the jobs consumer

        register_merge_hook(requests_merge_hook)
        register_merge_hook(admission_merge_hook)
        fhir.register()  # SDO Task and Bundle (decision 0017)
