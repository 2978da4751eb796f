from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "relais.fhir"
    label = "fhir"
