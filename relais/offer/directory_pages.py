"""What the public search page shows around its results: pages, the map's markers, the help text's examples.

Pure reads for views_directory.py (decision 0037): no rule of the search itself lives here (see selectors.py).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count
from django.http import QueryDict
from django.urls import reverse

from relais.web.paging import Pagination, page_bar, page_count, query_url

from .models import Category, Site
from .search_criteria import DEFAULT_LIMIT, MAX_OFFSET, SearchError, commune_postcode
from .selectors import SearchResults

PAGE_SIZE = DEFAULT_LIMIT
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1
EXAMPLES_CACHE_KEY, EXAMPLES_SECONDS = "offer:help-examples", 600


# --- Pages -------------------------------------------------------------------------------------------------


def page_number(query: QueryDict) -> int:
    """The page asked for (1 when absent); SearchError on "page" when it is not a number within bounds."""
    text = query.get("page", "").strip()
    if not text:
        return 1
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise SearchError({"page": f"Page : nombre entier entre 1 et {MAX_PAGE} attendu, pas « {text} »."})
    return int(text)


def pagination(results: SearchResults, query: QueryDict) -> Pagination | None:
    """Where this page stands and links to the others, keeping every criterion of the query; None on one page."""
    total = results.total if results.total is not None else results.last + int(results.has_more)
    current = results.criteria.offset // PAGE_SIZE + 1
    return page_bar(
        current=current,
        pages=min(page_count(total, PAGE_SIZE), MAX_PAGE),
        first=results.first if results.results else 1,
        last=results.last if results.results else 0,
        total=total,
        url=lambda page: query_url(reverse("offer:search"), query, page),
    )


# --- The map's markers -------------------------------------------------------------------------------------


def map_data(results: SearchResults) -> dict:
    """What static/offer/map.js draws (embedded with json_script): the origin and one marker per located result."""
    markers = [
        {
            "name": r.site.name,
            "lat": r.site.latitude,
            "lon": r.site.longitude,
            "url": reverse("offer:site", args=[r.site.finess]),
            "free": r.free_places,
            "to_confirm": r.free_places_to_confirm,
            "stale": r.stale,  # a figure to confirm with the establishment, be it 0 or more
            "units": len(r.units),
            "distance_km": r.distance_km,
        }
        for r in results.results
        if r.site.has_coordinates
    ]
    origin = None
    if results.origin is not None:
        origin = {"lat": results.origin.latitude, "lon": results.origin.longitude, "label": results.origin.label}
    radius = results.criteria.radius_km if origin else None
    return {"origin": origin, "radius_km": radius, "markers": markers}


# --- The help text's examples ------------------------------------------------------------------------------


def _examples() -> dict:
    row = (
        Site.objects.filter(is_open=True, commune__isnull=False, latitude__isnull=False)
        .values("commune_id", "commune__name")
        .annotate(n=Count("id"))
        .order_by("-n", "commune_id")
        .first()
    )
    if row is None:
        return {}
    commune, name = row["commune_id"], row["commune__name"]
    category = (
        Site.objects.filter(is_open=True, commune_id=commune, category__replaced_by=None, category__isnull=False)
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by("-n", "category_id")
        .first()
    )
    example = {"commune": name, "postcode": commune_postcode(commune)}
    if category:
        example["category"] = Category.objects.get(pk=category["category_id"]).label
    return example


def help_examples() -> dict:
    """A commune where open, located sites are (the one with the most), its postcode and its commonest category:
    the help text's examples always find something. Empty when the directory is. Cached a few minutes."""
    return cache.get_or_set(EXAMPLES_CACHE_KEY, _examples, EXAMPLES_SECONDS)
