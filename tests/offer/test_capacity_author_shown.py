"""Who updated a capacity, per audience (decision 0032): a colleague's name inside, the establishment outside."""

import pytest
from django.test import Client

from relais.offer.services import unit_capacity_update

from .test_capacity_services import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]


@pytest.fixture
def world(make_organisation, make_member):
    world = build_world(make_organisation, make_member)
    unit_capacity_update(actor=world.admissions, unit=world.unit_a1)  # stores "Prénom Nom <e-mail>"
    return world


def site_page(world, actor=None):
    client = Client()
    if actor is not None:
        client.force_login(actor.user)
    response = client.get(f"/offre/etablissement/{world.site_a.finess}/")
    assert response.status_code == 200
    units = response.context["units"]
    return response.content.decode(), {unit.capacity_updated_by for unit in units}


@pytest.mark.parametrize("audience", ["anonymous", "stranger"])
def test_outside_the_site_s_organisations_the_author_is_the_establishment(world, audience):
    user = world.admissions.user
    html, labels = site_page(world, None if audience == "anonymous" else world.stranger)
    assert user.email not in html and user.get_full_name() not in html  # (everyone here is a "Camille")
    assert " par EHPAD Les Tilleuls" in html
    # Not only hidden by the template: the context holds no person either.
    assert not any(user.email in label or user.last_name in label for label in labels)


@pytest.mark.parametrize("audience", ["member", "director"])
def test_the_site_s_organisations_see_the_colleague(world, audience):
    # A plain member of the ESMS, and the director of its managing body (who acts for the site, decision 0029).
    html, labels = site_page(world, getattr(world, audience))
    assert world.admissions.public_label in labels
    assert world.admissions.user.get_full_name() in html


def test_the_stored_label_is_left_unchanged(world):
    site_page(world)
    world.unit_a1.refresh_from_db()
    assert world.unit_a1.capacity_updated_by == world.admissions.public_label


def test_an_overseas_site_shows_its_figures_on_its_own_clock(world):
    """Decision 0034: a site in La Réunion shows when its figures were updated in Indian/Reunion time, named."""
    from datetime import UTC, datetime

    from relais.offer.models import Unit
    from relais.territory.models import Commune, Departement, Region

    Region.objects.get_or_create(code="04", defaults={"name": "La Réunion"})
    Departement.objects.get_or_create(code="974", defaults={"name": "La Réunion", "region_id": "04"})
    Commune.objects.get_or_create(insee_code="97411", defaults={"name": "Saint-Denis", "departement_id": "974"})
    world.site_a.commune_id = "97411"
    world.site_a.save(update_fields=["commune"])
    Unit.objects.filter(pk=world.unit_a1.pk).update(capacity_updated_at=datetime(2026, 3, 2, 6, 30, tzinfo=UTC))
    html, _ = site_page(world)
    assert "le 02/03/2026 à 10:30 (heure de La Réunion)" in html  # UTC+4, whoever looks
