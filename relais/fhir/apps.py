from django.apps import AppConfig


class FhirConfig(AppConfig):
    """The FHIR core serves no type of its own: each domain registers its types from its AppConfig.ready()
    (offer: Organization, HealthcareService, Location; pathway: Patient… and its part of Task, relais/fhir/shared.py).
    """

    name = "relais.fhir"
    label = "fhir"
    verbose_name = "FHIR"
