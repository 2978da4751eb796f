"""The access log is append-only and any tampering is detected by audit_verify."""

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from relais.audit.append_only import AppendOnlyError
from relais.audit.models import AccessLogEntry, ChainHead
from relais.audit.selectors import access_log_verify
from relais.audit.services import access_log_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(make_organisation, make_member):
    organisation = make_organisation()
    user, actor = make_member(organisation)
    entries = [
        access_log_record(actor=actor, action=action, obj=user, ground="test_ground", detail=f"entry {i}")
        for i, action in enumerate(["read", "create", "update", "export", "read"])
    ]
    return actor, entries


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _disable_guard():
    """What someone with direct database access would do before tampering."""
    if connection.vendor == "postgresql":
        _raw("ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_accesslog_append_only")
    else:
        _raw("DROP TRIGGER audit_accesslog_append_only")


def test_entry_records_who_for_whom_what_and_ground(logged):
    actor, entries = logged
    entry = entries[0]
    assert entry.seq == 1 and entry.prev_hash == "0" * 64
    assert entry.user_id == actor.user.pk
    assert entry.organisation_id == actor.organisation.pk
    assert entry.organisation_label == actor.organisation.name
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(actor.user.pk))
    assert entry.subject == f"accounts.user:{actor.user.pk}"
    assert entry.ground == "test_ground"
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))


def test_intact_log_verifies(logged, capsys):
    assert access_log_verify() is None
    call_command("audit_verify")
    assert "5 entrées vérifiées" in capsys.readouterr().out


def test_orm_refuses_update_and_delete(logged):
    _, entries = logged
    entries[1].detail = "changed"
    with pytest.raises(AppendOnlyError):
        entries[1].save()
    with pytest.raises(AppendOnlyError):
        entries[1].delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(seq=2).update(detail="x")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()


def test_database_refuses_raw_update(logged):
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        _raw("UPDATE audit_accesslogentry SET detail = 'x' WHERE seq = 2")


def test_modified_entry_is_named(logged):
    _, entries = logged
    _disable_guard()
    _raw("UPDATE audit_accesslogentry SET actor_label = 'quelqu''un d''autre' WHERE seq = 3")
    problem = access_log_verify()
    assert problem.seq == 3 and problem.entry_id == entries[2].pk
    with pytest.raises(CommandError, match=r"entrée n° 3 \(id \d+\) : le contenu a été modifié"):
        call_command("audit_verify")


def test_rehashed_entry_breaks_the_next_link(logged):
    """A forger who recomputes the hash of the entry they changed is caught by the next entry."""
    from relais.audit.chain import entry_hash

    _, entries = logged
    _disable_guard()
    fields = {f.name: getattr(entries[1], f.name) for f in AccessLogEntry._meta.concrete_fields}
    fields["ground"] = "forged"
    _raw("UPDATE audit_accesslogentry SET ground = %s, hash = %s WHERE seq = 2", ["forged", entry_hash(fields)])
    problem = access_log_verify()
    assert problem.seq == 3 and "lien" in problem.message


def test_deleted_middle_entry_is_named(logged):
    _disable_guard()
    _raw("DELETE FROM audit_accesslogentry WHERE seq = 2")
    with pytest.raises(CommandError, match="entrée n° 2 : l'entrée n° 2 manque"):
        call_command("audit_verify")


def test_deleted_last_entries_are_detected_by_the_head(logged):
    _disable_guard()
    _raw("DELETE FROM audit_accesslogentry WHERE seq >= 4")
    problem = access_log_verify()
    assert problem is not None and problem.seq == 4
    assert ChainHead.objects.get().last_seq == 5


def test_record_requires_a_ground(logged):
    actor, _ = logged
    with pytest.raises(ValueError, match="ground"):
        access_log_record(actor=actor, action="read", object_type="x", object_id="1", ground="")


def test_failed_transaction_leaves_no_entry(logged):
    actor, _ = logged
    with pytest.raises(RuntimeError), transaction.atomic():
        access_log_record(actor=actor, action="read", object_type="x", object_id="1", ground="g")
        raise RuntimeError("the feature failed after logging")
    assert AccessLogEntry.objects.count() == 5
    assert access_log_verify() is None
