"""Backup, wipe, restore: the same rows in every table, the same bytes in every file, and the access log verifies."""

import json
import shutil

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from relais.accounts.services import organisation_create
from relais.operations.backup import DATABASE_FILES, sha256_file
from relais.pathway.record.models import Document
from relais.persons.models import Person

from .conftest import files, rows, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_then_wipe_then_restore_gives_identical_rows_and_files(populated):
    before_rows, before_files = rows(), files(populated.media)
    assert Person.objects.count() == 1 and Document.objects.count() == 1
    assert populated.document.file.name in before_files and "exports/relevé d'activité.txt" in before_files
    assert sum(1 for table in before_rows.values() if table) >= 8  # rows in many tables, not one

    target = populated.backups / "relais-1"
    summary = run("backup", str(target))
    vendor = connections["default"].vendor
    assert summary["ok"] and summary["vendor"] == vendor and summary["media_files"] == 2
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["relais"]["version"] and manifest["migrations"]["pathway"].startswith("00")
    assert {entry["name"] for entry in manifest["files"]} == {DATABASE_FILES[vendor], "media.tar"}
    for entry in manifest["files"]:
        assert entry["sha256"] == sha256_file(target / entry["name"])
        assert entry["size"] == (target / entry["name"]).stat().st_size
    assert {entry["path"] for entry in manifest["media"]["files"]} == set(before_files)
    assert not [p for p in populated.backups.iterdir() if p.name != "relais-1"]  # no leftover working folder

    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(populated.media)
    assert not Person.objects.exists() and rows() != before_rows

    checked = run("restore", str(target), check=True)
    assert checked["ok"] and not checked["restored"] and not Person.objects.exists()

    restored = run("restore", str(target), interactive=False)
    assert restored["ok"] and restored["restored"] and restored["media_files"] == 2
    assert rows() == before_rows
    assert files(populated.media) == before_files
    assert not [p for p in populated.media.iterdir() if p.name.startswith(".relais-restore-")]

    verified = run("audit_verify")
    assert verified["ok"] and verified["chained"] > 0 and verified["signed_heads"] == 1
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslogentry")  # its append-only triggers came back with it

    # Sequences came back with the rows: the next row gets a fresh id.
    newest = max(row["id"] for row in before_rows["accounts.Organisation"])
    assert organisation_create(kind="esms", name="Après restauration").pk > newest


def test_restore_check_changes_nothing(populated):
    target = populated.backups / "relais-check"
    run("backup", str(target))
    later = organisation_create(kind="esms", name="Créée après la sauvegarde")
    (populated.media / "nouveau.txt").write_text("après", encoding="utf-8")
    before_rows, before_files = rows(), files(populated.media)

    summary = run("restore", str(target), check=True)

    assert summary["ok"] and summary["restored"] is False
    assert rows() == before_rows and files(populated.media) == before_files
    assert later.__class__.objects.filter(pk=later.pk).exists()


def test_a_backup_never_overwrites_nor_lands_in_media_root(populated):
    target = populated.backups / "relais-1"
    run("backup", str(target))
    with pytest.raises(Exception, match="existe déjà"):
        call_command("backup", str(target))
    with pytest.raises(Exception, match="dans MEDIA_ROOT"):
        call_command("backup", str(populated.media / "sauvegarde"))
    assert not (populated.media / "sauvegarde").exists()
