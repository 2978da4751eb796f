from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "relais.audit"
    label = "audit"

    def ready(self):
        from . import sqlite_guard

        sqlite_guard.install()
