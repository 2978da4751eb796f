"""Professional picker at scale (decision 0047): the circle picker's "name contains" search (Django's icontains,
UPPER(name) LIKE UPPER('%word%')) is answered by trigram indexes on PostgreSQL; nothing on SQLite."""

from django.db import migrations

INDEXES = {
    "accounts_user_last_name_trgm": "UPPER(last_name::text)",
    "accounts_user_first_name_trgm": "UPPER(first_name::text)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON accounts_user USING gin (({expression}) gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_membership_last_chosen_at")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
