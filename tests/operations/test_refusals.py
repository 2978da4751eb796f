"""A restore refuses, before touching anything, a backup that is missing, incomplete, altered or from another schema."""

import hashlib
import io
import json
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from relais.operations.backup import sha256_file

from .conftest import files, rows, run

pytestmark = pytest.mark.django_db(transaction=True)


def refused(target, **options) -> str:
    """Restore `target`; it must fail. Returns the error, after checking the JSON summary line says so too."""
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("restore", str(target), interactive=False, stdout=out, **options)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["ok"] is False and summary["error"] == str(error.value)
    return str(error.value)


def flip_byte(path, offset) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("which", ["database", "media"])
def test_a_tampered_file_is_refused_by_name_and_nothing_changes(backup, which):
    before_rows, before_files = rows(), files(backup.media)
    file = backup.database if which == "database" else backup.target / "media.tar"
    flip_byte(file, file.stat().st_size // 2)

    message = refused(backup.target)

    assert str(file) in message and "SHA-256" in message and "altéré" in message
    assert rows() == before_rows and files(backup.media) == before_files


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda t: (t / "manifest.json").unlink(), "manifest.json : manifeste introuvable, sauvegarde incomplète"),
        (lambda t: (t / "manifest.json").write_text('{\n  "format": ', encoding="utf-8"), "ligne 2 : JSON invalide"),
        (lambda t: (t / "media.tar").unlink(), "media.tar : fichier absent, sauvegarde incomplète"),
        (lambda t: (t / "media.tar").write_bytes((t / "media.tar").read_bytes()[:1000]), "media.tar : 1000 octets"),
    ],
    ids=["no-manifest", "broken-manifest", "missing-file", "truncated-file"],
)
def test_an_incomplete_backup_is_refused_by_name(backup, damage, expected):
    before_rows = rows()
    damage(backup.target)
    assert expected in refused(backup.target)
    assert rows() == before_rows


def test_a_missing_path_or_a_file_gives_a_clear_error(backup, tmp_path):
    assert refused(tmp_path / "nulle-part") == f"{tmp_path / 'nulle-part'} : sauvegarde introuvable."
    assert "est un dossier" in refused(backup.target / "manifest.json")


def test_a_different_migration_state_is_refused_unless_forced(backup):
    recorder = MigrationRecorder(connections["default"])
    recorder.record_applied("pathway", "9999_future")
    try:
        message = refused(backup.target)
        assert "pathway : sauvegarde 00" in message and "base 9999_future" in message and "--force" in message
        assert ("pathway", "9999_future") in recorder.applied_migrations()

        summary = run("restore", str(backup.target), interactive=False, force=True)
        assert summary["restored"] and summary["migrations_differ"]
        assert ("pathway", "9999_future") not in recorder.applied_migrations()  # the backup's state came back
        assert "après.txt" not in files(backup.media)
    finally:
        recorder.record_unapplied("pathway", "9999_future")


def test_an_unsafe_archive_member_is_refused_even_with_matching_checksums(backup):
    tar_path = backup.target / "media.tar"
    payload = b"hors du dossier"
    with tarfile.open(tar_path, "a") as tar:
        info = tarfile.TarInfo("../evil.txt")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    manifest_path = backup.target / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["media"]["files"].append(
        {"path": "../evil.txt", "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    )
    for entry in manifest["files"]:
        if entry["name"] == "media.tar":
            entry.update(size=tar_path.stat().st_size, sha256=sha256_file(tar_path))
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    assert "« ../evil.txt » refusé" in refused(backup.target)
    assert not (backup.media.parent / "evil.txt").exists()


def _postgresql():
    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: a second session, a view depending on a table")
    return connection


def test_restore_refuses_while_another_session_is_connected(backup):
    """PostgreSQL: a server or worker left running would block pg_restore or write in the middle of it."""
    import psycopg

    connection = _postgresql()
    before_rows, before_files = rows(), files(backup.media)
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    with psycopg.connect(**params):
        message = refused(backup.target)
        assert run("restore", str(backup.target), check=True)["other_sessions"] == 1
    assert message.startswith("1 autre(s) session(s) connectée(s)") and "arrêtez le serveur" in message
    assert rows() == before_rows and files(backup.media) == before_files


def test_a_failed_database_restore_leaves_the_files_alone(backup):
    """PostgreSQL: pg_restore fails halfway (a view an administrator added depends on a table it must drop): its
    single transaction is rolled back and the uploaded files, swapped in only after the database, are untouched."""
    connection = _postgresql()
    with connection.cursor() as cursor:
        cursor.execute("CREATE VIEW report_organisations AS SELECT id, name FROM accounts_organisation")
    connection.close()
    try:
        before_rows, before_files = rows(), files(backup.media)
        message = refused(backup.target)
        assert "pg_restore a échoué" in message and "report_organisations" in message
        assert rows() == before_rows and files(backup.media) == before_files
        assert not [p for p in backup.media.iterdir() if p.name.startswith(".relais-restore-")]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP VIEW IF EXISTS report_organisations")


def test_postgresql_background_workers_are_not_counted_as_sessions():
    """Only client sessions block a restore: the workers PostgreSQL starts on the database (parallel query, autovacuum)
    are not someone left connected (issue 10 review)."""
    import threading
    import time

    import psycopg

    from relais.operations.databases import pg_other_sessions

    connection = _postgresql()
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("CREATE TABLE parallel_probe AS SELECT g FROM generate_series(1, 3000) AS g")
        try:
            for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
                other.execute(f"SET {setting} = 0")
            other.execute("SET max_parallel_workers_per_gather = 2")
            scan = threading.Thread(
                target=other.execute, args=("SELECT count(*) FROM parallel_probe WHERE pg_sleep(0.002) IS NOT NULL",)
            )
            scan.start()
            with connection.cursor() as cursor:
                workers, deadline = 0, time.monotonic() + 10
                while not workers and time.monotonic() < deadline:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND backend_type = 'parallel worker'"
                    )
                    workers = cursor.fetchone()[0]
                counted = pg_other_sessions(connection)
            scan.join()
        finally:
            other.execute("DROP TABLE parallel_probe")
    assert workers >= 1  # the scan really ran in parallel workers while we counted
    assert counted == 1  # the other client only
