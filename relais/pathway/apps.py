from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "relais.pathway"
    label = "pathway"
    verbose_name = "Parcours (dossier de coordination, cercle de soins)"

    def ready(self):
        from .fhir import register

        register()
