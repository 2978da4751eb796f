"""The work list of MDPH and département officers: the persons their organisation follows, filtered, searched, paged.

Scoped reads (``policy.persons_visible_to``: nothing else is ever listed). Each filter reuses the definition other
screens already use, never a copy (decision 0042):

- decision expiring within N days: a valid decision whose validity ends between today and today + N;
- without solution: ``territory_figures.selectors.without_solution`` (the territory figure's persons);
- urgent: an admission file at ``Urgency.HIGH`` or above (the priority score's levels);
- no request sent: a valid decision followed by no request (``territory_figures.selectors.request_sent_after``);
- requests unread for N days: a visible request unanswered for N days (``follow_up.services.unanswered_since``,
  the daily reminders' definition).

Search: every word of the query narrows the list (``persons.selectors.search_condition``: a word starts one of the
names, over the indexed ``Person.search_key``); a date (« 02/05/1980 ») is the birth date, a year (« 1980 ») the
birth year, five digits a postcode (identity address or residence commune). Counting and paging are done in SQL, the
row figures (open and unanswered requests, next decision end) by subqueries evaluated for the page's rows only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from relais.orientation import policy
from relais.orientation.admission.models import AdmissionFile, Urgency
from relais.orientation.decisions.models import DecisionStatus, OrientationDecision
from relais.orientation.follow_up.services import REMINDER_DAYS, unanswered_cutoff, unanswered_since
from relais.orientation.requests.models import ESMS_ENDED
from relais.orientation.territory_figures.selectors import request_sent_after, without_solution
from relais.persons.selectors import search_condition
from relais.territory.models import PostalCode

PAGE_SIZE = 50
MAX_DAYS = 3650
DEFAULT_EXPIRING_DAYS = 90
DEFAULT_WITHOUT_SOLUTION_DAYS = 0  # the territory page's 90 days are a choice of the form
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class WorkFilters:
    """What the officer asked for; every field has its GET name in ``PARAMS``."""

    query: str = ""
    expiring: bool = False
    expiring_days: int = DEFAULT_EXPIRING_DAYS
    without_solution: bool = False
    without_solution_days: int = DEFAULT_WITHOUT_SOLUTION_DAYS
    urgent: bool = False
    no_request: bool = False
    unread: bool = False
    unread_days: int = REMINDER_DAYS
    page: int = 1

    @property
    def any(self) -> bool:
        return self.expiring or self.without_solution or self.urgent or self.no_request or self.unread

    def as_query(self) -> dict[str, str]:
        """The GET parameters of these filters (the export and the pages keep them)."""
        out = {}
        for name, param in PARAMS.items():
            value = getattr(self, name)
            default = getattr(DEFAULTS, name)
            if name != "page" and value != default:
                out[param] = "1" if value is True else str(value)
        return out


DEFAULTS = WorkFilters()
PARAMS = {
    "query": "q",
    "expiring": "expire",
    "expiring_days": "expire_jours",
    "without_solution": "sans_solution",
    "without_solution_days": "sans_solution_jours",
    "urgent": "urgent",
    "no_request": "sans_demande",
    "unread": "non_lues",
    "unread_days": "non_lues_jours",
    "page": "page",
}


def _days(text: str, default: int, low: int = 0) -> int:
    text = (text or "").strip()
    return min(int(text), MAX_DAYS) if text.isdigit() and int(text) >= low else default


def filters_from(data) -> WorkFilters:
    """The filters of a query string; a number out of range falls back to its default (never an error page)."""
    page = (data.get("page") or "").strip()
    return WorkFilters(
        query=(data.get("q") or "").strip()[:100],
        expiring=bool(data.get("expire")),
        expiring_days=_days(data.get("expire_jours"), DEFAULT_EXPIRING_DAYS),
        without_solution=bool(data.get("sans_solution")),
        without_solution_days=_days(data.get("sans_solution_jours"), DEFAULT_WITHOUT_SOLUTION_DAYS),
        urgent=bool(data.get("urgent")),
        no_request=bool(data.get("sans_demande")),
        unread=bool(data.get("non_lues")),
        unread_days=_days(data.get("non_lues_jours"), REMINDER_DAYS, low=1),
        page=int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1,
    )


# --- search ---------------------------------------------------------------------------------------------------


def _as_date(token: str) -> date | None:
    match = _DATE.match(token)
    parts = (match.group(3), match.group(2), match.group(1)) if match else None
    if parts is None and (iso := _ISO_DATE.match(token)):
        parts = iso.groups()
    if parts is None:
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def search(persons, query: str):
    """``persons`` narrowed by every word of ``query``: names (start of a word, accents and case ignored), a birth
    date, a birth year or a postcode."""
    condition, words = Q(), []
    for token in query.split():
        day = _as_date(token)
        if day is not None:
            condition &= Q(birth_date=day)
        elif token.isdigit() and len(token) == 4:
            year = int(token)
            condition &= Q(birth_date__gte=date(year, 1, 1), birth_date__lte=date(year, 12, 31))
        elif token.isdigit() and len(token) == 5:
            communes = PostalCode.objects.filter(code=token).values("commune_id")
            condition &= Q(postal_code=token) | Q(admission_file__commune_id__in=communes)
        else:
            words.append(token)
    return persons.filter(condition & search_condition(" ".join(words)))


# --- filters --------------------------------------------------------------------------------------------------


def _valid_decisions():
    return OrientationDecision.objects.filter(status=DecisionStatus.VALID)


def unanswered_requests(actor, days: int, today: date | None = None):
    """The actor's visible requests unanswered for ``days`` days (``follow_up.services.unanswered_since``)."""
    today = today or timezone.localdate()
    return unanswered_since(policy.requests_visible_to(actor), unanswered_cutoff(today, days))


def filtered(actor, filters: WorkFilters, today: date | None = None):
    """The persons the actor follows (live records only) under ``filters``, sorted by name; not yet annotated."""
    today = today or timezone.localdate()
    persons = policy.persons_visible_to(actor).filter(merged_into__isnull=True)
    if filters.query:
        persons = search(persons, filters.query)
    if filters.expiring:
        end = today + timedelta(days=filters.expiring_days)
        expiring = _valid_decisions().filter(validity_end__gte=today, validity_end__lte=end)
        persons = persons.filter(pk__in=expiring.values("person_id"))
    if filters.without_solution:
        lacking = without_solution(OrientationDecision.objects.all(), today=today, days=filters.without_solution_days)
        persons = persons.filter(pk__in=lacking.values("person_id"))
    if filters.urgent:
        persons = persons.filter(admission_file__urgency__gte=Urgency.HIGH)
    if filters.no_request:
        unsent = _valid_decisions().filter(~request_sent_after())
        persons = persons.filter(pk__in=unsent.values("person_id"))
    if filters.unread:
        persons = persons.filter(pk__in=unanswered_requests(actor, filters.unread_days, today).values("person_id"))
    return persons.order_by("search_key", "family_name", "pk")


def _per_person(requests) -> dict[int, int]:
    return dict(requests.order_by().values_list("person_id").annotate(n=Count("pk")))


@dataclass
class WorkPage:
    filters: WorkFilters
    rows: list  # persons, each with open_requests, unanswered, decision_end, commune_name, urgency
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def work_page(actor, filters: WorkFilters, today: date | None = None) -> WorkPage:
    """One page of the work list: ``PAGE_SIZE`` persons and the figures of each row; a page past the end shows the
    last one."""
    today = today or timezone.localdate()
    persons = filtered(actor, filters, today)
    total = persons.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    # The page's persons first (the sort walks the name index and stops after the page), then the figures of those
    # rows only, one grouped query each: as correlated subqueries the database would rebuild the scope per row.
    rows = list(persons[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    ids = [person.pk for person in rows]
    visible = policy.requests_visible_to(actor).filter(person_id__in=ids)
    open_requests = _per_person(visible.exclude(status__in=ESMS_ENDED))
    unanswered = _per_person(unanswered_requests(actor, filters.unread_days, today).filter(person_id__in=ids))
    ends = dict(
        _valid_decisions()
        .filter(person_id__in=ids, validity_end__gte=today)
        .values_list("person_id")
        .annotate(end=Min("validity_end"))
        .order_by()
    )
    files = {
        row["person_id"]: row
        for row in AdmissionFile.objects.filter(person_id__in=ids).values("person_id", "urgency", "commune__name")
    }
    for person in rows:
        file = files.get(person.pk, {})
        person.commune_name, person.urgency = file.get("commune__name"), file.get("urgency")
        person.open_requests, person.unanswered = open_requests.get(person.pk, 0), unanswered.get(person.pk, 0)
        person.decision_end = ends.get(person.pk)
    return WorkPage(filters=replace(filters, page=page), rows=rows, total=total, page=page, pages=pages)
