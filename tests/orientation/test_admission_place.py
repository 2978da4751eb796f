"""The place an admission takes (decisions 0010 and 0043): the rule ``offer.services.place_taking`` and the admission
service with no place declared free — admitted only when the admission team states that a place has freed, the
figures then unchanged but dated, all in the admission's transaction."""

from datetime import timedelta

import pytest
from django.utils import timezone

from relais.offer.codes import CapacityStatus
from relais.offer.models import CapacityUpdate, Unit
from relais.offer.services import PlaceTaking, place_taking
from relais.orientation.admission.admit import NoPlaceLeft, admission_admit
from relais.orientation.requests import statuses as st
from relais.orientation.requests.models import AdmissionRequest, UnitRequestStatus

from .test_waiting_list import build_esms

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def esms(world, monkeypatch):
    return build_esms(world, monkeypatch)  # Léa admissible (72) at Foyer 0, whose unit "Hébergement" has 10 places


@pytest.mark.parametrize(
    ("available", "occupied", "expected"),
    [
        (2, 7, PlaceTaking(available=1, occupied=8, undeclared=False)),  # a declared free place becomes occupied
        (1, 0, PlaceTaking(available=0, occupied=1, undeclared=False)),
        (0, 9, PlaceTaking(available=0, occupied=9, undeclared=True)),  # freed (−1) and taken (+1) at once
        (0, 0, PlaceTaking(available=0, occupied=0, undeclared=True)),  # occupied places not counted: left at 0
    ],
)
def test_place_taking_rule(available, occupied, expected):
    assert place_taking(Unit(installed=10, available=available, occupied=occupied)) == expected


def _full(unit, *, days_ago=20):
    Unit.objects.filter(pk=unit.pk).update(
        available=0, occupied=9, capacity_updated_at=timezone.now() - timedelta(days=days_ago)
    )


def test_no_place_declared_free_is_refused_unless_the_freed_place_is_stated(world, esms):
    _full(world.unit)
    before = CapacityUpdate.objects.count()
    with pytest.raises(NoPlaceLeft, match="n'a aucune place disponible"):
        admission_admit(actor=world.staff[0], request=esms.lea, unit=world.unit)
    # Nothing half-written: the request, its unit status and the figures are as they were.
    assert AdmissionRequest.objects.get(pk=esms.lea.pk).status == st.ADMISSIBLE
    assert not UnitRequestStatus.objects.filter(request=esms.lea, status=st.UNIT_ADMITTED).exists()
    assert CapacityUpdate.objects.count() == before


def test_a_stated_freed_place_admits_with_the_figures_unchanged_and_dated(world, esms):
    _full(world.unit)
    admission_admit(
        actor=world.staff[0], request=esms.lea, unit=world.unit, entry_on=timezone.localdate(), undeclared_place=True
    )
    unit = Unit.objects.get(pk=world.unit.pk)
    assert (unit.available, unit.occupied, unit.installed) == (0, 9, 10)
    assert unit.capacity_updated_at >= timezone.now() - timedelta(minutes=1)  # the admission team vouches
    assert unit.capacity_updated_by == world.staff[0].public_label
    (row,) = CapacityUpdate.objects.filter(unit=unit, at=unit.capacity_updated_at)  # a confirmation (0010)
    assert (row.status, row.previous_value, row.value) == (CapacityStatus.AVAILABLE, 0, 0)
    assert AdmissionRequest.objects.get(pk=esms.lea.pk).status == st.ADMITTED
    assert UnitRequestStatus.objects.get(request=esms.lea, unit=unit).status == st.UNIT_ADMITTED


def test_the_flag_changes_nothing_when_a_place_is_declared_free(world, esms):
    """A confirmation that said "no place declared" but finds one since (a colleague's +1): the declared place is
    taken, as usual — the rule follows the figures under the lock, not the page."""
    admission_admit(actor=world.staff[0], request=esms.lea, unit=world.unit, undeclared_place=True)
    unit = Unit.objects.get(pk=world.unit.pk)
    assert (unit.available, unit.occupied) == (1, 1)
