from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "relais.agenda"
    label = "agenda"
    verbose_name = "Agendas et rendez-vous"

    def ready(self):
        from relais.audit.labels import grounds_register

        grounds_register({"agenda_holder": "Titulaire de l'agenda"})
        from .fhir import register

        register()
