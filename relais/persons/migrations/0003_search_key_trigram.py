"""Person picker at scale (decision 0047): the search key's "a word starts with" condition (LIKE '% WORD%') is
answered by a trigram index on PostgreSQL. SQLite (development, tests) has no such index and needs none."""

from django.db import migrations

INDEX = "persons_person_search_key_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON persons_person USING gin (search_key gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("persons", "0002_identity_history_and_search_key")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
