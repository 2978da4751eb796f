"""Appending to the access log (one INSERT, no lock) and the sequencer that chains the entries later."""

import itertools
from html import escape

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from relais.accounts.roles import Role
from relais.audit.append_only import AppendOnlyError
from relais.audit.chain import GENESIS_HASH, entry_hash
from relais.audit.models import AccessLogEntry
from relais.audit.selectors import access_log_verify
from relais.audit.services import access_log_record, access_log_sequence

from .conftest import raw, record

pytestmark = pytest.mark.django_db


def test_entry_records_who_for_whom_what_and_ground_and_waits_for_the_sequencer(actor):
    entry = record(actor, 1)[0]
    assert (entry.seq, entry.prev_hash, entry.hash) == (None, None, None)
    assert entry.user_id == actor.user.pk
    assert entry.organisation_id == actor.organisation.pk
    assert entry.organisation_label == actor.organisation.name
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(actor.user.pk))
    assert entry.subject == f"accounts.user:{actor.user.pk}"
    assert entry.ground == "test_ground"


def test_sequencer_chains_waiting_entries_once_in_id_order(actor):
    entries = record(actor, 5)
    assert access_log_sequence(batch_size=2) == {"sequenced": 5, "batches": 3, "busy": False, "last_seq": 5}
    assert access_log_sequence() == {"sequenced": 0, "batches": 1, "busy": False, "last_seq": 5}
    chained = list(AccessLogEntry.objects.order_by("seq"))
    assert [e.pk for e in chained] == [e.pk for e in entries]
    assert [e.seq for e in chained] == [1, 2, 3, 4, 5]
    assert chained[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chained))
    fields = {f.name: getattr(chained[2], f.name) for f in AccessLogEntry._meta.concrete_fields}
    assert entry_hash(fields) == chained[2].hash
    # Later entries extend the same chain.
    record(actor, 2)
    assert access_log_sequence()["last_seq"] == 7
    assert access_log_verify() is None


def test_orm_refuses_update_and_delete(actor):
    entry = record(actor, 1)[0]
    entry.detail = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(detail="x")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accesslogentry SET detail = 'x' WHERE seq = 2",  # content of a chained entry
        "UPDATE audit_accesslogentry SET seq = 9 WHERE seq = 2",  # re-numbering a chained entry
        "UPDATE audit_accesslogentry SET hash = 'f' WHERE seq = 2",
        "UPDATE audit_accesslogentry SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq = 5",  # un-chaining
        "DELETE FROM audit_accesslogentry WHERE seq = 2",
        "DELETE FROM audit_accesslogentry WHERE seq IS NULL",  # an entry still waiting
        # Filling the chain columns is allowed once, but not together with a change of content.
        "UPDATE audit_accesslogentry SET seq = 6, prev_hash = 'a', hash = 'b', ground = 'x' WHERE seq IS NULL",
        "UPDATE audit_accesslogentry SET detail = 'x' WHERE seq IS NULL",
    ],
)
def test_database_triggers_refuse_changes_and_deletions(chained, sql):
    actor, _ = chained
    record(actor, 1)  # one entry waiting for the sequencer
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        raw(sql)
    assert AccessLogEntry.objects.count() == 6


def test_database_trigger_lets_the_sequencer_fill_the_chain_columns_once(actor):
    (entry,) = record(actor, 1)
    raw("UPDATE audit_accesslogentry SET seq = 1, prev_hash = 'a', hash = 'b' WHERE id = %s", [entry.pk])
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        raw("UPDATE audit_accesslogentry SET seq = 1, prev_hash = 'a', hash = 'c' WHERE id = %s", [entry.pk])


def test_record_requires_a_ground(actor):
    with pytest.raises(ValueError, match="ground"):
        access_log_record(actor=actor, action="read", object_type="x", object_id="1", ground="")


def test_failed_transaction_leaves_no_entry(chained):
    actor, _ = chained
    with pytest.raises(RuntimeError), transaction.atomic():
        access_log_record(actor=actor, action="read", object_type="x", object_id="1", ground="g")
        raise RuntimeError("the feature failed after logging")
    assert AccessLogEntry.objects.count() == 5
    assert access_log_sequence()["sequenced"] == 0
    assert access_log_verify() is None


def test_commit_asks_the_worker_to_chain_soon(settings, actor, django_capture_on_commit_callbacks):
    settings.RELAIS_AUDIT_SEQUENCE_ON_COMMIT = True
    with django_capture_on_commit_callbacks(execute=True):
        (entry,) = record(actor, 1)
    entry.refresh_from_db()
    assert entry.seq == 1  # the task ran at once (huey's immediate mode under the test runner)


def test_organisation_log_shows_entries_not_yet_chained(client, no_2fa, make_organisation, make_member):
    organisation = make_organisation()
    director_user, _ = make_member(organisation, role=Role.DIRECTOR)
    _, colleague = make_member(organisation)
    access_log_record(
        actor=colleague, action="read", obj=director_user, ground="test_ground", detail="pas encore chaîné"
    )
    client.force_login(director_user)
    page = client.get(reverse("audit:organisation_log")).content.decode()
    assert "pas encore chaîné" in page and escape(colleague.label) in page and "en attente de chaînage" in page


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_log_but_a_delete_is_refused(actor):
    """Django's flush (tests, `manage.py flush`) empties the log: TRUNCATE on PostgreSQL, a guarded DELETE on SQLite."""
    record(actor, 2)
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        raw("DELETE FROM audit_accesslogentry")
    call_command("flush", interactive=False, verbosity=0)
    assert AccessLogEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_on_postgresql_and_flush_still_empties_the_log(actor):
    """A TRUNCATE from psql or any other tool is refused (statement trigger, migration 0004); Django's own flush passes
    (relais/audit/truncate_guard.py) and leaves the trigger on. SQLite has no TRUNCATE."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no TRUNCATE")
    record(actor, 2)
    # Alone, refused by the foreign key of the list rows (decision 0047); with them, by the trigger.
    with pytest.raises(DatabaseError, match=r"TRUNCATE refused|referenced in a foreign key"), transaction.atomic():
        raw("TRUNCATE audit_accesslogentry")
    for statement in (
        "TRUNCATE audit_accesslogentry, audit_accessloglisting",
        "TRUNCATE audit_accesslogentry RESTART IDENTITY CASCADE",
    ):
        with pytest.raises(DatabaseError, match=r"TRUNCATE refused"), transaction.atomic():
            raw(statement)
    assert AccessLogEntry.objects.count() == 2
    call_command("flush", interactive=False, verbosity=0)
    assert AccessLogEntry.objects.count() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_accesslog_no_truncate'")
        assert cursor.fetchone() == ("O",)  # on again after the flush
