"""A restore killed during its database step leaves the database and the uploaded files as they were: the files are
swapped in last, after the database (issue 10 review). Run again, the restore completes."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connections

from relais.operations.backup import RESTORE_STAGING_PREFIX

from .conftest import files, run

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def restore_process(backup: Path, database: Path, media: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "RELAIS_TESTING": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(media),
    }
    command = [sys.executable, "manage.py", "restore", str(backup), "--noinput"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def outside_staging(media: Path) -> dict[str, bytes]:
    return {k: v for k, v in files(media).items() if not k.startswith(RESTORE_STAGING_PREFIX)}


def organisation_names(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {name for (name,) in db.execute("SELECT name FROM accounts_organisation")}


def test_a_restore_killed_during_the_database_step_changes_nothing(populated, tmp_path):
    if connections["default"].vendor != "sqlite":
        pytest.skip("SQLite: the database step is held by a write lock on a database file of the test's own")
    backup = populated.backups / "relais-1"
    run("backup", str(backup))
    # The server's current state, newer than the backup: a database file and MEDIA_ROOT of their own.
    database, media = tmp_path / "server" / "relais.sqlite3", tmp_path / "server" / "media"
    media.mkdir(parents=True)
    database.write_bytes((backup / "database.sqlite3").read_bytes())
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("UPDATE accounts_organisation SET name = name || ' (après la sauvegarde)'")
    (media / "après.txt").write_text("déposé après la sauvegarde", encoding="utf-8")
    names, current_files = organisation_names(database), outside_staging(media)

    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer: the restore's database step waits for it
    process = restore_process(backup, database, media)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            staged = [p for s in media.glob(f"{RESTORE_STAGING_PREFIX}*/new") for p in s.rglob("*") if p.is_file()]
            if len(staged) == 2 or outside_staging(media) != current_files:  # extracted, or already swapped in
                break
            time.sleep(0.05)
        time.sleep(1.5)  # well past the extraction: the restore now waits in its database step
        assert process.poll() is None, process.communicate(timeout=5)[0]
        assert outside_staging(media) == current_files  # the files were not swapped in before the database
    finally:
        process.send_signal(signal.SIGKILL)  # the crash
        process.wait(timeout=30)
        holder.execute("ROLLBACK")
        holder.close()
    assert organisation_names(database) == names
    assert outside_staging(media) == current_files

    # Run again: it completes (the killed run's working folder is left, ignored, for the operator to delete).
    done = restore_process(backup, database, media)
    output = done.communicate(timeout=120)[0]
    assert done.returncode == 0, output
    assert not any(name.endswith("(après la sauvegarde)") for name in organisation_names(database))
    assert outside_staging(media) == files(populated.media)
