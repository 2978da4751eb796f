"""Public pages of the offer directory: the search and a site's page. Thin: rules live in selectors.py.

Public (FINESS is open data, and families look for free places): no login, but rate-limited per address
(settings.RELAIS_PUBLIC_RATE; the 429 page is relais.web.views.ratelimited).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from relais.territory.models import Commune
from relais.territory.timezones import zone_for_commune, zone_label

from .codes import CareMode, Deficiency, Domain
from .directory_pages import PAGE_SIZE, help_examples, map_data, page_number, pagination
from .models import Category
from .next_steps import site_next_steps
from .organisation_category import label as category_label
from .organisation_category import unit_category
from .policy import can_update_capacity
from .search_criteria import DEFAULT_RADIUS_KM, SearchError, place_resolve, search_criteria_parse
from .selectors import offer_search, site_get, site_units

RADII = (5, 10, 20, 30, 50, 100, 200)
ORIGIN_PARAMS = ("commune", "postal_code", "lat", "lon")
RATE_GROUP = "offer-public"
DEFICIENCY_LABELS = dict(Deficiency.choices)


def _public_rate(group, request) -> str:
    return settings.RELAIS_PUBLIC_RATE


def _categories_by_domain() -> list[tuple[str, list[Category]]]:
    groups: dict[str, list[Category]] = {}
    for category in Category.objects.filter(replaced_by=None).order_by("label"):
        groups.setdefault(category.domain, []).append(category)
    return [(label, groups[value]) for value, label in Domain.choices if value in groups]


@login_not_required
@require_GET
@ratelimit(group=RATE_GROUP, key="ip", rate=_public_rate, block=True)
def search(request):
    params = request.GET.copy()
    place = params.get("lieu", "").strip()
    errors, note = {}, ""
    if place and not any(params.get(name) for name in ORIGIN_PARAMS):
        try:
            kind, value, note = place_resolve(place)
            params[kind] = value
        except SearchError as error:
            errors.update(error.errors)
    try:  # pages of PAGE_SIZE results: the page's own size and offset, never the query's
        params["offset"], params["limit"] = str((page_number(request.GET) - 1) * PAGE_SIZE), str(PAGE_SIZE)
    except SearchError as error:
        errors.update(error.errors)
    results = None
    if request.GET and not errors:
        try:
            results = offer_search(search_criteria_parse(params), count=True)
        except SearchError as error:
            errors.update(error.errors)
    context = {
        "params": params,
        "place": place,
        "note": note,
        "errors": errors,
        "results": results,
        "radius": params.get("radius_km") or f"{DEFAULT_RADIUS_KM:g}",
        "radii": RADII,
        "domains": Domain.choices,
        "care_modes": CareMode.choices,
        "deficiencies": Deficiency.choices,
        "categories": _categories_by_domain() if not request.htmx else [],
        "gir_values": range(1, 7),
        "pagination": pagination(results, request.GET) if results else None,
        "map_data": map_data(results) if results else None,
        "map_tiles_url": settings.RELAIS_MAP_TILES_URL,
        "map_attribution": settings.RELAIS_MAP_ATTRIBUTION,
        "examples": help_examples() if not request.htmx else {},
    }
    template = "offer/_search_results.html" if request.htmx else "offer/search.html"
    return render(request, template, context)


@login_not_required
@require_GET
@ratelimit(group=RATE_GROUP, key="ip", rate=_public_rate, block=True)
def site_detail(request, finess: str):
    site = site_get(finess=finess)
    actor = request.actor or None
    units = site_units(site, actor=actor)
    zone_codes = {code for unit in units for code in unit.eligibility_zone}
    names = dict(Commune.objects.filter(insee_code__in=zone_codes).values_list("insee_code", "name"))
    for unit in units:
        unit.zone_names = [names.get(code, code) for code in unit.eligibility_zone]
        unit.deficiency_labels = [DEFICIENCY_LABELS.get(code, code) for code in unit.deficiencies]
        unit.category_label = category_label(unit_category(unit, site))  # TRE_R244, decision 0049
    context = {
        "site": site,
        "units": units,
        "can_update": can_update_capacity(actor, site),
        "free_places": sum(unit.available for unit in units if unit.is_open and not unit.capacity_stale),
        "next_steps": site_next_steps(site),
        "to_confirm": any(unit.is_open and unit.capacity_stale and unit.available for unit in units),
    }
    # A site's times are shown on its own clock, named outside Paris (decision 0034), whoever looks.
    zone = zone_for_commune(site.commune_id)
    context["site_zone_label"] = zone_label(zone)
    with timezone.override(zone):
        return render(request, "offer/site.html", context)
