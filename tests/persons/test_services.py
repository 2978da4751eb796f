"""Writes and reads of persons: access log with ground; merge keeps history, refuses what it must, runs hooks."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from relais.audit.models import AccessLogEntry
from relais.persons import services
from relais.persons.models import PersonMergeLog
from relais.persons.services import legal_representative_add, person_merge, person_update

from .conftest import GROUND, an_ins

pytestmark = pytest.mark.django_db


def last_entries(n: int) -> list[tuple[str, str, str]]:
    entries = AccessLogEntry.objects.order_by("-id")[:n]
    return [(e.action, e.subject, e.ground) for e in reversed(entries)]


def test_create_and_update_are_logged(actor, make_person):
    person = make_person(ins=an_ins(), identity_status="QUAL", ins_from_national_service=True)
    subject = f"persons.person:{person.pk}"
    assert last_entries(1) == [("create", subject, GROUND)]
    person_update(actor=actor, person=person, ground="coordination", phone="06 39 98 00 01")
    assert last_entries(1) == [("update", subject, "coordination")]
    person.refresh_from_db()
    assert person.phone == "06 39 98 00 01"


def test_writes_validate_and_leave_no_log_when_refused(actor, make_person):
    before = AccessLogEntry.objects.count()
    with pytest.raises(ValidationError):
        make_person(identity_status="QUAL")
    with pytest.raises(ValidationError):
        make_person(ins="184127645108947")
    with pytest.raises(TypeError):
        make_person(merged_into=None)
    with pytest.raises(ValueError):
        services.person_create(actor=actor, ground="", **_minimal())
    assert AccessLogEntry.objects.count() == before


def _minimal():
    return {"family_name": "Roux", "first_names": "Lou", "birth_date": date(2010, 1, 1), "sex": "I"}


@pytest.fixture
def pair(actor, make_person):
    keep = make_person(phone="06 39 98 00 02")
    # Created twice with the same strict traits (birth place only on the second): its INS may move to `keep`.
    duplicate = make_person(
        used_name="Qurée",
        ins=an_ins(),
        identity_status="RECUP",
        ins_from_national_service=True,
        address="3 rue du Port",
        postal_code="20000",
        city="Ajaccio",
        phone="06 39 98 00 03",
        birth_place_code="2A004",
        birth_place_label="Ajaccio",
    )
    legal_representative_add(actor=actor, person=duplicate, ground=GROUND, name="Paul Quéré", role="curatelle")
    return keep, duplicate


def test_merge_keeps_history_moves_and_fills(actor, pair):
    keep, duplicate = pair
    log = person_merge(
        actor=actor, keep=keep, duplicate=duplicate, ground="identitovigilance", reason="même personne (test)"
    )
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep and duplicate.merged_at == log.at
    assert (duplicate.used_name, duplicate.ins) == ("Qurée", an_ins())  # the duplicate record is kept as it was
    assert (keep.family_name, keep.phone) == ("Quéré", "06 39 98 00 02")  # names and filled fields never overwritten
    assert (keep.ins, keep.identity_status, keep.address, keep.birth_place_code) == (
        an_ins(),
        "RECUP",
        "3 rue du Port",
        "2A004",
    )
    assert [r.name for r in keep.representatives.all()] == ["Paul Quéré"]
    assert log.filled_fields == [
        "used_name",
        "birth_place_code",
        "birth_place_label",
        "ins",
        "identity_status",
        "ins_from_national_service",
        "address",
        "postal_code",
        "city",
    ]
    assert log.representatives_moved == [keep.representatives.get().pk]
    assert log.actor_label == actor.public_label and "@" not in log.actor_label and log.ground == "identitovigilance"
    assert last_entries(2) == [
        ("update", f"persons.person:{keep.pk}", "identitovigilance"),
        ("update", f"persons.person:{duplicate.pk}", "identitovigilance"),
    ]
    with pytest.raises(ValidationError, match="fusionnée"):
        person_update(actor=actor, person=duplicate, ground=GROUND, phone="")


def test_merge_refusals(actor, make_person, pair):
    keep, duplicate = pair
    other_ins = make_person(ins=an_ins("2840375123002"))
    with pytest.raises(ValidationError, match="elle-même"):
        person_merge(actor=actor, keep=keep, duplicate=keep, ground=GROUND, reason="même personne (test)")
    with pytest.raises(ValidationError, match="INS différents"):
        person_merge(actor=actor, keep=other_ins, duplicate=duplicate, ground=GROUND, reason="même personne (test)")
    person_merge(actor=actor, keep=keep, duplicate=duplicate, ground=GROUND, reason="même personne (test)")
    third = make_person()
    with pytest.raises(ValidationError, match="déjà été fusionnée"):
        person_merge(actor=actor, keep=third, duplicate=duplicate, ground=GROUND, reason="même personne (test)")
    with pytest.raises(ValidationError, match="choisissez la fiche qui la remplace"):
        person_merge(actor=actor, keep=duplicate, duplicate=third, ground=GROUND, reason="même personne (test)")
    assert PersonMergeLog.objects.count() == 1


def test_merge_hooks_run_inside_the_transaction(actor, pair, monkeypatch):
    keep, duplicate = pair
    monkeypatch.setattr(services, "merge_hooks", [])
    calls = []

    @services.register_merge_hook
    def record(*, actor, keep, duplicate):
        calls.append((keep.pk, duplicate.pk, duplicate.merged_into_id))

    person_merge(actor=actor, keep=keep, duplicate=duplicate, ground=GROUND, reason="même personne (test)")
    assert calls == [(keep.pk, duplicate.pk, keep.pk)]


def test_failing_hook_rolls_the_merge_back(actor, pair, monkeypatch):
    keep, duplicate = pair
    before = AccessLogEntry.objects.count()

    def broken(**kwargs):
        raise RuntimeError("re-pointing failed")

    monkeypatch.setattr(services, "merge_hooks", [broken])
    with pytest.raises(RuntimeError):
        person_merge(actor=actor, keep=keep, duplicate=duplicate, ground=GROUND, reason="même personne (test)")
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.merged_into is None and keep.ins is None and duplicate.representatives.count() == 1
    assert AccessLogEntry.objects.count() == before and not PersonMergeLog.objects.exists()
