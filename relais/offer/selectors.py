"""Reads of the offer directory: the public search by distance, and a site's page.

The directory is public (FINESS is open data): no actor scoping here. See docs/decisions/0009-offer-search.md.

Search, in short:
- criteria (search_criteria.py: search_criteria_parse) → an origin (commune, postcode centroid, or point) and filters;
- candidates in a bounding box around the origin, read through the covering index on (latitude,
  longitude, is_open, category); units joined site by site in the same SQL statement; exact haversine
  in Python; the box grows from a few km until the nearest `limit` results are known for certain;
- sorted by distance rounded to 0.1 km, ties ordered by a fair rotation (rotation_key) that changes
  every day or with an explicit `rotation`;
- without an origin, every result is tied: the same rotation orders them all.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection
from django.http import Http404
from django.utils import timezone

from .capacity_selectors import (
    capacity_age_label,
    capacity_annotate,
    capacity_author_for,
    capacity_is_fresh,
    fresh_since,
)
from .codes import REPLACED_CATEGORIES
from .geo import Haversine, bounding_box, round_km
from .models import Category, Site, Unit
from .search_criteria import (
    Origin,
    SearchCriteria,
    origin_resolve,
)

START_RADIUS_KM = 5.0  # the first box; it grows (×2 to ×8) until the nearest results are certain
# Rotation keys: a quadratic hash modulo a prime, computable in SQL (64-bit integers) and in Python.
PRIME = 2_147_483_647


@dataclass
class SiteResult:
    site: Site
    distance_km: float | None
    units: list[Unit] = field(default_factory=list)  # the matching units, annotated (capacity_age, …_stale)

    @property
    def free_places(self) -> int:
        """Free places of the matching units whose figures are fresh: a stale figure is not counted (0037)."""
        return sum(unit.available for unit in self.units if not unit.capacity_stale)

    @property
    def free_places_to_confirm(self) -> int:
        """Free places announced by stale figures: to confirm with the establishment, never counted as free."""
        return sum(unit.available for unit in self.units if unit.capacity_stale)

    @property
    def capacity_updated_at(self) -> datetime | None:
        """The oldest update of the matching units: a result is as fresh as its stalest figure."""
        if not self.units or any(u.capacity_updated_at is None for u in self.units):
            return None
        return min(u.capacity_updated_at for u in self.units)

    @property
    def stale(self) -> bool:
        return any(unit.capacity_stale for unit in self.units)

    @property
    def capacity_age(self) -> str:
        if not self.units:
            return "aucune capacité publiée"
        return capacity_age_label(self.capacity_updated_at)


@dataclass
class SearchResults:
    criteria: SearchCriteria
    origin: Origin | None
    results: list[SiteResult]
    has_more: bool
    rotation: int
    searched_radius_km: float | None = None
    total: int | None = None  # every match (all pages), when counted (offer_search(count=True))

    @property
    def first(self) -> int:
        """Rank of the first result of this page (1-based), as in « 51–100 sur 312 »."""
        return self.criteria.offset + 1 if self.results else 0

    @property
    def last(self) -> int:
        return self.criteria.offset + len(self.results)


def rotation_default(now: datetime | None = None) -> int:
    """The day (local date's ordinal): the order of tied results changes every day, identically for all."""
    return timezone.localdate(now).toordinal()


@functools.lru_cache(maxsize=64)
def _coefficients(rotation: int) -> tuple[int, int, int]:
    digest = hashlib.blake2b(f"relais-offer-rotation:{rotation}".encode(), digest_size=24).digest()
    return tuple(int.from_bytes(digest[i : i + 8], "big") % (PRIME - 1) + 1 for i in (0, 8, 16))


def rotation_key(site_id: int, rotation: int) -> int:
    """A pseudo-random rank of a site for a rotation: each tied site comes first about as often as the others."""
    a, b, c = _coefficients(rotation)
    x = (site_id * a + b) % PRIME
    return (x * x % PRIME + site_id * c) % PRIME


def _rotation_sql(column: str, rotation: int) -> str:
    a, b, c = _coefficients(rotation)  # integers we computed: safe to inline
    x = f"(({column} * {a} + {b}) %% {PRIME})"
    return f"(({x} * {x}) %% {PRIME} + {column} * {c}) %% {PRIME}"


# --- Search ---------------------------------------------------------------------------------------------------


def _category_codes(criteria: SearchCriteria) -> list[str] | None:
    """The site categories allowed (old codes follow their replacements, and back); None: no restriction."""
    codes = None
    if criteria.categories:
        wanted = set(criteria.categories)
        wanted |= {old for old, new in REPLACED_CATEGORIES.items() if new in wanted}
        wanted |= {REPLACED_CATEGORIES[c] for c in criteria.categories if c in REPLACED_CATEGORIES}
        codes = wanted
    if criteria.domains:
        in_domains = set(Category.objects.filter(domain__in=criteria.domains).values_list("code", flat=True))
        codes = in_domains if codes is None else codes & in_domains
    return None if codes is None else sorted(codes)


def _unit_sql(criteria: SearchCriteria, communes: frozenset[str] = frozenset()) -> tuple[str, list]:
    """The unit criteria as SQL on alias u (portable: SQLite and PostgreSQL); `communes`: check zones too."""
    clauses, params = ["u.is_open = %s"], [True]
    if communes:
        # JSON lists of INSEE codes; '"35238"' matches the code exactly (quotes included).
        zone = "CAST(u.eligibility_zone AS TEXT)"
        clauses.append(f"({zone} = '[]' OR " + " OR ".join([f"{zone} LIKE %s"] * len(communes)) + ")")
        params += [f'%"{code}"%' for code in sorted(communes)]
    if criteria.care_modes:
        clauses.append(f"u.care_mode IN ({', '.join(['%s'] * len(criteria.care_modes))})")
        params += criteria.care_modes
    if criteria.free_only:
        # Fresh figures only (decision 0037): the date against each site's own period is checked by the caller.
        clauses.append("u.available > 0 AND u.capacity_updated_at IS NOT NULL")
    if criteria.age is not None:
        clauses.append("(u.age_min IS NULL OR u.age_min <= %s) AND (u.age_max IS NULL OR u.age_max >= %s)")
        params += [criteria.age, criteria.age]
    if criteria.gir:
        clauses.append("u.gir_min <= %s AND u.gir_max >= %s")
        params += [criteria.gir, criteria.gir]
    if criteria.alzheimer:
        clauses.append("u.alzheimer_unit = %s")
        params.append(True)
    if criteria.deficiencies:
        # JSON lists of codes: '"autism"' matches the code exactly (quotes included).
        clauses.append("(" + " OR ".join(["CAST(u.deficiencies AS TEXT) LIKE %s"] * len(criteria.deficiencies)) + ")")
        params += [f'%"{code}"%' for code in criteria.deficiencies]
    return " AND ".join(clauses), params


def _site_sql(codes: list[str] | None) -> tuple[str, list]:
    clauses, params = ["s.is_open = %s"], [True]
    if codes is not None:
        clauses.append(f"s.category_id IN ({', '.join(['%s'] * len(codes))})" if codes else "1 = 0")
        params += codes
    return " AND ".join(clauses), params


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def _tables() -> tuple[str, str]:
    return Site._meta.db_table, Unit._meta.db_table


def _eligible(zone_text: str | None, communes: frozenset[str]) -> bool:
    """Home services serve listed communes only; an empty zone (or a point origin) restricts nothing."""
    if zone_text == "[]" or not communes or not zone_text or zone_text.strip() in ("[]", "null"):
        return True
    return any(f'"{code}"' in zone_text for code in communes)


def _aware(value) -> datetime | None:
    """A date read by raw SQL: SQLite gives it naive (stored in UTC), PostgreSQL aware."""
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def _fresh_sql(now: datetime) -> tuple[str, list]:
    """Units (alias u of sites s) whose figures are within their site's period; one term per period in use."""
    days_values = sorted(set(Site.objects.filter(is_open=True).values_list("capacity_update_days", flat=True)))
    terms = ["(s.capacity_update_days = %s AND u.capacity_updated_at >= %s)"] * len(days_values)
    params = [value for days in days_values for value in (days, fresh_since(days, now=now))]
    return "(" + (" OR ".join(terms) or "1 = 0") + ")", params


def _nearest(criteria, origin: Origin, codes, rotation: int, now: datetime, count: bool) -> tuple:
    """[(distance, site_id, unit_ids)] of the page's matches, sorted; has_more; the radius searched; the total
    number of matches within the radius (None unless `count`)."""
    sites, units = _tables()
    site_where, site_params = _site_sql(codes)
    explicit = criteria.has_unit_criteria
    # With unit criteria, the database also checks eligibility zones (fewer rows); without, a site whose
    # units serve elsewhere must be told from a site without units, so Python checks them.
    unit_where, unit_params = _unit_sql(criteria, origin.communes if explicit else frozenset())
    # SQLite: CROSS JOIN / LEFT JOIN read the sites first, and INDEXED BY pins the two search indexes
    # (without statistics, it would rather take is_open's index or the care mode's). PostgreSQL plans freely.
    pin_site, pin_unit = ("INDEXED BY site_search_box", "INDEXED BY unit_search") if _sqlite() else ("", "")
    join = f"CROSS JOIN {units} u {pin_unit}"
    if not explicit:
        join = f"LEFT JOIN {units} u {pin_unit} ON u.site_id = s.id AND {unit_where}"
    where = f"u.site_id = s.id AND {unit_where} AND " if explicit else ""
    # Only table names, our own clauses and %s placeholders are interpolated; values go as parameters.
    sql = (
        f"SELECT s.id, s.latitude, s.longitude, u.id, CAST(u.eligibility_zone AS TEXT), u.capacity_updated_at, "  # noqa: S608
        f"s.capacity_update_days FROM {sites} s {pin_site} "
        f"{join} WHERE {where}s.latitude BETWEEN %s AND %s AND s.longitude BETWEEN %s AND %s AND {site_where}"
    )
    distance = Haversine(origin.latitude, origin.longitude)
    radius, limit, offset = criteria.radius_km, criteria.limit, criteria.offset
    wanted = offset + limit  # the page's last rank; one more tells whether another page exists

    def matches(r: float) -> list[tuple]:
        lat_min, lat_max, lon_min, lon_max = bounding_box(origin.latitude, origin.longitude, r)
        params = [*unit_params, lat_min, lat_max, lon_min, lon_max, *site_params]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        found: dict[int, list] = {}  # site id -> [distance, eligible unit ids, has units]
        for site_id, lat, lon, unit_id, zone, updated_at, days in rows:
            entry = found.get(site_id)
            if entry is None:
                entry = found[site_id] = [distance.km(lat, lon), [], False]
            if unit_id is not None:
                entry[2] = True
                fresh = not criteria.free_only or capacity_is_fresh(_aware(updated_at), days, now=now)
                if fresh and _eligible(zone, origin.communes):
                    entry[1].append(unit_id)
        return sorted(
            (round_km(d), rotation_key(site_id, rotation), d, site_id, unit_ids)
            for site_id, (d, unit_ids, has_units) in found.items()
            if d <= r and (unit_ids or not (explicit or has_units))
        )

    r = min(radius, START_RADIUS_KM)
    while True:
        matched = matches(r)
        # Certain when the (wanted+1)-th result lies well inside the box: nothing outside can come before it.
        if r >= radius or (len(matched) > wanted and matched[wanted][0] + 0.05 <= r):
            page = [(m[2], m[3], m[4]) for m in matched[offset : wanted + 1]]
            total = None
            if count:
                total = len(matched) if r >= radius else len(matches(radius))
            return page, len(matched) > wanted, r, total
        growth = math.sqrt((wanted + 1) / max(len(matched), 1)) * 1.3
        r *= min(8.0, max(2.0, growth))
        r = radius if r > 0.8 * radius else r  # the last few km are not worth another query


def _unordered(criteria, codes, rotation: int, now: datetime, count: bool) -> tuple[list[tuple], bool, int | None]:
    """Without an origin: every match is tied, ordered by the rotation alone."""
    sites, units = _tables()
    site_where, site_params = _site_sql(codes)
    unit_where, unit_params = _unit_sql(criteria)
    exists, exists_params = "", []
    if criteria.has_unit_criteria:
        fresh, fresh_params = _fresh_sql(now) if criteria.free_only else ("1 = 1", [])
        exists = f" AND EXISTS (SELECT 1 FROM {units} u WHERE u.site_id = s.id AND {unit_where} AND {fresh})"  # noqa: S608
        exists_params = [*unit_params, *fresh_params]
    sql = (
        f"SELECT s.id FROM {sites} s WHERE {site_where}{exists} "  # noqa: S608
        f"ORDER BY {_rotation_sql('s.id', rotation)}, s.id LIMIT %s OFFSET %s"
    )
    total = None
    with connection.cursor() as cursor:
        cursor.execute(sql, [*site_params, *exists_params, criteria.limit + 1, criteria.offset])
        ids = [row[0] for row in cursor.fetchall()]
        if count:
            cursor.execute(f"SELECT COUNT(*) FROM {sites} s WHERE {site_where}{exists}", [*site_params, *exists_params])  # noqa: S608
            total = cursor.fetchone()[0]
    unit_ids: dict[int, list[int]] = {site_id: [] for site_id in ids}
    if ids:
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT u.site_id, u.id FROM {units} u WHERE u.site_id IN ({placeholders}) AND {unit_where}",  # noqa: S608
                [*ids, *unit_params],
            )
            for site_id, unit_id in cursor.fetchall():
                unit_ids[site_id].append(unit_id)
    return [(None, site_id, unit_ids[site_id]) for site_id in ids], len(ids) > criteria.limit, total


def offer_search(criteria: SearchCriteria, *, now: datetime | None = None, count: bool = False) -> SearchResults:
    """Open sites (and their open units) meeting the criteria, nearest first; see the module docstring.

    One page: the results ranked `criteria.offset + 1` to `offset + limit`. `count`: also count every match
    (`total`), which reads the whole radius (the page and the API ask for it, the benchmark does not).
    """
    now = now or timezone.now()
    rotation = criteria.rotation if criteria.rotation is not None else rotation_default(now)
    origin = origin_resolve(criteria)
    codes = _category_codes(criteria)
    if origin is not None:
        found, has_more, searched, total = _nearest(criteria, origin, codes, rotation, now, count)
    else:
        (found, has_more, total), searched = _unordered(criteria, codes, rotation, now, count), None
    found = found[: criteria.limit]
    site_objects = Site.objects.select_related("category").in_bulk([site_id for _, site_id, _ in found])
    wanted = [unit_id for _, _, unit_ids in found for unit_id in unit_ids]
    by_site: dict[int, list[Unit]] = {}
    for unit in Unit.objects.filter(pk__in=wanted).order_by("-installed", "name", "pk") if wanted else []:
        unit.site = site_objects[unit.site_id]
        by_site.setdefault(unit.site_id, []).append(unit)
    results = []
    for distance, site_id, _ in found:
        units = capacity_annotate(by_site.get(site_id, []), now=now)
        if criteria.free_only:  # a stale figure is no free place (decision 0037)
            units = [unit for unit in units if not unit.capacity_stale]
        results.append(SiteResult(site_objects[site_id], None if distance is None else round_km(distance), units))
    return SearchResults(criteria, origin, results, has_more, rotation, searched, total)


# --- A site's page --------------------------------------------------------------------------------------------


def site_get(*, finess: str) -> Site:
    """A site by FINESS number, open or closed (the directory keeps closed ones); 404 when unknown."""
    site = Site.objects.select_related("category", "legal_entity", "commune").filter(finess=finess.upper()).first()
    if site is None:
        raise Http404("Établissement introuvable.")
    return site


def site_units(site: Site, *, actor, now: datetime | None = None) -> list[Unit]:
    """All units of a site (open first), annotated with the age of their figures and who updated them, as the
    actor may see it (None: an anonymous visitor sees the establishment, never a person)."""
    units = list(site.units.order_by("-is_open", "-installed", "name", "pk"))
    for unit in units:
        unit.site = site
    return capacity_author_for(actor, capacity_annotate(units, now=now))
