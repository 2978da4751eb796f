"""Database triggers that refuse changes to written access-log entries.

PostgreSQL refuses UPDATE and DELETE. SQLite refuses UPDATE only: Django's test
flush empties tables with DELETE there, and a removed entry is caught by the
hash chain anyway (audit_verify). TRUNCATE stays possible for database owners.
"""

from django.db import migrations

TABLE = "audit_accesslogentry"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION audit_accesslog_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'access log is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accesslog_append_only BEFORE UPDATE OR DELETE ON {TABLE}
  FOR EACH ROW EXECUTE FUNCTION audit_accesslog_refuse_change();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS audit_accesslog_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_accesslog_refuse_change();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER audit_accesslog_append_only BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'access log is append-only (UPDATE refused)'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_accesslog_append_only;"


def forward(apps, schema_editor):
    sql = {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    sql = {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
