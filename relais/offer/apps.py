from django.apps import AppConfig


class OfferConfig(AppConfig):
    name = "relais.offer"
    label = "offer"

    def ready(self):
        from . import fhir

        fhir.register()  # Organization, HealthcareService and Location, shaped like the ROR
