from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "relais.audit"
    label = "audit"

    def ready(self):
        from . import services, sqlite_guard, tasks, truncate_guard
        from .labels import grounds_register

        grounds_register({services.MIXED_GROUNDS: "Plusieurs fondements (celui de chaque personne de la liste)"})

        sqlite_guard.install()
        truncate_guard.install()
        services.sequencer_queue_set(tasks.access_log_sequence_soon)
