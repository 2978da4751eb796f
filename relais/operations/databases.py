"""The database half of a backup: SQLite through its online backup API, PostgreSQL through pg_dump and pg_restore.

Both work on the connection Django uses (`connections["default"]`), so what is saved and restored is exactly the
database the application reads, whatever its settings (a file, pytest-django's in-memory test database, a PostgreSQL
database reached over TCP or a socket).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from .errors import BackupError

PG_TIMEOUT = 6 * 3600  # seconds; a dump or restore that hangs longer than this is stopped


def _outside_transaction(connection) -> None:
    if connection.in_atomic_block:
        raise BackupError("La sauvegarde et la restauration ne peuvent pas s'exécuter dans une transaction.")


# --- SQLite ----------------------------------------------------------------------------------------------------------


def sqlite_dump(connection, dest: Path) -> list[tuple[str, str]]:
    """Copy the live database into `dest` (a consistent snapshot, even while the server writes); its migrations."""
    _outside_transaction(connection)
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        connection.connection.backup(target)  # one step: one read transaction, so one consistent state
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
        return sqlite_migrations(target)
    finally:
        target.close()


def sqlite_migrations(db: sqlite3.Connection) -> list[tuple[str, str]]:
    try:
        return list(db.execute("SELECT app, name FROM django_migrations"))
    except sqlite3.DatabaseError:
        return []


def sqlite_check(path: Path) -> list[tuple[str, str]]:
    """Refuse a copy SQLite cannot read whole (integrity_check); its migrations when it is sound."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                raise BackupError(f"{path.name} : base SQLite endommagée ({'; '.join(result[:3])}).")
            return sqlite_migrations(db)
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path.name} : base SQLite illisible ({error}).") from None


def sqlite_restore(connection, src: Path) -> None:
    """Replace the live database by `src`, page by page in one step: the destination changes whole or not at all."""
    _outside_transaction(connection)
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(f"Restauration de la base SQLite impossible, elle n'a pas été modifiée : {error}.") from None
    finally:
        source.close()


# --- PostgreSQL ------------------------------------------------------------------------------------------------------

# Connection OPTIONS that libpq also reads from the environment.
_PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for the database Django uses: the password travels here, never on a command line."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    values = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
    }
    for option, name in _PG_OPTION_ENV.items():
        values[name] = (settings_dict.get("OPTIONS") or {}).get(option)
    env.update({name: str(value) for name, value in values.items() if value not in (None, "")})
    return env


def _pg_run(program: str, args: list[str], settings_dict: dict) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (fixed program, arguments built here, no shell)
            [program, *args],
            env=pg_env(settings_dict),
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise BackupError(
            f"{program} introuvable : installez le client PostgreSQL (paquet postgresql-client)."
        ) from None
    except subprocess.TimeoutExpired:
        raise BackupError(f"{program} arrêté après {PG_TIMEOUT} s sans avoir fini.") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()][-5:]
        raise BackupError(f"{program} a échoué (code {done.returncode}) : {' / '.join(lines) or 'sans message'}.")
    return done.stdout


def pg_dump(connection, dest: Path) -> list[tuple[str, str]]:
    """pg_dump in custom format (compressed, restorable object by object); the migrations applied when it ran."""
    _outside_transaction(connection)
    from django.db.migrations.recorder import MigrationRecorder

    applied = list(MigrationRecorder(connection).applied_migrations())
    _pg_run("pg_dump", ["--format=custom", "--no-password", f"--file={dest}"], connection.settings_dict)
    return applied


def pg_check(path: Path, settings_dict: dict) -> None:
    """pg_restore must be able to read the archive's table of contents."""
    try:
        _pg_run("pg_restore", ["--list", str(path)], settings_dict)
    except BackupError as error:
        raise BackupError(f"{path.name} : archive pg_dump illisible ({error}).") from None


def pg_other_sessions(connection) -> int:
    """Sessions other than ours on the database: a server or worker left running (pg_restore would wait for their
    locks with no time limit, since the archive sets lock_timeout to 0, or mix their writes with the restored data).
    Client backends only: PostgreSQL's own workers on the database (parallel query, autovacuum) are nobody to stop."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def pg_restore(connection, src: Path) -> None:
    """One transaction: the dump's objects dropped and recreated with their rows, or nothing changed at all.

    --no-owner and --no-acl: the objects belong to the role Relais connects with, which may differ on a new server.
    """
    _outside_transaction(connection)
    settings_dict = connection.settings_dict
    connection.close()  # our own session must hold no lock that DROP TABLE would wait for
    _pg_run(
        "pg_restore",
        [
            "--single-transaction",
            "--exit-on-error",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--no-password",
            f"--dbname={settings_dict['NAME']}",
            str(src),
        ],
        settings_dict,
    )
