"""PostgreSQL: TRUNCATE of the access log is refused too (issue 10 review).

Row triggers (0003) do not see TRUNCATE; this statement-level trigger does. Django's own flush passes through
relais/audit/truncate_guard.py. SQLite has no TRUNCATE (its flush is a guarded DELETE: 0003 and sqlite_guard.py).
"""

from django.db import migrations

TABLE = "audit_accesslogentry"

FORWARD = f"""
CREATE OR REPLACE FUNCTION audit_accesslog_refuse_truncate() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'access log is append-only (TRUNCATE refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accesslog_no_truncate BEFORE TRUNCATE ON {TABLE}
  FOR EACH STATEMENT EXECUTE FUNCTION audit_accesslog_refuse_truncate();
"""
BACKWARD = f"""
DROP TRIGGER IF EXISTS audit_accesslog_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS audit_accesslog_refuse_truncate();
"""


def _postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_sequencer")]
    operations = [migrations.RunPython(_postgresql(FORWARD), _postgresql(BACKWARD))]
