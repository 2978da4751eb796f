"""Admission into a unit: statuses at both levels, one place taken, the log, and refusals that write nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from relais.offer.models import CapacityUpdate, Unit
from relais.orientation.admission.admit import NoPlaceLeft, admission_admit
from relais.orientation.proposals.models import MatchProposal
from relais.orientation.requests.models import StatusTransition, UnitRequestStatus
from relais.orientation.requests.services import (
    admission_request_transition,
    admission_requests_send,
    unit_request_transition,
)


@pytest.fixture
def waiting(world):
    """The person's request to site 0, read and put on the waiting list (42); the unit has 2 free places."""
    Unit.objects.filter(pk=world.unit.pk).update(installed=10, available=2, occupied=8)
    (request,) = admission_requests_send(
        actor=world.coordinator, person=world.person, sites_ranked=world.sites[:1], idempotency_key="a1"
    )
    for target in ("40", "42"):
        request = admission_request_transition(actor=world.staff[0], request=request, target=target)
    return request


def test_admit_from_waiting_list_walks_both_levels_and_takes_a_place(world, waiting):
    request = admission_admit(actor=world.staff[0], request=waiting, unit=world.unit)
    assert request.status == "71"
    unit = Unit.objects.get(pk=world.unit.pk)
    assert (unit.available, unit.occupied) == (1, 9)
    assert UnitRequestStatus.objects.get(request=request, unit=unit).status == "184"
    esms = list(StatusTransition.objects.filter(request=request, level="esms").values_list("to_status", flat=True))
    units = list(StatusTransition.objects.filter(request=request, level="unit").values_list("to_status", flat=True))
    assert esms == ["39", "40", "42", "72", "71"]
    assert units == ["182", "183", "184"]
    assert CapacityUpdate.objects.filter(unit=unit, status="available", value=1, previous_value=2).exists()


def test_admit_from_admissible_and_from_an_existing_unit_status(world, waiting):
    request = admission_request_transition(actor=world.staff[0], request=waiting, target="72")
    unit_request_transition(actor=world.staff[0], request=request, unit=world.unit, target="182")
    admission_admit(actor=world.staff[0], request=request, unit=world.unit)
    units = list(StatusTransition.objects.filter(request=request, level="unit").values_list("to_status", flat=True))
    assert units == ["182", "183", "184"]


def test_no_place_left_writes_nothing(world, waiting):
    Unit.objects.filter(pk=world.unit.pk).update(available=0)
    before = StatusTransition.objects.count()
    with pytest.raises(NoPlaceLeft, match=r"n.a aucune place disponible"):
        admission_admit(actor=world.staff[0], request=waiting, unit=world.unit)
    waiting.refresh_from_db()
    assert waiting.status == "42"
    assert StatusTransition.objects.count() == before


def test_only_the_sites_admission_staff_admit(world, waiting):
    for actor in (world.staff[1], world.coordinator):
        with pytest.raises(PermissionDenied):
            admission_admit(actor=actor, request=waiting, unit=world.unit)
    assert Unit.objects.get(pk=world.unit.pk).available == 2


def test_unit_of_another_site_and_request_not_yet_on_the_list_are_refused(world, waiting):
    other = Unit.objects.create(site=world.sites[1], name="Autre", care_mode="permanent_accommodation")
    with pytest.raises(ValidationError, match="n'appartient pas"):
        admission_admit(actor=world.staff[0], request=waiting, unit=other)
    (fresh,) = admission_requests_send(
        actor=world.coordinator, person=world.person, sites_ranked=world.sites[1:2], idempotency_key="a2"
    )
    Unit.objects.filter(pk=other.pk).update(installed=1, available=1)
    with pytest.raises(ValidationError, match="ne peut pas être admise"):
        admission_admit(actor=world.staff[1], request=fresh, unit=other)


def test_open_proposals_of_the_admitted_request_are_withdrawn(world, waiting):
    proposal = MatchProposal.objects.create(run="r1", request=waiting, unit=world.unit, score=10)
    admission_admit(actor=world.staff[0], request=waiting, unit=world.unit)
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn" and proposal.decided_at is not None


def test_the_transition_log_refuses_raw_updates(world, waiting):
    row = StatusTransition.objects.filter(request=waiting).first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE orientation_statustransition SET reason = '119' WHERE id = %s", [row.pk])
    row.refresh_from_db()
    assert row.reason == ""


def test_an_admission_undone_gives_the_place_back(world, waiting):
    request = admission_admit(actor=world.staff[0], request=waiting, unit=world.unit)
    assert Unit.objects.get(pk=world.unit.pk).available == 1
    admission_request_transition(actor=world.coordinator, request=request, target="49", reason="100")
    unit = Unit.objects.get(pk=world.unit.pk)
    assert (unit.available, unit.occupied) == (2, 8)
    row = UnitRequestStatus.objects.get(request=request, unit=unit)
    assert (row.status, row.status_reason) == ("180", "100")
    assert CapacityUpdate.objects.filter(unit=unit, status="available", value=2, by_label__contains="annulée").exists()


def test_entering_keeps_the_place(world, waiting):
    request = admission_admit(actor=world.staff[0], request=waiting, unit=world.unit)
    admission_request_transition(actor=world.staff[0], request=request, target="47")
    assert Unit.objects.get(pk=world.unit.pk).available == 1
    assert UnitRequestStatus.objects.get(request=request, unit=world.unit).status == "184"
