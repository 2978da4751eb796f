"""SQLite: the DELETE trigger on the access log lets Django's flush through, and nothing else.

PostgreSQL's flush empties tables with TRUNCATE, which row triggers do not see; SQLite's uses DELETE. The trigger
(migration 0003) calls relais_audit_flushing(), a function this module registers on each Django connection and that
answers 1 only while `flush` runs. Outside Django (the sqlite3 shell) the function does not exist and DELETE fails.
"""

import threading
from functools import wraps

from django.conf import settings
from django.db.backends.signals import connection_created

_state = threading.local()


def _flushing() -> int:
    return 1 if getattr(_state, "flushing", False) else 0


def _register(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("relais_audit_flushing", 0, _flushing)


def install() -> None:
    if not any(db["ENGINE"] == "django.db.backends.sqlite3" for db in settings.DATABASES.values()):
        return
    from django.db.backends.sqlite3.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class
    connection_created.connect(_register, dispatch_uid="relais.audit.sqlite_guard")
    if getattr(DatabaseOperations.execute_sql_flush, "_relais_audit", False):
        return
    original = DatabaseOperations.execute_sql_flush

    @wraps(original)
    def execute_sql_flush(self, sql_list):
        _state.flushing = True
        try:
            return original(self, sql_list)
        finally:
            _state.flushing = False

    execute_sql_flush._relais_audit = True
    DatabaseOperations.execute_sql_flush = execute_sql_flush
