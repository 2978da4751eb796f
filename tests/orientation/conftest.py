"""Shared fixtures of the orientation tests: a DAC coordinator, an MDPH officer, a hospital coordinator, a managing
body with three ESMS sites (one admission officer each), one unit and one synthetic person."""

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import api_client_create
from relais.offer.models import Category, LegalEntity, Site, Unit
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import DecisionKind, OrientationDecision
from relais.orientation.terminology.selectors import clear_caches
from relais.persons.services import person_create
from relais.territory.models import Commune, Departement, Region

from ..conftest import new_member, new_organisation
from ..once import module_data


@pytest.fixture(scope="module")
def world_once(request, django_db_setup, django_db_blocker):
    """The world, built once per test module (tests/once.py; again for a transactional test, and after it)."""
    yield from module_data(request, django_db_blocker, build_world)


@pytest.fixture
def world(world_once, db):
    """A fresh copy of the module's world (each test starts from it, in its own savepoint); built for this test
    alone when it is transactional (committed data)."""
    clear_caches()  # a test may have loaded other code lists: the readers' caches would outlive its rollback
    return world_once.fresh() if world_once.open else build_world()


def build_world():
    call_command("load_sdo_terminology", stdout=io.StringIO())
    _u, coordinator = new_member(
        new_organisation(kind=OrganisationKind.DAC), role=Role.COORDINATOR, professional_category="coordination_staff"
    )  # a coordination professional (R1110-2): may open a coordination record (decision 0031)
    _u, mdph = new_member(new_organisation(kind=OrganisationKind.MDPH), role=Role.ORIENTATION_OFFICER)
    _u, hospital = new_member(new_organisation(kind=OrganisationKind.HOSPITAL), role=Role.COORDINATOR)
    body = new_organisation(kind=OrganisationKind.MANAGING_BODY, name="Association Horizon")
    entity = LegalEntity.objects.create(finess="290000017", name="Association Horizon", organisation=body)
    sites, staff = [], []
    for n in range(3):
        organisation = new_organisation(kind=OrganisationKind.ESMS, name=f"Foyer {n}")
        sites.append(
            Site.objects.create(
                finess=f"29000010{n}", name=f"Foyer {n}", legal_entity=entity, organisation=organisation
            )
        )
        staff.append(new_member(organisation, role=Role.ADMISSION_OFFICER)[1])
    _u, body_director = new_member(body, role=Role.DIRECTOR)
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


def years_ago(years: int, days: int = 10) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


def category(code: str, label: str, domain: str) -> Category:
    return Category.objects.get_or_create(code=code, defaults={"label": label, "domain": domain})[0]


@pytest.fixture
def offer(world):
    """Site 0: a MAS (units for adults 20–59); site 1: an EHPAD (units 60 and over); site 2: an EAM (adults). An adult
    of 31 (``adult``, file written by the coordinator) with a valid CDAPH decision for MAS and EAM, permanent care
    (``decision``). Decision 0033."""
    mas = category("255", "Maison d'accueil spécialisée (M.A.S.)", "disabled_adults")
    ehpad = category("500", "EHPAD", "older_people")
    eam = category("448", "Établissement d'accueil médicalisé (EAM)", "disabled_adults")
    for site, site_category in zip(world.sites, (mas, ehpad, eam), strict=True):
        site.category = site_category
        site.save()
    Unit.objects.filter(pk=world.unit.pk).update(age_min=20, age_max=59, installed=10, available=2)
    world.unit.refresh_from_db()
    world.ehpad_unit = Unit.objects.create(
        site=world.sites[1], name="Hébergement EHPAD", care_mode="permanent_accommodation", age_min=60
    )
    world.eam_unit = Unit.objects.create(
        site=world.sites[2], name="Internat EAM", care_mode="permanent_accommodation", age_min=18, age_max=60
    )
    world.adult = person_create(
        actor=world.coordinator,
        ground="test",
        family_name="Kerhervé",
        first_names="Gwen",
        birth_date=years_ago(31),
        sex="F",
    )
    # The coordinator wrote the person's file: the person is theirs to follow (policy).
    AdmissionFile.objects.create(person=world.adult, author_organisation=world.coordinator.organisation)
    world.decision = OrientationDecision.objects.create(
        person=world.adult,
        kind=DecisionKind.MDPH,
        mdph_decision_id="CDAPH-29-0031",
        validity_end=timezone.localdate() + timedelta(days=365),
        categories=["255", "448"],
        care_types=["permanent_accommodation"],
    )
    return world


@pytest.fixture
def fhir_token(db):
    """Bearer headers for a new API client (an ESMS record system) of an organisation."""

    def make(organisation) -> dict:
        _client, raw = api_client_create(actor=None, organisation=organisation, name="Logiciel de l'ESMS")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make
