from django.apps import AppConfig


class OrientationConfig(AppConfig):
    name = "relais.orientation"
    label = "orientation"
    verbose_name = "Orientation"

    def ready(self):
        from relais.persons.services import register_merge_hook

        from .merge import requests_merge_hook

        register_merge_hook(requests_merge_hook)
        __import__("relais.orientation.fhir", fromlist=["register"]).register()  # SDO Task and Bundle (0017)
