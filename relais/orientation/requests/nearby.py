"""The ESMS a person's requests may go to, as the sending screen lists them (issue 13 item 2, decision 0041).

Around the person's home (the identity's address; else the admission file's commune; else a place the user types),
nearest first, by the offer directory's search (``offer.selectors.offer_search``: its box, its distances, its units
annotated with the age of their figures, a stale figure never counted as a free place, decision 0037). By default the
search asks for the categories and care modes of the chosen orientation decision and the person's age; the user may
widen it (another category or mode, all of them, ESMS the decision does not cover). Each ESMS comes with the length of
its waiting list (its pending requests, a count: no person is named) and whether this person already has an open
request there. Whether the decision covers it is ``requests.selectors.sites_coverage`` (the one rule, 0033).

Reads only, in a fixed number of queries whatever the number of results (``tests/orientation/test_send_nearby.py``).
The person is scoped by the caller (``policy.persons_visible_to``); the directory is public (FINESS).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from relais.offer.capacity_selectors import capacity_annotate
from relais.offer.codes import CareMode, Domain
from relais.offer.geo import Haversine, round_km
from relais.offer.models import Site, Unit
from relais.offer.search_criteria import (
    Origin,
    SearchCriteria,
    SearchError,
    origin_resolve,
    place_resolve,
)
from relais.offer.selectors import SiteResult, offer_search
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import DecisionKind
from relais.orientation.requests import statuses as st
from relais.orientation.requests.coverage import age_on
from relais.orientation.requests.models import ESMS_ENDED, AdmissionRequest
from relais.orientation.requests.selectors import sites_coverage

RADII = (5, 10, 20, 30, 50, 100)
DEFAULT_RADIUS_KM = 30
PAGE = 30  # results shown at first; « Afficher plus » adds as many, up to MAX_SHOWN
MAX_SHOWN = 120  # four screens of ESMS: beyond, the user narrows the distance or the category
NAME_RESULTS_LIMIT = 25
ALL = "toutes"  # category or care mode: no restriction
# Without a CDAPH decision (older persons), the search asks for their ESMS, not for those needing a decision.
WITHOUT_DECISION_DOMAINS = (Domain.OLDER_PEOPLE, Domain.MULTI_PUBLIC)


# --- Where the person lives -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Home:
    """The place distances are measured from: a commune (INSEE) or a postcode, with its label and where it came from
    (``identity``: the identity's address; ``file``: the admission file's commune; ``chosen``: typed on the screen)."""

    kind: str  # "commune" | "postal_code"
    value: str
    source: str
    note: str = ""

    @property
    def criteria(self) -> dict:
        return {self.kind: self.value}


def address_text(person) -> str:
    """The commune part of the identity's address as a place: ``Ajaccio (20000)``, the postcode or the town alone."""
    city, postcode = " ".join(person.city.split()), person.postal_code.strip()
    if city and postcode:
        return f"{city} ({postcode})"
    return postcode or city


def home_of(person) -> tuple[Home | None, str]:
    """The person's home (the identity's address; without one, the admission file's commune) and, when it cannot be
    found, why (French, for the screen)."""
    text = address_text(person)
    if text:
        try:
            kind, value, note = place_resolve(text)
        except SearchError:
            if person.postal_code.strip():  # a commune spelt differently from the directory: its postcode will do
                try:
                    kind, value, note = place_resolve(person.postal_code.strip())
                except SearchError:
                    pass
                else:
                    return Home(kind, value, "identity", note), ""
            return None, (
                f"L'adresse de l'identité ({text}) ne correspond à aucune commune du territoire couvert : "
                "choisissez une commune ou un code postal."
            )
        return Home(kind, value, "identity", note), ""
    commune = AdmissionFile.objects.filter(person=person).values_list("commune_id", flat=True).first()
    if commune:
        return Home("commune", commune, "file"), ""
    return (
        None,
        "Aucune adresse n'est enregistrée dans l'identité de la personne : choisissez une commune ou un code postal.",
    )


def home_chosen(text: str) -> Home:
    """A place typed by the user; SearchError (on "lieu") when it is unknown."""
    kind, value, note = place_resolve(text)
    return Home(kind, value, "chosen", note)


# --- The ESMS listed ------------------------------------------------------------------------------------------------


@dataclass
class Filters:
    decision: object | None  # the chosen OrientationDecision, or None (no decision: older persons)
    category: str = ""  # "": the decision's; ALL; or one FINESS code
    care_mode: str = ""  # "": the decision's; ALL; or one CareMode value
    radius_km: int = DEFAULT_RADIUS_KM
    name: str = ""  # a name, town or FINESS number: searched in the whole directory instead of around the home
    show_uncovered: bool = False
    limit: int = PAGE

    @property
    def by_cdaph(self) -> bool:
        return self.decision is not None and self.decision.kind == DecisionKind.MDPH

    def categories(self) -> tuple[str, ...]:
        if self.category == ALL:
            return ()
        if self.category:
            return (self.category,)
        return tuple(str(c) for c in (self.decision.categories if self.decision is not None else ()) or ())

    def care_modes(self) -> tuple[str, ...]:
        if self.care_mode == ALL:
            return ()
        if self.care_mode:
            return (self.care_mode,)
        modes = self.decision.care_types if self.decision is not None else ()
        return tuple(str(m) for m in modes or () if m in CareMode.values)

    def domains(self) -> tuple[str, ...]:
        """Without a CDAPH decision and no category chosen: the ESMS that admit without one."""
        return WITHOUT_DECISION_DOMAINS if not self.by_cdaph and not self.category else ()


@dataclass
class Candidate:
    """One ESMS of the list: the directory's result (units, free places, age of the figures), the length of its
    waiting list, the reasons the decision does not cover it (empty: covered) and this person's open request there."""

    offer: SiteResult
    waiting: int = 0
    not_covered: list[str] = field(default_factory=list)
    open_status: str = ""  # the word of this person's open request's status ("" when none)

    @property
    def site(self) -> Site:
        return self.offer.site

    @property
    def distance_km(self) -> float | None:
        return self.offer.distance_km


@dataclass
class Listing:
    origin: Origin | None
    candidates: list[Candidate]
    hidden: int = 0  # ESMS found that the decision does not cover, not shown (show_uncovered shows them)
    has_more: bool = False
    by_name: bool = False


def _around(home: Home, filters: Filters, age: int | None):
    criteria = SearchCriteria(
        domains=filters.domains(),
        categories=filters.categories(),
        care_modes=filters.care_modes(),
        age=None if filters.show_uncovered else age,
        radius_km=float(filters.radius_km),
        limit=min(filters.limit, MAX_SHOWN),
        **home.criteria,
    )
    found = offer_search(criteria)
    return found.origin, found.results, found.has_more


def _by_name(origin: Origin | None, filters: Filters):
    """The old search by name, town or FINESS number, in the whole directory; nearest first when the home is known."""
    text = filters.name.strip()
    sites = Site.objects.filter(is_open=True).select_related("category")
    sites = sites.filter(
        Q(name__icontains=text) | Q(city__icontains=text) | Q(commune__name__istartswith=text) | Q(finess=text.upper())
    )
    if filters.category and filters.category != ALL:
        sites = sites.filter(category_id=filters.category)
    sites = list(sites.order_by("name", "pk")[: NAME_RESULTS_LIMIT + 1])
    has_more = len(sites) > NAME_RESULTS_LIMIT
    sites = sites[:NAME_RESULTS_LIMIT]
    modes = filters.care_modes()
    units = Unit.objects.filter(site__in=sites, is_open=True).order_by("-installed", "name", "pk")
    if modes:
        units = units.filter(care_mode__in=modes)
    by_site: dict[int, list[Unit]] = {}
    site_by_pk = {site.pk: site for site in sites}
    for unit in units:
        unit.site = site_by_pk[unit.site_id]
        by_site.setdefault(unit.site_id, []).append(unit)
    distance = Haversine(origin.latitude, origin.longitude) if origin is not None else None
    results = []
    for site in sites:
        km = None
        if distance is not None and site.latitude is not None and site.longitude is not None:
            km = round_km(distance.km(site.latitude, site.longitude))
        results.append(SiteResult(site, km, capacity_annotate(by_site.get(site.pk, []))))
    results.sort(key=lambda r: (r.distance_km is None, r.distance_km or 0, r.site.name))
    return results, has_more


def waiting_lengths(site_ids) -> dict[int, int]:
    """The length of each ESMS's waiting list: its pending requests (sent, not answered, or on the list), one query."""
    rows = (
        AdmissionRequest.objects.filter(site_id__in=list(site_ids), status__in=st.ESMS_PENDING)
        .values("site_id")
        .annotate(n=Count("pk"))
        .values_list("site_id", "n")
    )
    return dict(rows)


def open_requests_by_site(person) -> dict[int, str]:
    """This person's open requests: {site id: the word of its status}."""
    rows = AdmissionRequest.objects.filter(person=person).exclude(status__in=ESMS_ENDED)
    return {site_id: st.status_word(status) for site_id, status in rows.values_list("site_id", "status")}


def origin_of(home: Home | None) -> Origin | None:
    """The point of a home (SearchError when its commune has no coordinates)."""
    return origin_resolve(SearchCriteria(**home.criteria)) if home is not None else None


def esms_for_sending(*, person, home: Home | None, filters: Filters, chosen_sites=(), open_sites=None) -> tuple:
    """(Listing, coverage of ``chosen_sites``): the ESMS to list and the reasons the decision does not cover each
    chosen one. SearchError when the home cannot be placed."""
    day = timezone.localdate()
    age = age_on(person.birth_date, day) if person.birth_date else None
    origin, results, has_more, by_name = None, [], False, bool(filters.name.strip())
    if by_name:
        origin = origin_of(home)
        results, has_more = _by_name(origin, filters)
    elif home is not None:
        origin, results, has_more = _around(home, filters, age)
    chosen_sites = list(chosen_sites)
    reasons = sites_coverage(
        decision=filters.decision,
        person=person,
        sites=list({site.pk: site for site in [*chosen_sites, *(r.site for r in results)]}.values()),
        day=day,
    )
    waiting = waiting_lengths(r.site.pk for r in results)
    open_sites = open_requests_by_site(person) if open_sites is None else open_sites
    candidates = [
        Candidate(r, waiting.get(r.site.pk, 0), reasons[r.site.pk], open_sites.get(r.site.pk, "")) for r in results
    ]
    shown = candidates if filters.show_uncovered else [c for c in candidates if not c.not_covered]
    listing = Listing(origin, shown, len(candidates) - len(shown), has_more, by_name)
    return listing, {site.pk: reasons[site.pk] for site in chosen_sites}
