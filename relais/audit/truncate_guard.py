"""PostgreSQL: the TRUNCATE trigger on the access log (migration 0004) lets Django's flush through, and nothing else.

Django's flush (the tests between transactional tests, `manage.py flush`) empties tables with TRUNCATE on PostgreSQL.
While it runs, this switches the trigger off inside the flush's own transaction (ALTER TABLE … DISABLE TRIGGER, then
ENABLE before the commit): no other session ever sees it off, and only the table's owner may do it (who could drop
the trigger anyway). A TRUNCATE typed in psql or sent by any other tool is refused. The SQLite counterpart, for DELETE,
is sqlite_guard.py.
"""

from functools import wraps

from django.conf import settings

TABLE = "audit_accesslogentry"

# The trigger may not exist yet (a database migrated to before 0004): switch it only when it is there.
_SWITCH = """
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_accesslog_no_truncate'
             AND tgrelid = to_regclass('audit_accesslogentry')) THEN
    ALTER TABLE audit_accesslogentry %s TRIGGER audit_accesslog_no_truncate;
  END IF;
END $$;
"""
DISABLE, ENABLE = _SWITCH % "DISABLE", _SWITCH % "ENABLE"


def install() -> None:
    if not any(db["ENGINE"] == "django.db.backends.postgresql" for db in settings.DATABASES.values()):
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    if getattr(DatabaseOperations.execute_sql_flush, "_relais_audit", False):
        return
    original = DatabaseOperations.execute_sql_flush

    @wraps(original)
    def execute_sql_flush(self, sql_list):
        if any(TABLE in sql for sql in sql_list):
            sql_list = [DISABLE, *sql_list, ENABLE]  # one transaction: Django runs the list in atomic()
        return original(self, sql_list)

    execute_sql_flush._relais_audit = True
    DatabaseOperations.execute_sql_flush = execute_sql_flush
