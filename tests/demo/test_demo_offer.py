"""The demo offer directory: linked to the demo organisations, consistent units, deterministic, idempotent."""

import itertools
import re
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from relais.accounts.models import Organisation
from relais.accounts.roles import OrganisationKind
from relais.demo.generator import build_plan
from relais.demo.offer import build_offer_plan, offer_finess
from relais.offer.codes import CareMode, Domain
from relais.offer.models import CapacityUpdate, Category, LegalEntity, Site, Source, Unit
from relais.offer.search_criteria import SearchCriteria
from relais.offer.selectors import offer_search

from .shared import demo_once, run_demo

pytestmark = pytest.mark.django_db
FINESS = re.compile(r"^2A99[0-9]{5}$")


def run(*args) -> dict:
    return run_demo("--scale", "departement", "--departement", "2A", *args)


demo = demo_once("--scale", "departement", "--departement", "2A", "--seed", "3")


def test_offer_created_once_then_nothing(demo):
    offer = demo["offer"]
    assert 250 <= offer["sites"] <= 1500 and offer["units"] > offer["sites"]
    assert offer["created"]["sites"] == offer["sites"] == Site.objects.count()
    assert offer["created"]["units"] == offer["units"] == Unit.objects.count()
    assert offer["created"]["legal_entities"] == LegalEntity.objects.count()
    assert offer["created"]["capacity_updates"] == CapacityUpdate.objects.count() > 0
    again = run("--seed", "3")
    assert again["offer"]["created"] == {
        "categories": 0, "legal_entities": 0, "sites": 0, "units": 0, "capacity_updates": 0,
    }  # fmt: skip
    assert again["created"] == {"organisations": 0, "users": 0, "memberships": 0}


def test_linked_to_the_demo_organisations_with_their_finess(demo):
    # The directory entry holds the number and the managing body; the organisation keeps neither (decision 0029).
    plan = build_plan(seed=3, scale="departement", departement="2A").organisations
    bodies = Organisation.objects.filter(kind=OrganisationKind.MANAGING_BODY)
    for body in bodies:
        entity = LegalEntity.objects.get(organisation=body)
        assert entity.finess == plan[(body.kind, body.name)]["finess"] == body.finess_number and body.finess is None
    for esms in Organisation.objects.filter(kind=OrganisationKind.ESMS):
        site = Site.objects.get(organisation=esms)
        planned = plan[(esms.kind, esms.name)]
        assert site.finess == planned["finess"] == esms.finess_number and site.is_open and site.has_coordinates
        assert site.legal_entity.organisation.name == planned["parent"][1]  # its managing body
        assert esms.attached_to == site.legal_entity.organisation and esms.parent_id is None and esms.finess is None
    hospital = Organisation.objects.get(kind=OrganisationKind.HOSPITAL)
    assert Site.objects.get(organisation=hospital).category_id == "355"
    # Many more unlinked entries; every number synthetic, unique across both tables except linked pairs.
    assert Site.objects.filter(organisation=None).count() > 5 * Site.objects.exclude(organisation=None).count()
    site_numbers = set(Site.objects.values_list("finess", flat=True))
    entity_numbers = set(LegalEntity.objects.values_list("finess", flat=True))
    assert all(FINESS.match(n) for n in site_numbers | entity_numbers)
    assert not site_numbers & entity_numbers
    organisation_numbers = {o.finess_number for o in Organisation.objects.all()} - {None}
    linked = set(Site.objects.exclude(organisation=None).values_list("finess", flat=True)) | set(
        LegalEntity.objects.exclude(organisation=None).values_list("finess", flat=True)
    )
    assert (site_numbers | entity_numbers) & organisation_numbers == linked
    assert not Organisation.objects.exclude(finess=None).exists()  # one owner: no number kept twice
    assert offer_finess("2A", 1) == "2A9950001" and offer_finess("974", 1) == "974995001"


def test_every_domain_some_closed_and_some_without_coordinates(demo):
    domains = set(Site.objects.values_list("category__domain", flat=True))
    assert domains >= {Domain.OLDER_PEOPLE, Domain.DISABLED_CHILDREN, Domain.DISABLED_ADULTS, Domain.MULTI_PUBLIC,
                       Domain.HEALTH, Domain.OTHER}  # fmt: skip
    assert Site.objects.filter(is_open=False).exclude(closed_on=None).exists()
    assert Site.objects.filter(latitude=None).count() >= 1
    assert Site.objects.filter(latitude=None).count() < Site.objects.count() * 0.05
    assert not Unit.objects.filter(site__is_open=False, is_open=True).exists()
    assert Category.objects.filter(code="355", domain=Domain.HEALTH).exists()
    assert set(Site.objects.values_list("source", flat=True)) == {Source.DEMO}
    assert Site.objects.filter(commune__departement_id="2A").count() == Site.objects.count()


def test_units_are_consistent_with_their_category(demo):
    ehpad = Unit.objects.filter(site__category_id="500")
    assert set(ehpad.values_list("care_mode", flat=True)) >= {
        CareMode.PERMANENT_ACCOMMODATION, CareMode.TEMPORARY_ACCOMMODATION, CareMode.DAY_CARE,
    }  # fmt: skip
    assert not ehpad.filter(age_min__lt=60).exists() and ehpad.filter(alzheimer_unit=True).exists()
    assert not ehpad.exclude(gir_min__gte=1, gir_max__lte=6).exists()
    assert not ehpad.filter(care_mode=CareMode.PERMANENT_ACCOMMODATION, daily_price=None).exists()
    assert not Unit.objects.exclude(site__category_id="500").exclude(daily_price=None).exists()
    ime = Unit.objects.filter(site__category_id="183")
    assert set(ime.values_list("care_mode", flat=True)) <= {
        CareMode.EXTERNAT,
        CareMode.SEMI_INTERNAT,
        CareMode.INTERNAT,
    }
    assert all(u.age_min >= 6 and u.age_max <= 20 and u.deficiencies for u in ime)
    esat = Unit.objects.filter(site__category_id="246", care_mode=CareMode.SHELTERED_WORK)
    assert esat.exists() and set(esat.values_list("age_min", "age_max")) == {(20, 62)}
    communes = set(Site.objects.values_list("commune_id", flat=True))
    for unit in Unit.objects.filter(site__category_id="354"):
        assert unit.care_mode == CareMode.HOME_SERVICES and 1 <= len(unit.eligibility_zone) <= 25
        assert unit.site.commune_id in unit.eligibility_zone
    assert communes and Unit.objects.filter(site__category_id="354").exists()
    # Every open medico-social site has at least one unit.
    medico_social = Site.objects.filter(category__is_medico_social=True).exclude(category_id__in=["463", "461"])
    assert not medico_social.annotate(n=Count("units")).filter(n=0).exists()


def test_capacities_their_dates_and_history(demo):
    now = timezone.now()
    units = list(Unit.objects.select_related("site"))
    assert all(u.occupied == u.installed - u.available and 0 <= u.available <= u.installed for u in units)
    free = sum(u.available > 0 for u in units) / len(units)
    assert 0.12 <= free <= 0.28
    assert all(now - timedelta(days=61) <= u.capacity_updated_at <= now for u in units)
    stale = [u for u in units if u.capacity_updated_at < now - timedelta(days=u.site.capacity_update_days)]
    assert 0.1 * len(units) <= len(stale) <= 0.5 * len(units)
    for unit in Unit.objects.filter(capacity_updates__isnull=False).distinct()[:50]:
        history = list(unit.capacity_updates.order_by("at"))
        assert 2 <= len(history) <= 4 and history[-1].value == unit.available
        assert history[-1].at == unit.capacity_updated_at and history[0].previous_value is None
        assert all(b.previous_value == a.value for a, b in itertools.pairwise(history))
    # And the search finds free places around Ajaccio.
    results = offer_search(SearchCriteria(commune="2A004", radius_km=30, free_only=True)).results
    assert results and all(r.free_places > 0 for r in results)


def test_same_seed_same_offer_other_seed_other_offer(demo):
    now = timezone.now()
    plan = build_plan(seed=3, scale="departement", departement="2A")
    a = build_offer_plan(seed=3, codes=["2A"], organisations=plan, now=now)
    b = build_offer_plan(seed=3, codes=["2A"], organisations=plan, now=now)
    c = build_offer_plan(seed=4, codes=["2A"], organisations=plan, now=now)
    assert a == b and a.sites != c.sites
    assert set(a.sites) == set(Site.objects.values_list("finess", flat=True))
