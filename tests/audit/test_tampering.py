"""audit_verify detects each kind of tampering by someone who can write the database (issue 10, item 5).

Each test first does what such a person would: disable the triggers, then change the rows with SQL.
"""

import json

import pytest
from django.core.management import CommandError, call_command

from relais.audit.heads import HeadError, access_log_publish_head
from relais.audit.models import AccessLogEntry
from relais.audit.selectors import access_log_verify
from relais.audit.services import access_log_sequence

from .conftest import disable_guard, raw, record, rehash_from

pytestmark = pytest.mark.django_db


def test_intact_log_verifies_and_prints_a_json_summary(chained, capsys):
    actor, _ = chained
    access_log_publish_head()
    record(actor, 2)  # written after the head, not chained yet: still a valid log
    call_command("audit_verify")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary == {
        "ok": True,
        "entries": 7,
        "chained": 5,
        "waiting": 2,
        "signed_heads": 1,
        "last_signed_seq": 5,
        "head_problems": [],
    }


def test_changed_row(chained):
    _, entries = chained
    disable_guard()
    raw("UPDATE audit_accesslogentry SET actor_label = 'quelqu''un d''autre' WHERE seq = 3")
    problem = access_log_verify()
    assert (problem.seq, problem.entry_id) == (3, entries[2].pk) and "contenu a été modifié" in problem.message
    with pytest.raises(CommandError, match=r"entrée n° 3 \(id \d+\) : le contenu a été modifié"):
        call_command("audit_verify")


def test_deleted_middle_row(chained):
    disable_guard()
    raw("DELETE FROM audit_accesslogentry WHERE seq = 2")
    with pytest.raises(CommandError, match="entrée n° 2 : l'entrée n° 2 manque"):
        call_command("audit_verify")


def test_deleted_tail_with_the_head_rewound(chained):
    """Without a head row in the database there is nothing to rewind: the signed head outside it still says 5."""
    access_log_publish_head()
    disable_guard()
    raw("DELETE FROM audit_accesslogentry WHERE seq >= 4")
    problem = access_log_verify()
    assert problem.seq == 4 and "s'arrête au n° 3" in problem.message and "atteste le n° 5" in problem.message


def test_row_changed_with_every_later_hash_recomputed(chained):
    access_log_publish_head()
    disable_guard()
    raw("UPDATE audit_accesslogentry SET ground = 'forged' WHERE seq = 2")
    rehash_from(2)
    problem = access_log_verify()
    assert problem.seq == 5 and "diffère de la tête signée" in problem.message
    with pytest.raises(CommandError, match="tête signée"):
        call_command("audit_verify")


def test_whole_database_rolled_back_to_an_older_copy(chained):
    """The copy is taken at seq 5 and signed; the log grows to 8 and is signed again; the copy is restored, and the
    restored database lives on (four new entries chained as 6 to 9): behind the last head, then a fork of it."""
    actor, _ = chained
    access_log_publish_head()
    columns = [f.column for f in AccessLogEntry._meta.concrete_fields]
    copy = raw(f"SELECT {', '.join(columns)} FROM audit_accesslogentry")
    record(actor, 3, start=5)
    access_log_sequence()
    access_log_publish_head()
    disable_guard()
    raw("DELETE FROM audit_accesslogentry")
    marks = ", ".join(["%s"] * len(columns))
    for row in copy:
        raw(f"INSERT INTO audit_accesslogentry ({', '.join(columns)}) VALUES ({marks})", row)
    problem = access_log_verify()
    assert "s'arrête au n° 5" in problem.message and "atteste le n° 8" in problem.message
    record(actor, 4, start=100)
    assert access_log_sequence()["last_seq"] == 9
    problem = access_log_verify()
    assert problem.seq == 8 and "diffère de la tête signée" in problem.message
    with pytest.raises(HeadError, match="ne contient plus la dernière tête publiée"):
        access_log_publish_head()  # signing the restored chain would bless it
