from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "relais.evaluations"
    label = "evaluations"
    verbose_name = "Évaluations (grilles, AGGIR)"

    def ready(self):
        from .fhir import register

        register()
