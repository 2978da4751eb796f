"""Fixtures of the access-log tests: a signing key and a heads file of the test's own, and a few chained entries."""

import pytest
from django.db import connection

from relais.audit.chain import GENESIS_HASH, entry_hash
from relais.audit.models import AccessLogEntry
from relais.audit.services import access_log_record, access_log_sequence


@pytest.fixture
def audit_files(settings, tmp_path):
    settings.RELAIS_AUDIT_KEY_FILE = tmp_path / "keys" / "signing.key"
    settings.RELAIS_AUDIT_HEADS_FILE = tmp_path / "heads" / "heads.jsonl"
    return settings


@pytest.fixture
def actor(make_organisation, make_member):
    return make_member(make_organisation())[1]


def record(actor, n: int, start: int = 0):
    return [
        access_log_record(actor=actor, action=action, obj=actor.user, ground="test_ground", detail=f"entry {start + i}")
        for i, action in zip(range(n), ["read", "create", "update", "export", "read"] * n, strict=False)
    ]


@pytest.fixture
def chained(audit_files, actor):
    """Five entries, chained by the sequencer (seq 1 to 5)."""
    entries = record(actor, 5)
    assert access_log_sequence()["sequenced"] == 5
    return actor, entries


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def disable_guard():
    """What someone with direct database access does before tampering (undone with the test's transaction)."""
    if connection.vendor == "postgresql":
        raw("ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_accesslog_append_only")
    else:
        raw("DROP TRIGGER audit_accesslog_append_only")
        raw("DROP TRIGGER audit_accesslog_no_delete")


def rehash_from(seq: int) -> None:
    """Recompute prev_hash and hash of every entry from `seq` on, as a forger with the public entry_hash would."""
    prev = AccessLogEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    for entry in AccessLogEntry.objects.filter(seq__gte=seq).order_by("seq"):
        fields = {f.name: getattr(entry, f.name) for f in AccessLogEntry._meta.concrete_fields}
        fields["prev_hash"] = prev
        prev = entry_hash(fields)
        raw(
            "UPDATE audit_accesslogentry SET prev_hash = %s, hash = %s WHERE id = %s",
            [fields["prev_hash"], prev, entry.pk],
        )
