"""Shared fixtures of the orientation tests: a DAC coordinator, an MDPH officer, a hospital coordinator, a managing
body with three ESMS sites (one admission officer each), one unit and one synthetic person."""

import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from relais.accounts.roles import OrganisationKind, Role
from relais.offer.models import Category, LegalEntity, Site, Unit
from relais.persons.services import person_create
from relais.territory.models import Commune, Departement, Region


@pytest.fixture
def world(make_organisation, make_member):
    call_command("load_sdo_terminology", stdout=io.StringIO())
    _u, coordinator = make_member(
        make_organisation(kind=OrganisationKind.DAC), role=Role.COORDINATOR, professional_category="coordination_staff"
    )  # a coordination professional (R1110-2): may open a coordination record (decision 0031)
    _u, mdph = make_member(make_organisation(kind=OrganisationKind.MDPH), role=Role.ORIENTATION_OFFICER)
    _u, hospital = make_member(make_organisation(kind=OrganisationKind.HOSPITAL), role=Role.COORDINATOR)
    body = make_organisation(kind=OrganisationKind.MANAGING_BODY, name="Association Horizon")
    entity = LegalEntity.objects.create(finess="290000017", name="Association Horizon", organisation=body)
    sites, staff = [], []
    for n in range(3):
        organisation = make_organisation(kind=OrganisationKind.ESMS, name=f"Foyer {n}")
        sites.append(
            Site.objects.create(
                finess=f"29000010{n}", name=f"Foyer {n}", legal_entity=entity, organisation=organisation
            )
        )
        staff.append(make_member(organisation, role=Role.ADMISSION_OFFICER)[1])
    _u, body_director = make_member(body, role=Role.DIRECTOR)
    unit = Unit.objects.create(site=sites[0], name="Hébergement", care_mode="permanent_accommodation")
    person = person_create(
        actor=coordinator,
        ground="test",
        family_name="Le Gall",
        first_names="Yann",
        birth_date=date(1980, 5, 2),
        sex="M",
    )
    return SimpleNamespace(
        coordinator=coordinator,
        mdph=mdph,
        hospital=hospital,
        body_director=body_director,
        sites=sites,
        staff=staff,
        unit=unit,
        person=person,
    )


@pytest.fixture
def land(world, make_organisation, make_member):
    """The world in Ille-et-Vilaine (MAS, MAS, ESAT), one open unit of 20 places per site, an ARS of its region and
    one of another, a département analyst."""
    brittany, paris = Region.objects.create(code="53", name="Bretagne"), Region.objects.create(code="11", name="IdF")
    Departement.objects.create(code="35", name="Ille-et-Vilaine", region=brittany)
    Departement.objects.create(code="75", name="Paris", region=paris)
    rennes = Commune.objects.create(insee_code="35238", name="Rennes", departement_id="35", population=1000)
    Commune.objects.create(insee_code="75056", name="Paris", departement_id="75", population=1000)
    mas = Category.objects.create(code="255", label="MAS", domain="disabled_adults", is_medico_social=True)
    esat = Category.objects.create(code="246", label="ESAT", domain="disabled_adults", is_medico_social=True)
    for site, category in zip(world.sites, (mas, mas, esat), strict=True):
        site.category = category
        site.save()
    world.mdph.organisation.departement_id = "35"
    world.mdph.organisation.save()
    Unit.objects.filter(pk=world.unit.pk).update(authorised=20, installed=20, available=20)
    world.unit.refresh_from_db()
    world.units = [world.unit] + [
        Unit.objects.create(site=s, name="Accueil", care_mode="externat", authorised=20, installed=20, available=20)
        for s in world.sites[1:]
    ]
    world.rennes = rennes
    world.ars_here = make_member(make_organisation(kind=OrganisationKind.ARS, region_id="53"), role=Role.ANALYST)
    world.ars_away = make_member(make_organisation(kind=OrganisationKind.ARS, region_id="11"), role=Role.ANALYST)
    world.cd_analyst = make_member(
        make_organisation(kind=OrganisationKind.DEPARTEMENT_COUNCIL, departement_id="35"), role=Role.ANALYST
    )
    return world
