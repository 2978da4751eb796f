"""Issue 4 item 9: fifty staff admit fifty persons into the last place of a unit at the same moment.

``admission.admission_admit`` locks the unit's row first, so the database serialises the fifty transactions: the
first takes the place, the 49 others find none and get ``NoPlaceLeft`` with its message, and nothing of theirs is
written (statuses, transition log, capacity figures). Real parallel transactions need PostgreSQL; the sequential
version runs everywhere.
"""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from relais.accounts.roles import Role
from relais.offer.models import CapacityUpdate, Unit
from relais.orientation.admission.admit import NoPlaceLeft, admission_admit
from relais.orientation.requests.models import AdmissionRequest, StatusTransition, UnitRequestStatus
from relais.orientation.requests.services import admission_request_transition, admission_requests_send
from relais.persons.services import person_create

N = 50


def _admissible_requests(world, make_member, count: int):
    """``count`` persons, each with a request at Foyer 0 in 72 (admissible), and ``count`` staff of Foyer 0."""
    Unit.objects.filter(pk=world.unit.pk).update(installed=20, available=1, occupied=19)
    requests, staff = [], []
    for n in range(count):
        person = person_create(
            actor=world.coordinator,
            ground="test",
            family_name=f"Dernière-Place{n:02d}",
            first_names="Camille",
            birth_date=date(1950, 1, 1 + n % 28),
            sex="F",
        )
        (request,) = admission_requests_send(
            actor=world.coordinator, person=person, sites_ranked=[world.sites[0]], idempotency_key=f"last-{n}"
        )
        for target in ("40", "42", "72"):
            request = admission_request_transition(actor=world.staff[0], request=request, target=target)
        requests.append(request)
        staff.append(make_member(world.sites[0].organisation, role=Role.ADMISSION_OFFICER)[1])
    return requests, staff


def _assert_one_admitted(world, requests, successes, failures):
    assert len(successes) == 1 and len(failures) == len(requests) - 1
    for error in failures:
        assert isinstance(error, NoPlaceLeft)
        assert "La dernière place de l'unité « Hébergement » vient d'être prise" in error.messages[0]
    unit = Unit.objects.get(pk=world.unit.pk)
    assert (unit.available, unit.occupied) == (0, 20)
    statuses = AdmissionRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list("status", flat=True)
    assert sorted(statuses).count("71") == 1 and sorted(statuses).count("72") == len(requests) - 1
    winner = AdmissionRequest.objects.get(pk__in=[r.pk for r in requests], status="71")
    assert winner.pk == successes[0].pk
    # The log has the winner's rows only: 72 → 71, then the unit path 182 → 183 → 184.
    admitted = StatusTransition.objects.filter(request__in=requests, to_status__in=["71", "182", "183", "184"])
    assert sorted((t.request_id, t.to_status) for t in admitted) == sorted(
        (winner.pk, code) for code in ("71", "182", "183", "184")
    )
    assert list(UnitRequestStatus.objects.filter(request__in=requests).values_list("request_id", "status")) == [
        (winner.pk, "184")
    ]
    assert CapacityUpdate.objects.filter(unit=world.unit, status="available", value=0).count() == 1


def test_last_place_sequentially(world, make_member):
    """The same rule without threads (any database): the first admission takes the place, the others are refused."""
    requests, staff = _admissible_requests(world, make_member, 5)
    successes, failures = [], []
    for actor, request in zip(staff, requests, strict=True):
        try:
            successes.append(admission_admit(actor=actor, request=request, unit=world.unit))
        except NoPlaceLeft as error:
            failures.append(error)
    _assert_one_admitted(world, requests, successes, failures)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_staff_admit_fifty_persons_into_the_last_place_at_once(world, make_member):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    requests, staff = _admissible_requests(world, make_member, N)
    start = threading.Barrier(N)
    successes, failures, unexpected = [], [], []

    def admit(actor, request):
        try:
            start.wait()
            successes.append(admission_admit(actor=actor, request=request, unit=world.unit))
        except NoPlaceLeft as error:
            failures.append(error)
        except Exception as error:  # reported by the assertion below
            unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=admit, args=pair) for pair in zip(staff, requests, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not unexpected, unexpected
    _assert_one_admitted(world, requests, successes, failures)
