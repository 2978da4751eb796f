"""Capacity updates by the ESMS: the service's rules, validation, history and who may update."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from relais.accounts.actor import Actor
from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import api_client_create
from relais.offer import capacity_selectors as selectors
from relais.offer.codes import CapacityStatus, CareMode
from relais.offer.models import CapacityUpdate, LegalEntity, Site, Unit
from relais.offer.policy import can_update_capacity
from relais.offer.services import unit_available_step, unit_capacity_update

pytestmark = pytest.mark.django_db


@dataclass
class World:
    managing_body: object
    esms: object
    other: object
    site_a: Site  # its own organisation (esms), managed by managing_body's legal entity
    site_b: Site  # no organisation of its own: only the managing body acts for it
    site_c: Site  # another legal entity altogether
    unit_a1: Unit
    unit_a2: Unit
    unit_b1: Unit
    unit_c1: Unit
    admissions: Actor  # admission officer of esms
    member: Actor  # plain member of esms
    director: Actor  # director of the managing body
    stranger: Actor  # admission officer of the other ESMS


def make_unit(site, name, *, updated_days_ago=None, **figures) -> Unit:
    updated = timezone.now() - timedelta(days=updated_days_ago) if updated_days_ago is not None else None
    return Unit.objects.create(
        site=site, name=name, care_mode=CareMode.PERMANENT_ACCOMMODATION, capacity_updated_at=updated, **figures
    )


def build_world(make_organisation, make_member) -> World:
    managing_body = make_organisation(kind=OrganisationKind.MANAGING_BODY, name="Association Les Tilleuls")
    other = make_organisation(name="EHPAD Autre Gestion")
    entity = LegalEntity.objects.create(finess="350000014", name="Association Les Tilleuls", organisation=managing_body)
    other_entity = LegalEntity.objects.create(finess="350000048", name="Autre gestionnaire")
    site_a = Site.objects.create(finess="350000022", name="EHPAD Les Tilleuls", legal_entity=entity)
    # The ESMS's organisation is its directory entry's (decision 0029): its managing body is the entity's.
    esms = make_organisation(name="EHPAD Les Tilleuls", finess=site_a.finess)
    site_a.refresh_from_db()
    site_b = Site.objects.create(finess="350000030", name="EHPAD Les Chênes", legal_entity=entity)
    site_c = Site.objects.create(finess="350000055", name="EHPAD Autre", legal_entity=other_entity, organisation=other)
    return World(
        managing_body=managing_body,
        esms=esms,
        other=other,
        site_a=site_a,
        site_b=site_b,
        site_c=site_c,
        unit_a1=make_unit(site_a, "Hébergement permanent", installed=10, available=2, occupied=8, updated_days_ago=2),
        unit_a2=make_unit(site_a, "Unité Alzheimer", installed=5, available=0, updated_days_ago=30),
        unit_b1=make_unit(site_b, "Hébergement temporaire", installed=4, available=1),
        unit_c1=make_unit(site_c, "Accueil de jour", installed=12, available=3, updated_days_ago=1),
        admissions=make_member(esms, role=Role.ADMISSION_OFFICER)[1],
        member=make_member(esms, role=Role.MEMBER)[1],
        director=make_member(managing_body, role=Role.DIRECTOR)[1],
        stranger=make_member(other, role=Role.ADMISSION_OFFICER)[1],
    )


@pytest.fixture
def world(make_organisation, make_member) -> World:
    return build_world(make_organisation, make_member)


def test_update_writes_one_history_row_per_changed_figure(world):
    before = world.unit_a1.capacity_updated_at
    unit = unit_capacity_update(actor=world.admissions, unit=world.unit_a1, available=3, occupied=7, reserved=0)
    assert (unit.available, unit.occupied, unit.reserved, unit.installed) == (3, 7, 0, 10)
    rows = {row.status: row for row in CapacityUpdate.objects.filter(unit=unit)}
    assert set(rows) == {CapacityStatus.AVAILABLE, CapacityStatus.OCCUPIED}  # reserved did not change
    assert (rows["available"].previous_value, rows["available"].value) == (2, 3)
    assert (rows["occupied"].previous_value, rows["occupied"].value) == (8, 7)
    row = rows["available"]
    assert row.by == world.admissions.user and row.by_label == world.admissions.public_label and row.source == "relais"
    unit.refresh_from_db()
    assert unit.capacity_updated_at > before and unit.capacity_updated_at == row.at
    assert unit.capacity_updated_by == world.admissions.public_label


def test_confirming_unchanged_figures_dates_them_and_is_recorded(world):
    unit = unit_capacity_update(actor=world.admissions, unit=world.unit_a2)
    assert timezone.now() - unit.capacity_updated_at < timedelta(seconds=5)
    (row,) = CapacityUpdate.objects.filter(unit=unit)
    assert (row.status, row.previous_value, row.value) == ("available", 0, 0)
    # Same values given explicitly: still a confirmation, not a change.
    unit_capacity_update(actor=world.admissions, unit=unit, available=0, installed=5)
    assert CapacityUpdate.objects.filter(unit=unit).count() == 2
    assert selectors.capacity_age_label(unit.capacity_updated_at) == "mis à jour à l'instant"


@pytest.mark.parametrize(
    ("figures", "field", "text"),
    [
        ({"available": -1}, "available", "Places disponibles : le nombre ne peut pas être négatif."),
        ({"installed": "12"}, "installed", "Places installées : un nombre entier est attendu."),
        ({"available": 11}, "available", "Places disponibles : 11 dépasse les places installées (10)."),
        ({"available": 3, "reserved": 1}, "available", "total (12) dépasse les places installées (10)"),
        ({"closed": 11}, "closed", "Places fermées : 11 dépasse les places installées (10)."),
        ({"installed": 0, "occupied": 0}, "available", "Indiquez d'abord les places installées."),
        ({"occupied": 100_001}, "occupied", "dépasse la limite"),
    ],
)
def test_invalid_figures_are_refused_naming_the_field_and_nothing_is_written(world, figures, field, text):
    with pytest.raises(ValidationError) as caught:
        unit_capacity_update(actor=world.admissions, unit=world.unit_a1, **figures)
    assert text in " ".join(caught.value.message_dict[field])
    unit = Unit.objects.get(pk=world.unit_a1.pk)
    assert (unit.installed, unit.available, unit.occupied) == (10, 2, 8)
    assert unit.capacity_updated_at == world.unit_a1.capacity_updated_at
    assert not CapacityUpdate.objects.exists()


def test_unknown_occupied_and_reserved_do_not_block_the_free_places(world):
    # Figures an ESMS does not count stay at 0: only available ≤ installed then binds.
    unit = unit_capacity_update(actor=world.director, unit=world.unit_b1, available=4)
    assert unit.available == 4


def test_who_may_update(world):
    assert can_update_capacity(world.admissions, world.site_a)
    assert not can_update_capacity(world.member, world.site_a)
    assert not can_update_capacity(world.stranger, world.site_a)
    assert not can_update_capacity(world.admissions, world.site_b)  # a sister site is not its own
    assert can_update_capacity(world.director, world.site_a) and can_update_capacity(world.director, world.site_b)
    assert not can_update_capacity(world.director, world.site_c)
    assert not can_update_capacity(None, world.site_a)
    for actor, unit in (
        (world.member, world.unit_a1),
        (world.stranger, world.unit_a1),
        (world.admissions, world.unit_b1),
    ):
        with pytest.raises(PermissionDenied):
            unit_capacity_update(actor=actor, unit=unit, available=1)
    assert not CapacityUpdate.objects.exists()
    assert unit_capacity_update(actor=world.director, unit=world.unit_b1, available=0).available == 0
    assert unit_capacity_update(actor=None, unit=world.unit_c1, available=4).capacity_updated_by == "système"


def test_machine_clients_of_the_site_or_of_its_managing_body_may_update(world):
    def client_of(organisation):
        client, _ = api_client_create(actor=None, organisation=organisation, name="Logiciel DUI")
        return Actor(organisation=organisation, role=Role.MEMBER, api_client=client)

    assert can_update_capacity(client_of(world.esms), world.site_a)
    assert can_update_capacity(client_of(world.managing_body), world.site_b)
    assert not can_update_capacity(client_of(world.other), world.site_a)
    unit = unit_capacity_update(actor=client_of(world.esms), unit=world.unit_a1, available=1, occupied=9)
    row = CapacityUpdate.objects.filter(unit=unit).first()
    assert row.by is None and row.by_label == "client API « Logiciel DUI » (EHPAD Les Tilleuls)"


def test_closed_sites_and_units_are_not_updated(world):
    Site.objects.filter(pk=world.site_a.pk).update(is_open=False)
    with pytest.raises(ValidationError, match="fermé"):
        unit_capacity_update(actor=world.admissions, unit=world.unit_a1, available=1)


def test_step_moves_a_place_between_available_and_occupied_when_occupancy_is_counted(world):
    unit = unit_available_step(actor=world.admissions, unit=world.unit_a1, delta=1)
    assert (unit.available, unit.occupied) == (3, 7)
    unit = unit_available_step(actor=world.admissions, unit=unit, delta=-1)
    assert (unit.available, unit.occupied) == (2, 8)
    assert CapacityUpdate.objects.filter(unit=unit).count() == 4
    # Occupancy not counted (0): only the free places move.
    unit = unit_available_step(actor=world.director, unit=world.unit_b1, delta=-1)
    assert (unit.available, unit.occupied) == (0, 0)


def test_step_limits(world):
    with pytest.raises(ValidationError) as caught:
        unit_available_step(actor=world.admissions, unit=world.unit_a2, delta=-1)
    assert "available" in caught.value.message_dict
    Unit.objects.filter(pk=world.unit_a2.pk).update(available=5)
    with pytest.raises(ValidationError, match="dépasse les places installées"):
        unit_available_step(actor=world.admissions, unit=world.unit_a2, delta=1)
    with pytest.raises(ValidationError):
        unit_available_step(actor=world.admissions, unit=world.unit_a2, delta=2)
    with pytest.raises(PermissionDenied):
        unit_available_step(actor=world.member, unit=world.unit_a2, delta=-1)


def test_units_an_actor_may_update_and_the_stale_ones(world):
    assert set(selectors.capacity_units_for(world.admissions)) == {world.unit_a1, world.unit_a2}
    assert set(selectors.capacity_units_for(world.director)) == {world.unit_a1, world.unit_a2, world.unit_b1}
    assert not selectors.capacity_units_for(world.member).exists()
    assert not selectors.capacity_units_for(None).exists()
    # a2 is 30 days old, b1 never updated; a1 (2 days) is within the default 7 days.
    assert list(selectors.stale_units_for(world.director)) == [world.unit_b1, world.unit_a2]
    Site.objects.filter(pk=world.site_a.pk).update(capacity_update_days=1)
    assert list(selectors.stale_units_for(world.admissions)) == [world.unit_a2, world.unit_a1]
    groups = selectors.capacity_sites_for(world.director)
    assert [group.site for group in groups] == [world.site_b, world.site_a]
    assert [unit.name for unit in groups[1].units] == ["Unité Alzheimer", "Hébergement permanent"]


def test_age_labels():
    now = timezone.now()
    assert selectors.capacity_age_label(None) == "jamais mis à jour"
    assert selectors.capacity_age_label(now - timedelta(seconds=20), now=now) == "mis à jour à l'instant"
    assert selectors.capacity_age_label(now - timedelta(days=3), now=now) == "mis à jour il y a 3 jours"
    assert selectors.capacity_age_label(now - timedelta(days=1), now=now) == "mis à jour hier"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_are_not_lost(world):
    """The unit row is locked: five simultaneous +1 give five more places, never fewer."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    Unit.objects.filter(pk=world.unit_b1.pk).update(available=0, installed=10)
    start = threading.Barrier(5)
    errors = []

    def click():
        try:
            start.wait()
            unit_available_step(actor=world.director, unit=world.unit_b1, delta=1)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Unit.objects.get(pk=world.unit_b1.pk).available == 5
    assert CapacityUpdate.objects.filter(unit=world.unit_b1).count() == 5
