"""The demo territory of the browser tests, built once per test process and copied back for each test.

The live server needs committed data, so each browser test starts from an emptied database (pytest-django flushes
after a transactional test) and used to run `demo_territory` again (2–4 s). The first build of the day is kept:
- SQLite (an in-memory test database): a copy made with SQLite's backup API, copied back the same way (milliseconds);
- PostgreSQL: a copy of every table in a schema of the test database, copied back with triggers and foreign keys off
  (`session_replication_role = replica`: the rows were valid when copied), then the sequences set as they were.
The copy is the same database state the command would build: the command is deterministic for a seed and a day.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date

from django.core.management.color import no_style
from django.db import connection

SCHEMA = "relais_e2e_demo"


@dataclass
class Snapshot:
    day: date | None = None
    sqlite: sqlite3.Connection | None = None
    tables: list[str] = field(default_factory=list)
    sequences: list[tuple[str, int | None]] = field(default_factory=list)


_snapshot = Snapshot()


def _sqlite_connection() -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


def take(day: date) -> None:
    """Keep the database as it is now as the demo of `day`."""
    _snapshot.day = day
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        _sqlite_connection().backup(copy)
        _snapshot.sqlite = copy
        return
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
        for table in tables:
            cursor.execute(f'CREATE TABLE {SCHEMA}."{table}" AS TABLE public."{table}"')
        cursor.execute(
            "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        )
        _snapshot.sequences = list(cursor.fetchall())
    _snapshot.tables = tables


def restore(day: date) -> bool:
    """Put the demo of `day` back in place of what the database holds; False when there is none for that day."""
    if _snapshot.day != day:
        return False
    if connection.vendor == "sqlite":
        _snapshot.sqlite.backup(_sqlite_connection())
        return True
    flush = connection.ops.sql_flush(no_style(), _snapshot.tables, reset_sequences=False, allow_cascade=True)
    connection.ops.execute_sql_flush(flush)  # the access log's TRUNCATE guard lets Django's flush through
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            for table in _snapshot.tables:
                cursor.execute(f'INSERT INTO public."{table}" SELECT * FROM {SCHEMA}."{table}"')
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
        for name, value in _snapshot.sequences:
            if value is None:
                cursor.execute("SELECT setval(%s, 1, false)", [name])
            else:
                cursor.execute("SELECT setval(%s, %s, true)", [name, value])
    return True
