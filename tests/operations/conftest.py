"""A small but real data set for the backup tests: a care circle, an uploaded document, a signed access-log head."""

import json
import sys
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections

from relais.accounts.services import organisation_create
from relais.operations.backup import DATABASE_FILES
from relais.pathway.record import services as record_services
from tests.pathway.conftest import PDF, circle, circle_once  # noqa: F401 (the shared circle fixture)


@pytest.fixture(autouse=True)
def _no_leftover_sessions():
    """PostgreSQL: end the idle client sessions earlier tests of this process left on its test database.

    A restore counts the other sessions and the tests count exactly the ones they open. Under pytest-xdist each
    process owns its test database, so any other session on it is a leftover (a thread of an earlier test that kept
    its connection), not a user; it is listed on stderr so that its source can be found.
    """
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, application_name, state, left(query, 80), pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                " AND state = 'idle'"
            )
            for leftover in cursor.fetchall():
                print(f"leftover session ended before a backup test: {leftover}", file=sys.stderr)
    yield


def run(*args, **options) -> dict:
    """A management command's JSON summary (its last line)."""
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def rows() -> dict[str, list[dict]]:
    """Every row of every table Django manages, by model, in primary-key order."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def files(root) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def populated(circle, settings, tmp_path):  # noqa: F811
    """Rows in several apps (accounts, persons, pathway, notifications, audit) and files under a private MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RELAIS_AUDIT_KEY_FILE = tmp_path / "audit" / "signing.key"
    settings.RELAIS_AUDIT_HEADS_FILE = tmp_path / "audit" / "heads.jsonl"
    document = record_services.document_upload(
        actor=circle.coordinator,
        person=circle.person,
        upload=SimpleUploadedFile("compte-rendu.pdf", PDF, content_type="application/pdf"),
        title="Compte rendu de sortie",
    )
    extra = settings.MEDIA_ROOT / "exports" / "relevé d'activité.txt"
    extra.parent.mkdir(parents=True)
    extra.write_bytes("Relevé synthétique\n".encode())
    head = run("audit_publish_head")  # chains the log and signs its head outside the database
    assert head["published"]
    return SimpleNamespace(circle=circle, document=document, media=settings.MEDIA_ROOT, backups=tmp_path / "backups")


@pytest.fixture
def backup(populated):
    """A backup, then a change made after it: a refused restore must leave that change in place."""
    target = populated.backups / "relais-1"
    run("backup", str(target))
    organisation_create(kind="esms", name="Créée après la sauvegarde")
    (populated.media / "après.txt").write_text("déposé après la sauvegarde", encoding="utf-8")
    populated.target = target
    populated.database = target / DATABASE_FILES[connections["default"].vendor]
    return populated
