from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "relais.agenda"
    label = "agenda"
    verbose_name = "Agendas et rendez-vous"

    def ready(self):
        from .fhir import register

        register()
