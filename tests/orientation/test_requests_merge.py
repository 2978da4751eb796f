"""The persons merge hook on requests and decisions, and concurrent sends on PostgreSQL."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests.models import AdmissionRequest, StatusTransition
from relais.orientation.requests.services import admission_request_transition, admission_requests_send
from relais.persons.services import person_create, person_merge


def _twin(world):
    return person_create(
        actor=world.coordinator,
        ground="test",
        family_name="Le Gal",
        first_names="Yann",
        birth_date=date(1980, 5, 2),
        sex="M",
    )


def _send(world, person, sites, key):
    return admission_requests_send(actor=world.coordinator, person=person, sites_ranked=sites, idempotency_key=key)


def test_merge_moves_requests_and_decisions_keeping_ranks(world):
    twin = _twin(world)
    OrientationDecision.objects.create(person=twin, kind="without_decision")
    _send(world, world.person, world.sites[:1], "a")
    moved = _send(world, twin, world.sites[1:], "b")
    person_merge(
        actor=world.coordinator, keep=world.person, duplicate=twin, ground="test", reason="même personne (test)"
    )
    assert OrientationDecision.objects.get().person == world.person
    rows = AdmissionRequest.objects.filter(person=world.person).order_by("wish_rank")
    assert [(r.site, r.wish_rank) for r in rows] == [(s, n) for n, s in enumerate(world.sites, start=1)]
    assert {r.pk for r in rows[1:]} == {r.pk for r in moved}


def test_merge_same_site_cancels_the_less_advanced(world):
    twin = _twin(world)
    (mine,) = _send(world, world.person, world.sites[:1], "a")
    (theirs,) = _send(world, twin, world.sites[:1], "b")
    theirs = admission_request_transition(actor=world.staff[0], request=theirs, target="40")
    person_merge(
        actor=world.coordinator, keep=world.person, duplicate=twin, ground="test", reason="même personne (test)"
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.status_reason, theirs.status) == ("49", "112", "40")
    assert theirs.person == world.person and theirs.wish_rank == 1
    last = StatusTransition.objects.filter(request=mine).last()
    assert (last.actor_kind, last.source, last.to_status) == ("system", "system", "49")
    assert "fusion" in last.comment


def test_merge_refused_when_both_entered(world):
    twin = _twin(world)
    (mine,) = _send(world, world.person, world.sites[:1], "a")
    (theirs,) = _send(world, twin, world.sites[:1], "b")
    for request in (mine, theirs):
        for target in ("40", "42", "72", "71", "47"):
            request = admission_request_transition(actor=world.staff[0], request=request, target=target)
    with pytest.raises(ValidationError, match="« Foyer 0 »"):
        person_merge(
            actor=world.coordinator, keep=world.person, duplicate=twin, ground="test", reason="même personne (test)"
        )
    twin.refresh_from_db()
    assert twin.merged_into is None
    assert AdmissionRequest.objects.filter(person=twin).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_to_the_same_site(world):
    """Two coordinators send to the same ESMS at the same moment: exactly one request is created."""
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    start = threading.Barrier(2)
    results, errors = [], []

    def click(key):
        try:
            start.wait()
            results.append(_send(world, world.person, world.sites[:1], key))
        except ValidationError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(key,)) for key in ("x", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 1 and len(errors) == 1
    assert "« Foyer 0 »" in str(errors[0])
    assert AdmissionRequest.objects.filter(person=world.person).count() == 1
