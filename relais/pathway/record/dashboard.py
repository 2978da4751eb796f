"""The coordinator's dashboard, « Mes personnes » (decision 0044): the records where the user is an active member of
the circle, one line per person with what needs attention — the latest event, open and overdue plan actions, unread
messages, the next appointment, a recent hospital movement — searchable (name, birth date) and filtered (referent,
status, territory, situation), by pages.

Everything shown is judged by the care-circle policy for that person and that data category (``decide_many``: one
read of the user's memberships, objections and consents for all the records), so a line never shows an event, an
action, a message or an appointment its category does not allow. The number of queries does not grow with the number
of records (tests/pathway/test_dashboard.py counts them): the counts behind the filters are grouped queries over all
the user's records; the latest event and the next appointment are read for the page only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from relais.accounts.actor import user_public_name
from relais.agenda.models import Appointment, AppointmentStatus
from relais.messaging.selectors import unread_by_record
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, CircleRole, CoordinationRecord
from relais.pathway.policy import active_memberships_in, decide_many
from relais.pathway.record.models import EventKind, PlanTask, TimelineEvent
from relais.pathway.record.movements import HospitalMovement
from relais.pathway.record.selectors import OPEN_TASK_STATUSES
from relais.persons.selectors import search_condition

PAGE_SIZE = 25
RECENT_DAYS = 30  # a hospital movement of the last 30 days (or announced ahead) is "recent"
# The timeline kinds that are hospital movements (besides the structured stays, decision 0045).
HOSPITAL_KINDS = (EventKind.ADMISSION, EventKind.HOSPITAL_STAY, EventKind.DISCHARGE)
TIMELINE_CATEGORIES = (m.SOCIAL, m.MEDICAL, m.DOCUMENTS, m.IDENTITY)
ME = "moi"
STATUSES = {"ouverts": "Dossiers ouverts", "clos": "Dossiers clos", "tous": "Tous les dossiers"}
SITUATIONS = {
    "retard": "Actions en retard",
    "non-lus": "Messages non lus",
    "hopital": "Mouvement hospitalier récent",
}
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


@dataclass
class Filters:
    query: str = ""
    referent: str = ""  # "" everyone, "moi", or a user id
    status: str = "ouverts"
    territory: str = ""  # a postal code
    situation: str = ""

    @classmethod
    def from_params(cls, params) -> Filters:
        status = params.get("statut", "ouverts")
        situation = params.get("situation", "")
        return cls(
            query=params.get("q", "").strip()[:100],
            referent=params.get("referent", "").strip()[:20],
            status=status if status in STATUSES else "ouverts",
            territory=params.get("territoire", "").strip()[:5],
            situation=situation if situation in SITUATIONS else "",
        )


def split_query(query: str) -> tuple[list[str], date | None]:
    """Words of a name and a birth date (``12/03/1950``, ``12.03.1950`` or ``1950-03-12``) from one search box."""
    words, born = [], None
    for word in query.split():
        found = _DATE.match(word)
        if found is None:
            words.append(word)
            continue
        day, month, year = (found[1], found[2], found[3]) if found[1] else (found[6], found[5], found[4])
        try:
            born = date(int(year), int(month), int(day))
        except ValueError:
            words.append(word)
    return words, born


@dataclass
class PersonLine:
    record: CoordinationRecord
    decisions: dict
    referents: list = field(default_factory=list)
    open_tasks: int = 0
    overdue_tasks: int = 0
    unread: int = 0
    hospital: HospitalFact | None = None
    latest_event: TimelineEvent | None = None
    next_appointment: Appointment | None = None

    @property
    def person(self):
        return self.record.person

    def may(self, category: str) -> bool:
        return self.decisions[category].allowed


@dataclass
class Dashboard:
    page: Page
    total: int  # the user's records under the status, search and territory filters, before referent and situation
    counts: dict[str, int]  # per situation, among the records of the referent filter
    referents: list[tuple[str, str]]
    territories: list[tuple[str, str]]


def _readable(lines, categories, record_field: str = "record_id", category_field: str = "category") -> Q:
    """Rows of ``lines``' records whose category the policy lets the user read, one condition per set of readable
    categories (a handful: one per profile and ground)."""
    groups: dict[tuple, list[int]] = {}
    for line in lines:
        readable = tuple(c for c in categories if line.may(c))
        if readable:
            groups.setdefault(readable, []).append(line.record.pk)
    condition = Q(pk__in=[])
    for readable, ids in groups.items():
        condition |= Q(**{f"{record_field}__in": ids}) & (
            Q(**{f"{category_field}__in": readable}) if category_field else Q()
        )
    return condition


def _first_per(queryset, partition: str, *order):
    ranked = queryset.annotate(rank=Window(RowNumber(), partition_by=[F(partition)], order_by=list(order)))
    return ranked.filter(rank=1)


@dataclass(frozen=True)
class HospitalFact:
    """What the dashboard says of a hospital movement: a word, when, and who told it (never its medical content)."""

    label: str
    title: str
    occurred_at: datetime
    organisation: object = None


def _movement_fact(movement: HospitalMovement, today: date) -> tuple[date, str]:
    if movement.discharged_on:
        return movement.discharged_on, "Sortie d'hôpital"
    if movement.planned_discharge_on and movement.planned_discharge_on >= today:
        return movement.planned_discharge_on, "Sortie d'hôpital prévue"
    return movement.admitted_on, "À l'hôpital depuis"


def hospital_movements(lines, *, today: date) -> dict[int, HospitalFact]:
    """The latest hospital movement of each record within ``RECENT_DAYS`` (or announced ahead), among what the user
    may read: the structured stays (decision 0045; their dates are social facts) and the timeline's admission, stay
    and discharge events (as posted before the stays existed, or by hand)."""
    since = timezone.make_aware(datetime.combine(today - timedelta(days=RECENT_DAYS), time.min))
    rows = TimelineEvent.objects.filter(_readable(lines, TIMELINE_CATEGORIES), kind__in=HOSPITAL_KINDS)
    rows = rows.filter(occurred_at__gte=since).select_related("author_organisation")
    latest = {
        e.record_id: HospitalFact(e.get_kind_display(), e.title, e.occurred_at, e.author_organisation)
        for e in _first_per(rows, "record_id", F("occurred_at").desc(), F("pk").desc())
    }
    social = [line.record.pk for line in lines if line.may(m.SOCIAL)]
    stays = HospitalMovement.objects.filter(record_id__in=social).select_related("recorded_by_organisation")
    stays = stays.filter(
        Q(admitted_on__gte=since.date()) | Q(discharged_on__gte=since.date()) | Q(discharged_on__isnull=True)
    )
    for stay in stays:
        day, label = _movement_fact(stay, today)
        if day < since.date() and stay.discharged_on:  # a stay still going on is always shown
            continue
        at = timezone.make_aware(datetime.combine(day, time.min))
        known = latest.get(stay.record_id)
        if known is None or at >= known.occurred_at or not stay.discharged_on:  # being in hospital now comes first
            latest[stay.record_id] = HospitalFact(label, stay.hospital, at, stay.recorded_by_organisation)
    return latest


def _candidates(*, user, organisation, filters: Filters):
    mine = active_memberships_in(user=user, organisation=organisation, records=None).values("record_id")
    records = CoordinationRecord.objects.filter(pk__in=mine)
    if filters.status == "ouverts":
        records = records.filter(closed_at__isnull=True)
    elif filters.status == "clos":
        records = records.filter(closed_at__isnull=False)
    words, born = split_query(filters.query)
    if words:
        records = records.filter(search_condition(" ".join(words), prefix="person__"))
    if born is not None:
        records = records.filter(person__birth_date=born)
    return records


def _lines(*, user, organisation, filters: Filters) -> tuple[list[PersonLine], dict]:
    """The lines of the records the user may open under the status and search filters, by name; and the decisions."""
    records = _candidates(user=user, organisation=organisation, filters=filters)
    decisions = decide_many(user=user, organisation=organisation, records=records)
    allowed = {pk for pk, d in decisions.items() if d[m.IDENTITY].allowed}
    if not allowed:
        return [], decisions
    listed = records.select_related("person").order_by("person__search_key", "person__family_name", "pk")
    return [PersonLine(record=r, decisions=decisions[r.pk]) for r in listed if r.pk in allowed], decisions


def _counts(lines) -> dict[str, int]:
    return {
        "retard": sum(1 for line in lines if line.overdue_tasks),
        "non-lus": sum(1 for line in lines if line.unread),
        "hopital": sum(1 for line in lines if line.hospital),
    }


def dashboard(*, user, organisation, filters: Filters, page_number=1, page_size: int = PAGE_SIZE) -> Dashboard:
    today = timezone.localdate()
    lines, decisions = _lines(user=user, organisation=organisation, filters=filters)
    territories = sorted({(line.person.postal_code, line.person.city) for line in lines} - {("", "")})
    if filters.territory:
        lines = [line for line in lines if line.person.postal_code == filters.territory]
    total = len(lines)
    _referents(lines, today)
    referent_choices = _referent_choices(lines, user)
    if filters.referent:
        wanted = str(user.pk) if filters.referent == ME else filters.referent
        lines = [line for line in lines if any(str(r.user_id) == wanted for r in line.referents)]
    _attention(lines, user=user, organisation=organisation, decisions=decisions, today=today)
    counts = _counts(lines)
    if filters.situation == "retard":
        lines = [line for line in lines if line.overdue_tasks]
    elif filters.situation == "non-lus":
        lines = [line for line in lines if line.unread]
    elif filters.situation == "hopital":
        lines = [line for line in lines if line.hospital]
    page = Paginator(lines, page_size).get_page(page_number)
    _details(page.object_list, now=timezone.now())
    territory_choices = [(code, f"{city} ({code})" if city else code) for code, city in territories if code]
    return Dashboard(page, total, counts, referent_choices, territory_choices)


def attention_summary(*, user, organisation) -> dict | None:
    """What the home page says of the user's open records: how many, and how many need attention (counts only, no
    name, so nothing to trace); None for a user in no circle."""
    lines, decisions = _lines(user=user, organisation=organisation, filters=Filters())
    if not lines:
        return None
    _attention(lines, user=user, organisation=organisation, decisions=decisions, today=timezone.localdate())
    counts = _counts(lines)
    return {
        "total": len(lines),
        "overdue": counts["retard"],
        "unread": counts["non-lus"],
        "hospital": counts["hopital"],
    }


def _referents(lines, today: date) -> None:
    by_record = {line.record.pk: line for line in lines}
    rows = (
        CircleMember.objects.filter(record_id__in=list(by_record), circle_role=CircleRole.REFERENT, start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .select_related("user", "organisation")
        .order_by("pk")
    )
    for member in rows if by_record else []:
        by_record[member.record_id].referents.append(member)


def _referent_choices(lines, user) -> list[tuple[str, str]]:
    others = {
        r.user_id: user_public_name(r.user)
        for line in lines
        for r in line.referents
        if r.user_id and r.user_id != user.pk
    }
    return [(ME, "Moi"), *sorted(((str(pk), name) for pk, name in others.items()), key=lambda c: c[1])]


def _attention(lines, *, user, organisation, decisions, today: date) -> None:
    """Open and overdue actions, unread messages and the recent hospital movement of every line: three grouped
    queries, whatever the number of lines."""
    if not lines:
        return
    by_record = {line.record.pk: line for line in lines}
    overdue = Q(due_date__lt=today)
    tasks = (
        PlanTask.objects.filter(_readable(lines, [m.PLAN], "plan__record_id", ""), status__in=OPEN_TASK_STATUSES)
        .values("plan__record_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue))
    )
    for row in tasks:
        line = by_record[row["plan__record_id"]]
        line.open_tasks, line.overdue_tasks = row["open"], row["overdue"]
    unread = unread_by_record(user=user, organisation=organisation, decisions={pk: decisions[pk] for pk in by_record})
    for record_id, count in unread.items():
        by_record[record_id].unread = count
    for record_id, event in hospital_movements(lines, today=today).items():
        by_record[record_id].hospital = event


def _details(lines, *, now) -> None:
    """The latest event and the next appointment of the lines of one page: two queries."""
    if not lines:
        return
    by_record = {line.record.pk: line for line in lines}
    events = TimelineEvent.objects.filter(_readable(lines, TIMELINE_CATEGORIES))
    for event in _first_per(events, "record_id", F("occurred_at").desc(), F("pk").desc()):
        by_record[event.record_id].latest_event = event
    # Appointments name their person to whoever may read the plan (agenda.selectors): the same rule here.
    by_person = {line.person.pk: line for line in lines if line.may(m.PLAN)}
    appointments = Appointment.objects.filter(
        person_id__in=list(by_person), status=AppointmentStatus.BOOKED, slot__start__gte=now
    ).filter(slot__withdrawn_at__isnull=True)
    appointments = appointments.select_related("slot__agenda")
    for appointment in _first_per(appointments, "person_id", F("slot__start").asc(), F("pk").asc()):
        by_person[appointment.person_id].next_appointment = appointment
