from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "relais.pathway"
    label = "pathway"
    verbose_name = "Parcours (dossier de coordination, cercle de soins)"

    def ready(self):
        from relais.audit.labels import grounds_register

        from .circle.selectors import GROUND_LABELS, GROUND_PREFIXES

        grounds_register(GROUND_LABELS, prefixes=GROUND_PREFIXES)
        from relais.persons.services import register_merge_hook

        from .circle.merge import circle_merge_hook
        from .fhir import register

        register()
        register_merge_hook(circle_merge_hook)  # the duplicate's rows follow the kept person (decision 0036)
