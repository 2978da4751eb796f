"""Shared fixtures of the orientation tests: a DAC coordinator, an MDPH officer, a hospital coordinator, a managing
body with three ESMS sites (one admission officer each), one unit and one synthetic person."""

import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from relais.accounts.roles import OrganisationKind, Role
from relais.offer.models import LegalEntity, Site, Unit
from relais.persons.services import person_create


@pytest.fixture
def world(make_organisation, make_member):
    call_command("load_sdo_terminology", stdout=io.StringIO())
    _u, coordinator = make_member(make_organisation(kind=OrganisationKind.DAC), role=Role.COORDINATOR)
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
