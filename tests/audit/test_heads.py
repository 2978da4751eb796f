"""Signed heads: the key and the heads file live outside the database; a forged line is detected."""

import base64
import json
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from relais.audit.heads import HeadError, access_log_publish_head, head_sign, heads_read
from relais.audit.models import AccessLogEntry
from relais.audit.selectors import access_log_verify
from relais.audit.services import access_log_sequence

from .conftest import disable_guard, raw, record, rehash_from

pytestmark = pytest.mark.django_db


def _lines(settings):
    return [json.loads(line) for line in settings.RELAIS_AUDIT_HEADS_FILE.read_text().splitlines()]


def test_publication_creates_a_private_key_and_appends_one_signed_line_per_new_head(chained, audit_files):
    actor, _ = chained
    assert access_log_publish_head()["published"] is True
    key_file = audit_files.RELAIS_AUDIT_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.with_suffix(".pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert access_log_publish_head() == {
        "published": False,
        "seq": 5,
        "hash": _lines(audit_files)[0]["hash"],
        "reason": "inchangée",
    }
    record(actor, 1)
    access_log_sequence()
    access_log_publish_head()
    lines = _lines(audit_files)
    assert [line["seq"] for line in lines] == [5, 6]
    assert set(lines[0]) == {"seq", "hash", "at", "sig"}
    assert heads_read().problems == [] and len(heads_read().heads) == 2


def test_the_command_chains_waiting_entries_before_signing(audit_files, actor, capsys):
    record(actor, 3)
    call_command("audit_publish_head")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["published"], summary["seq"], summary["sequenced"]) == (True, 3, 3)


def test_empty_log_publishes_nothing(audit_files, db):
    assert access_log_publish_head()["published"] is False
    assert not audit_files.RELAIS_AUDIT_HEADS_FILE.exists()


def test_head_signed_with_another_key_is_detected(chained, audit_files):
    """A forger rewrites the chain, recomputes every hash and replaces the heads with one of their own key."""
    access_log_publish_head()
    disable_guard()
    raw("UPDATE audit_accesslogentry SET ground = 'forged' WHERE seq = 2")
    rehash_from(2)
    forged_hash = AccessLogEntry.objects.get(seq=5).hash
    forged = head_sign(Ed25519PrivateKey.generate(), seq=5, hash=forged_hash, at="2026-12-04T10:00:00+01:00")
    audit_files.RELAIS_AUDIT_HEADS_FILE.write_text(json.dumps(forged) + "\n")
    assert heads_read().heads == []
    with pytest.raises(CommandError, match="ligne 1 : signature invalide"):
        call_command("audit_verify")


def test_edited_head_line_is_detected(chained, audit_files):
    access_log_publish_head()
    line = _lines(audit_files)[0]
    line["seq"] = 4  # a genuine signature over other figures
    audit_files.RELAIS_AUDIT_HEADS_FILE.write_text(json.dumps(line) + "\n")
    assert heads_read().problems == [
        f"{audit_files.RELAIS_AUDIT_HEADS_FILE}, ligne 1 : signature invalide (tête n° 4 falsifiée ou d'une autre clé)"
    ]


def test_verification_with_the_public_key_only(chained, audit_files):
    """Elsewhere (another host, an auditor) the .pub file is enough to check the heads."""
    access_log_publish_head()
    key_file = audit_files.RELAIS_AUDIT_KEY_FILE
    key_file.rename(key_file.with_name("moved.key"))
    assert len(heads_read().heads) == 1 and access_log_verify() is None
    key_file.with_suffix(".pub").unlink()
    assert "aucune clé" in heads_read().problems[0]


def test_key_readable_by_others_is_refused(chained, audit_files):
    access_log_publish_head()
    audit_files.RELAIS_AUDIT_KEY_FILE.chmod(0o644)
    with pytest.raises(HeadError, match="chmod 600"):
        access_log_publish_head()


def test_signature_is_base64_of_64_bytes(chained, audit_files):
    access_log_publish_head()
    assert len(base64.b64decode(_lines(audit_files)[0]["sig"])) == 64


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_a_deleted_or_emptied_heads_file_is_reported(chained, audit_files, capsys, how):
    """The key exists, so heads were published: a non-empty chain with no head at all is an alarm (issue 10 review)."""
    access_log_publish_head()
    heads_file = audit_files.RELAIS_AUDIT_HEADS_FILE
    if how == "deleted":
        heads_file.unlink()
    else:
        heads_file.write_text("")
    with pytest.raises(CommandError, match=r"aucune tête signée .* fichier des têtes supprimé, vidé ou déplacé"):
        call_command("audit_verify")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["ok"] is False and summary["signed_heads"] == 0 and summary["chained"] == 5


def test_no_heads_yet_is_fine_before_the_first_publication(chained, audit_files):
    assert not audit_files.RELAIS_AUDIT_KEY_FILE.exists()  # nothing was ever published: nothing is missing
    assert access_log_verify() is None


@pytest.mark.parametrize("damage", ["exposed key", "garbled key", "garbled public key"])
def test_an_unusable_key_is_reported_in_the_summary_with_a_non_zero_exit(chained, audit_files, capsys, damage):
    access_log_publish_head()
    key_file = audit_files.RELAIS_AUDIT_KEY_FILE
    if damage == "exposed key":
        key_file.chmod(0o644)
    elif damage == "garbled key":
        key_file.write_text("pas une clé")
    else:  # verifying elsewhere, with the .pub file only
        key_file.unlink()
        key_file.with_suffix(".pub").write_text("pas une clé")
    with pytest.raises(CommandError, match=r"têtes signées : .*(chmod 600|illisible)"):
        call_command("audit_verify")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["ok"] is False and summary["chained"] == 5 and summary["signed_heads"] == 0
    assert summary["head_problems"] == [summary["problem"]["message"]]
