from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "relais.agenda"
    label = "agenda"
    verbose_name = "Agendas et rendez-vous"

    def ready(self):
        from relais.audit.labels import grounds_register

        grounds_register({"agenda_holder": "Titulaire de l'agenda"})
        from relais.persons.services import register_merge_hook

        from .fhir import register
        from .meetings import tasks  # noqa: F401  the queued notices of concertation meetings, for the jobs consumer
        from .merge import agenda_merge_hook

        register()
        register_merge_hook(agenda_merge_hook)  # the duplicate's rows follow the kept person (decision 0036)
