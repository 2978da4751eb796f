from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "relais.evaluations"
    label = "evaluations"
    verbose_name = "Évaluations (grilles, AGGIR)"

    def ready(self):
        from relais.persons.services import register_merge_hook

        from .fhir import register
        from .merge import evaluations_merge_hook

        register()
        register_merge_hook(evaluations_merge_hook)  # the duplicate's rows follow the kept person (decision 0036)
