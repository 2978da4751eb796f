"""The sequencer (decision 0026): entries are appended with no lock and chained later, and DELETE is refused too.

`seq`, `prev_hash` and `hash` become NULL until the sequencer fills them; the UPDATE trigger lets through exactly that
one fill (NULL to set, every other column unchanged) and refuses anything else, the DELETE trigger refuses always
(on SQLite, except during Django's flush: relais/audit/sqlite_guard.py). The old triggers are dropped first because
SQLite rebuilds the table to change a column, which would drop them silently; a later migration that rebuilds this
table on SQLite must recreate them the same way. The head row (ChainHead) goes: signed heads outside the database
replace it.
"""

from importlib import import_module

from django.db import migrations, models

TABLE = "audit_accesslogentry"
CONTENT = (
    "id",
    "at",
    "user_id",
    "api_client_id",
    "actor_label",
    "organisation_id",
    "organisation_label",
    "action",
    "object_type",
    "object_id",
    "subject",
    "ground",
    "detail",
)
CHAIN = ("seq", "prev_hash", "hash")

_OLD = {
    "postgresql": f"""
DROP TRIGGER IF EXISTS audit_accesslog_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_accesslog_refuse_change();
""",
    "sqlite": "DROP TRIGGER IF EXISTS audit_accesslog_append_only;",
}

_PG_SAME = "({}) IS NOT DISTINCT FROM ({})".format(
    ", ".join(f"NEW.{c}" for c in CONTENT), ", ".join(f"OLD.{c}" for c in CONTENT)
)
_PG_FILL = " AND ".join([*(f"OLD.{c} IS NULL" for c in CHAIN), *(f"NEW.{c} IS NOT NULL" for c in CHAIN), _PG_SAME])
_SQLITE_FILL = " AND ".join(
    [*(f"OLD.{c} IS NULL" for c in CHAIN), *(f"NEW.{c} IS NOT NULL" for c in CHAIN), *(f"NEW.{c} IS OLD.{c}" for c in CONTENT)]
)
_NEW = {
    "postgresql": f"""
CREATE OR REPLACE FUNCTION audit_accesslog_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND {_PG_FILL} THEN
    RETURN NEW;  -- the sequencer's one-time fill of the chain columns
  END IF;
  RAISE EXCEPTION 'access log is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accesslog_append_only BEFORE UPDATE OR DELETE ON {TABLE}
  FOR EACH ROW EXECUTE FUNCTION audit_accesslog_guard();
""",
    "sqlite": f"""
CREATE TRIGGER audit_accesslog_append_only BEFORE UPDATE ON {TABLE} WHEN NOT ({_SQLITE_FILL})
BEGIN SELECT RAISE(ABORT, 'access log is append-only (UPDATE refused)'); END;
CREATE TRIGGER audit_accesslog_no_delete BEFORE DELETE ON {TABLE} WHEN relais_audit_flushing() IS NOT 1
BEGIN SELECT RAISE(ABORT, 'access log is append-only (DELETE refused)'); END;
""",
}
_NEW_BACKWARD = {
    "postgresql": f"""
DROP TRIGGER IF EXISTS audit_accesslog_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_accesslog_guard();
""",
    "sqlite": "DROP TRIGGER IF EXISTS audit_accesslog_append_only;\nDROP TRIGGER IF EXISTS audit_accesslog_no_delete;",
}


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if not sql:
            return
        if schema_editor.connection.vendor == "sqlite":
            for statement in sql.split(";\n"):  # the sqlite3 driver runs one statement at a time
                if statement.strip():
                    schema_editor.execute(statement.strip().removesuffix(";") + ";", params=None)
        else:
            schema_editor.execute(sql, params=None)

    return run


def _restore_old(apps, schema_editor):
    import_module("relais.audit.migrations.0002_append_only_triggers").forward(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(_run(_OLD), _restore_old),
        migrations.DeleteModel(name="ChainHead"),
        migrations.AlterModelOptions(
            name="accesslogentry",
            options={"ordering": ["id"], "verbose_name": "entrée du journal des accès"},
        ),
        migrations.AlterField(
            model_name="accesslogentry",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="accesslogentry",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="accesslogentry",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True, verbose_name="n° dans la chaîne"),
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="accesslog_unsequenced"),
        ),
        migrations.RunPython(_run(_NEW), _run(_NEW_BACKWARD)),
    ]
