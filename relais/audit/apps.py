from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "relais.audit"
    label = "audit"

    def ready(self):
        from . import services, sqlite_guard, tasks, truncate_guard

        sqlite_guard.install()
        truncate_guard.install()
        services.sequencer_queue_set(tasks.access_log_sequence_soon)
