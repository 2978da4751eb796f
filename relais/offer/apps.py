from django.apps import AppConfig


class OfferConfig(AppConfig):
    name = "relais.offer"
    label = "offer"

    def ready(self):
        from . import fhir

        fhir.register()  # HealthcareService and Location, shaped like the ROR
