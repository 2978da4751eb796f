"""A database trigger that refuses UPDATE on written status transitions (the log is append-only).

Deletes are already impossible through the ORM (AppendOnlyModel) and blocked by the PROTECT foreign keys from requests;
UPDATE is refused here on both PostgreSQL and SQLite, so even raw SQL cannot rewrite who changed what.
"""

from django.db import migrations

TABLE = "orientation_statustransition"
FORWARD = {
    "postgresql": f"""
CREATE OR REPLACE FUNCTION orientation_transition_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'status transition log is append-only (UPDATE refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER orientation_transition_append_only BEFORE UPDATE ON {TABLE}
  FOR EACH ROW EXECUTE FUNCTION orientation_transition_refuse_update();
""",
    "sqlite": f"""
CREATE TRIGGER orientation_transition_append_only BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'status transition log is append-only (UPDATE refused)'); END;
""",
}
BACKWARD = {
    "postgresql": f"""
DROP TRIGGER IF EXISTS orientation_transition_append_only ON {TABLE};
DROP FUNCTION IF EXISTS orientation_transition_refuse_update();
""",
    "sqlite": "DROP TRIGGER IF EXISTS orientation_transition_append_only;",
}


def forward(apps, schema_editor):
    if sql := FORWARD.get(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    if sql := BACKWARD.get(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("orientation", "0003_admission_file_and_proposals")]
    operations = [migrations.RunPython(forward, backward)]
