"""The ESMS waiting list (selectors): the requests addressed to the sites the actor runs admissions for, filtered,
scored and sorted.

Scope: ``policy.requests_visible_to(actor)`` restricted to the sites where ``policy.may_process_request`` holds (the
ESMS side). The priority score comes only from ``relais.matching.priority`` (the formula the matching engine also
uses); its inputs are read here: urgency from the person's admission file, days since the request was sent (its
first ESMS-level transition), the person's wish rank, the distance from the file's commune to the site.

The distance is computed in Python, so the score cannot be sorted by the database: the filtered rows are loaded in
one query (bounded by ``MAX_ROWS``), scored, sorted, and the view paginates the list. The unit statuses of the rows
shown are fetched in one more query (``attach_unit_statuses``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from relais.matching.priority import PriorityScore, days_waited, priority_score
from relais.offer.geo import haversine_km
from relais.offer.models import Category, Site, Unit
from relais.orientation import policy
from relais.orientation.admission.models import Urgency
from relais.orientation.admission.selectors import without_medical
from relais.orientation.requests import statuses as st
from relais.orientation.requests.models import AdmissionRequest, UnitRequestStatus
from relais.orientation.requests.selectors import with_sent_at
from relais.orientation.terminology.selectors import status_labels
from relais.orientation.waiting_list.labels import person_label
from relais.persons.selectors import search_condition

# Loaded, scored and exported at most; beyond that the user is asked to filter (a site's list is far smaller).
MAX_ROWS = 10_000
PER_PAGE = 50

# Groups of ESMS-level statuses (JDV_J252) for the filter. "ouvertes" (the default, ``ESMS_IN_PROGRESS``) are the
# requests still waiting for an answer or a place: persons already entered (47, 51) and ended requests have their own
# groups. The key stays "ouvertes" (bookmarked URLs), though open requests (``ESMS_OPEN``) include the entered ones.
_NAMED_GROUPS = (
    ("nouvelles", "Nouvelles", st.ESMS_AWAITING_ANSWER),
    ("non-lues", "Nouvelles, non lues", (st.NOTIFIED,)),
    ("a-repondre", "Lues, sans réponse", (st.NOTIFICATION_READ, st.CONTACTED)),
    ("attente", "En liste d'attente", st.ESMS_UNDER_REVIEW),
    ("admissibles", "Admissibles", (st.ADMISSIBLE,)),
    ("admises", "Admises", st.ESMS_ADMITTED_NOT_ENTERED),
    ("impossibles", "Refusées (admission impossible signalée)", (st.ADMISSION_IMPOSSIBLE_REPORTED,)),
    ("accueillies", "Accueillies", st.ESMS_HOSTED),
    ("a-examiner", "À examiner en commission (nouvelles, en étude, admissibles)", st.ESMS_PENDING),
)
STATUS_GROUPS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "ouvertes": ("Toutes les demandes en cours", st.ESMS_IN_PROGRESS),
    **{key: (label, codes) for key, label, codes in _NAMED_GROUPS},
    "terminees": ("Terminées ou annulées", st.ESMS_ENDED),
    "toutes": ("Toutes les demandes", None),
}
DEFAULT_GROUP = "ouvertes"
# Groups that are views over the others (a part of one, or a union), for the home page's links and the committee's
# list (decision 0043): the other named groups split the statuses once each.
VIEW_GROUPS = ("non-lues", "a-repondre", "a-examiner")

# Age bands of the filter: (label, minimum age, maximum age or None).
AGE_BANDS: dict[str, tuple[str, int, int | None]] = {
    "moins-20": ("Moins de 20 ans", 0, 19),
    "20-59": ("20 à 59 ans", 20, 59),
    "60-74": ("60 à 74 ans", 60, 74),
    "75-plus": ("75 ans et plus", 75, None),
}

SORTS = {
    "priorite": "Score de priorité",
    "attente": "Temps d'attente",
    "souhait": "Rang du souhait",
    "envoi": "Date d'envoi (plus récentes d'abord)",
    "nom": "Nom",
    "entretien": "Entretien de pré-admission (le plus proche d'abord)",
    "entree": "Date d'entrée prévue (la plus proche d'abord)",
}
DEFAULT_SORT = "priorite"


@dataclass
class Filters:
    site: int | None = None
    unit: int | None = None
    group: str = DEFAULT_GROUP
    urgency: int | None = None
    age: str = ""
    category: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT
    errors: list[str] = field(default_factory=list)

    def as_query(self) -> dict[str, str]:
        """The filters as GET parameters (for pagination links and the export), defaults left out."""
        values = {
            "site": self.site,
            "unite": self.unit,
            "statut": self.group if self.group != DEFAULT_GROUP else None,
            "urgence": self.urgency,
            "age": self.age,
            "categorie": self.category,
            "q": self.q,
            "tri": self.sort if self.sort != DEFAULT_SORT else None,
        }
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


def _int(params, name: str, label: str, errors: list[str]) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        errors.append(f"Filtre « {label} » : « {raw[:40]} » n'est pas un identifiant valide ; filtre ignoré.")
        return None


def filters_from(params) -> Filters:
    """Read the filters from GET parameters; a bad value is reported (naming the filter) and ignored."""
    errors: list[str] = []
    filters = Filters(errors=errors)
    filters.site = _int(params, "site", "établissement", errors)
    filters.unit = _int(params, "unite", "unité", errors)
    filters.urgency = _int(params, "urgence", "urgence", errors)
    if filters.urgency is not None and filters.urgency not in Urgency.values:
        errors.append(f"Filtre « urgence » : le niveau {filters.urgency} n'existe pas (0 à 3) ; filtre ignoré.")
        filters.urgency = None
    choices = (
        ("statut", "statut", STATUS_GROUPS, "group"),
        ("age", "âge", AGE_BANDS, "age"),
        ("tri", "tri", SORTS, "sort"),
    )
    for name, label, allowed, attribute in choices:
        raw = (params.get(name) or "").strip()
        if raw and raw not in allowed:
            errors.append(f"Filtre « {label} » : valeur « {raw[:40]} » inconnue ; filtre ignoré.")
        elif raw:
            setattr(filters, attribute, raw)
    filters.category = (params.get("categorie") or "").strip()[:4]
    filters.q = " ".join((params.get("q") or "").split())[:100]
    return filters


# --- Scope ---------------------------------------------------------------------------------------------------------


def esms_sites_for(actor) -> list[Site]:
    """The sites of the actor's organisation (or managing body) whose requests it may read
    (``policy.may_read_site_requests``); processing them is ``may_process_request``, checked per action."""
    if actor is None:
        return []
    candidates = policy.esms_sites(actor).select_related("legal_entity").order_by("name", "pk")
    return [site for site in candidates if policy.may_read_site_requests(actor, site)]


def waiting_list_scope(actor, sites: list[Site] | None = None):
    """Every request the actor may process: the ESMS side of ``requests_visible_to``."""
    sites = esms_sites_for(actor) if sites is None else sites
    if not sites:
        return AdmissionRequest.objects.none()
    return policy.requests_visible_to(actor).filter(site__in=[site.pk for site in sites])


def esms_request_get(*, actor, pk: int) -> AdmissionRequest:
    """One request of the waiting list; a request out of scope is a 404, exactly like a missing one."""
    request = (
        waiting_list_scope(actor)
        .select_related("person", "site__legal_entity", "site__category", "decision")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("Demande introuvable.")
    return request


# --- Rows ----------------------------------------------------------------------------------------------------------


@dataclass
class WaitingRow:
    request: AdmissionRequest
    sent_at: datetime
    days_waited: int
    age: int
    urgency: int
    distance_km: float | None
    score: PriorityScore
    unit_statuses: list[UnitRequestStatus] = field(default_factory=list)

    @property
    def person(self):
        return self.request.person

    @property
    def site(self):
        return self.request.site

    @property
    def person_label(self) -> str:
        return person_label(self.request.person)

    @property
    def status_label(self) -> str:
        return status_labels().get(self.request.status, "")


@dataclass
class WaitingList:
    rows: list[WaitingRow]
    truncated: bool  # more than MAX_ROWS matched: only the first MAX_ROWS (by date sent) are there
    sites: list[Site]
    units: list[Unit]
    filters: Filters


def file_of(person):
    """The person's admission file, or None (a reverse one-to-one raises when missing)."""
    try:
        return person.admission_file
    except person.__class__.admission_file.RelatedObjectDoesNotExist:
        return None


def age_on(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _name_filter(q: str) -> Q:
    """Every word starts one of the person's names, accents and case ignored (`persons.selectors.person_search`)."""
    return search_condition(q, prefix="person__")


def _filtered(queryset, filters: Filters, sites: list[Site], units: list[Unit], today: date):
    if filters.site is not None:
        if filters.site not in {site.pk for site in sites}:
            filters.errors.append(
                "Filtre « établissement » : cet établissement n'est pas dans votre liste ; filtre ignoré."
            )
            filters.site = None
        else:
            queryset = queryset.filter(site_id=filters.site)
    if filters.unit is not None:
        if filters.unit not in {unit.pk for unit in units}:
            filters.errors.append("Filtre « unité » : cette unité n'est pas dans votre liste ; filtre ignoré.")
            filters.unit = None
        else:
            queryset = queryset.filter(unit_statuses__unit_id=filters.unit)
    codes = STATUS_GROUPS[filters.group][1]
    if codes is not None:
        queryset = queryset.filter(status__in=codes)
    if filters.urgency is not None:
        by_file = Q(person__admission_file__urgency=filters.urgency)
        queryset = queryset.filter(
            by_file | Q(person__admission_file__isnull=True) if filters.urgency == 0 else by_file
        )
    if filters.age:
        _label, low, high = AGE_BANDS[filters.age]
        queryset = queryset.filter(person__birth_date__lte=_years_before(today, low))
        if high is not None:
            queryset = queryset.filter(person__birth_date__gt=_years_before(today, high + 1))
    if filters.q:
        queryset = queryset.filter(_name_filter(filters.q))
    return queryset


def _score_row(request: AdmissionRequest, today: date) -> WaitingRow:
    file = file_of(request.person)
    urgency = file.urgency if file is not None else 0
    commune = file.commune if file is not None else None
    site = request.site
    distance = None
    if commune is not None and None not in (commune.latitude, commune.longitude, site.latitude, site.longitude):
        distance = haversine_km(commune.latitude, commune.longitude, site.latitude, site.longitude)
    sent_at = request.sent_at
    days = days_waited(timezone.localdate(sent_at), today)
    return WaitingRow(
        request=request,
        sent_at=sent_at,
        days_waited=days,
        age=age_on(request.person.birth_date, today),
        urgency=urgency,
        distance_km=distance,
        score=priority_score(urgency=urgency, days_waited=days, wish_rank=request.wish_rank, distance_km=distance),
    )


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


SORT_KEYS = {
    "priorite": lambda row: (-row.score.total, -row.days_waited, row.request.pk),
    "attente": lambda row: (-row.days_waited, -row.score.total, row.request.pk),
    "souhait": lambda row: (row.request.wish_rank, -row.score.total, row.request.pk),
    "envoi": lambda row: (-row.sent_at.timestamp(), row.request.pk),
    "entretien": lambda row: (
        row.request.interview_at is None,
        row.request.interview_at.timestamp() if row.request.interview_at else 0,
        row.request.pk,
    ),
    "entree": lambda row: (
        row.request.planned_entry_on is None,
        row.request.planned_entry_on or date.min,
        row.request.pk,
    ),
    "nom": lambda row: (
        _plain(row.person.used_name or row.person.family_name),
        _plain(row.person.first_names),
        row.request.pk,
    ),
}


def waiting_list(*, actor, filters: Filters, today: date | None = None) -> WaitingList:
    """The filtered, scored and sorted list (all rows up to MAX_ROWS; the caller paginates)."""
    today = today or timezone.localdate()
    sites = esms_sites_for(actor)
    units = list(Unit.objects.filter(site__in=[s.pk for s in sites]).order_by("site__name", "name", "pk"))
    queryset = with_sent_at(
        _filtered(waiting_list_scope(actor, sites), filters, sites, units, today)
        .select_related("person__admission_file__commune", "site", "decision")
        .defer(*without_medical("person__admission_file__"))  # nothing medical in rows or exports (decision 0032)
    ).order_by("sent_at", "pk")
    requests = list(queryset[: MAX_ROWS + 1])
    truncated = len(requests) > MAX_ROWS
    rows = [_score_row(request, today) for request in requests[:MAX_ROWS]]
    if filters.category:
        rows = [
            row
            for row in rows
            if filters.category in ((row.request.decision and row.request.decision.categories) or [])
        ]
    rows.sort(key=SORT_KEYS[filters.sort])
    return WaitingList(rows=rows, truncated=truncated, sites=sites, units=units, filters=filters)


def attach_unit_statuses(rows: list[WaitingRow]) -> list[WaitingRow]:
    """Fill each row's unit statuses, in one query for all the rows given (a page, or an export)."""
    by_request: dict[int, list[UnitRequestStatus]] = {row.request.pk: [] for row in rows}
    statuses = UnitRequestStatus.objects.filter(request_id__in=list(by_request)).select_related("unit")
    for status in statuses.order_by("unit__name", "pk"):
        by_request[status.request_id].append(status)
    for row in rows:
        row.unit_statuses = by_request[row.request.pk]
    return rows


def category_choices(actor, sites: list[Site]) -> list[tuple[str, str]]:
    """The FINESS categories named by the decisions behind the actor's requests, for the filter (two queries)."""
    codes: set[str] = set()
    decisions = waiting_list_scope(actor, sites).exclude(decision=None).values_list("decision__categories", flat=True)
    for value in decisions.distinct():
        codes.update(str(code) for code in (value or []))
    labels = dict(Category.objects.filter(code__in=codes).values_list("code", "label"))
    return sorted((code, f"{code} — {labels.get(code, 'catégorie inconnue')}") for code in codes)
