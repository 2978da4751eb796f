"""A list view writes one access-log entry and one row per record shown (decision 0047). The rows are append-only like
the log: UPDATE and DELETE refused by triggers (on SQLite, DELETE passes only during Django's flush: sqlite_guard.py).
Their content is pinned by the digest the chained entry carries (audit/selectors.listing_problem checks it)."""

import django.db.models.deletion
from django.db import migrations, models


TABLE = "audit_accessloglisting"
FORWARD = {
    "postgresql": f"""
CREATE OR REPLACE FUNCTION audit_accesslisting_refuse() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'access log listing is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accesslisting_append_only BEFORE UPDATE OR DELETE ON {TABLE}
  FOR EACH ROW EXECUTE FUNCTION audit_accesslisting_refuse();
""",
    "sqlite": [
        f"CREATE TRIGGER audit_accesslisting_no_update BEFORE UPDATE ON {TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'access log listing is append-only (UPDATE refused)'); END;",
        f"CREATE TRIGGER audit_accesslisting_no_delete BEFORE DELETE ON {TABLE} WHEN relais_audit_flushing() IS NOT 1 "
        "BEGIN SELECT RAISE(ABORT, 'access log listing is append-only (DELETE refused)'); END;",
    ],
}
BACKWARD = {
    "postgresql": f"DROP TRIGGER IF EXISTS audit_accesslisting_append_only ON {TABLE};\n"
    "DROP FUNCTION IF EXISTS audit_accesslisting_refuse();",
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_accesslisting_no_update;",
        "DROP TRIGGER IF EXISTS audit_accesslisting_no_delete;",
    ],
}


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        for statement in [sql] if isinstance(sql, str) else sql or []:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_no_truncate'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessLogListing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('subject', models.CharField(max_length=100, verbose_name='personne concernée')),
                ('object_id', models.CharField(max_length=64, verbose_name='identifiant')),
                ('ground', models.CharField(max_length=64, verbose_name='fondement')),
                ('entry', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='listings', to='audit.accesslogentry')),
            ],
            options={
                'verbose_name': "ligne d'une liste consultée",
                'ordering': ['entry_id', 'id'],
                'indexes': [models.Index(fields=['subject', 'entry'], name='accesslisting_subject'), models.Index(fields=['entry'], name='accesslisting_entry')],
                'constraints': [models.CheckConstraint(condition=models.Q(('ground', ''), _negated=True), name='accesslisting_ground_required')],
            },
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
