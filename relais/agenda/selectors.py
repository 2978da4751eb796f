"""Reads of the agenda. Slots carry no personal data; an appointment names its person only to whoever may read the
person's PLAN (policy.decide), and every such read is traced by the caller with the deciding rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from relais.pathway.access import CoordinationRecord, Decision, MemberKind, decide
from relais.pathway.access import matrix as m

from .models import Agenda, Appointment, AppointmentStatus, Slot
from .services import ORGANISATION_AGENDA_ROLES


@dataclass
class Shown:
    """An appointment with the decision on its person: ``visible`` False shows a busy slot, nobody's name."""

    appointment: Appointment
    decision: Decision

    @property
    def visible(self) -> bool:
        return self.decision.allowed


def ask(actor, person, category: str = m.PLAN, action: str = m.READ) -> Decision:
    return decide(
        user=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        person=person,
        category=category,
        action=action,
    )


def my_agenda(actor) -> Agenda | None:
    user = getattr(actor, "user", None)
    if user is None or actor.organisation is None:
        return None
    return Agenda.objects.filter(owner=user, organisation=actor.organisation).first()


def _booked():
    return Appointment.objects.filter(slot=OuterRef("pk"), status=AppointmentStatus.BOOKED)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_slots(agenda: Agenda, monday: date) -> list[Slot]:
    return week_slots_range(agenda, datetime.combine(monday, time.min, tzinfo=agenda.zone), days=7)


def week_slots_range(agenda: Agenda, start: datetime, *, days: int) -> list[Slot]:
    """Slots of ``agenda`` from ``start`` for ``days`` days, each with ``active``: its booked appointment, if any."""
    booked = Prefetch(
        "appointments",
        queryset=Appointment.objects.filter(status=AppointmentStatus.BOOKED).select_related("person"),
        to_attr="active",
    )
    return list(
        agenda.slots.filter(start__gte=start, start__lt=start + timedelta(days=days), withdrawn_at__isnull=True)
        .prefetch_related(booked)
        .order_by("start")
    )


def free_slots(agenda: Agenda, *, since: datetime | None = None, limit: int = 200) -> list[Slot]:
    since = since or timezone.now()
    return list(
        agenda.slots.filter(start__gt=since, withdrawn_at__isnull=True)
        .annotate(is_booked=Exists(_booked()))
        .filter(is_booked=False)
        .order_by("start")[:limit]
    )


def circle_agendas(person) -> list[Agenda]:
    """Active agendas of the person's circle: its professionals' own agendas and its organisations' agendas."""
    record = CoordinationRecord.objects.filter(person=person).first()
    if record is None:
        return []
    today = timezone.localdate()
    members = record.members.filter(kind=MemberKind.PROFESSIONAL, start__lte=today).filter(
        Q(end__isnull=True) | Q(end__gte=today)
    )
    own = Q(owner__isnull=False) & Q(
        pk__in=Agenda.objects.filter(
            owner_id__in=members.values("user_id"), organisation_id__in=members.values("organisation_id")
        ).values("pk")
    )
    shared = Q(owner__isnull=True, organisation_id__in=members.values("organisation_id"))
    candidates = Agenda.objects.filter(active=True).filter(own | shared).select_related("owner", "organisation")
    # The pair (user, organisation) must be one membership, not a user of one and an organisation of another.
    pairs = set(members.values_list("user_id", "organisation_id"))
    return [a for a in candidates.order_by("label") if a.owner_id is None or (a.owner_id, a.organisation_id) in pairs]


def appointments_of(actor, *, upcoming_only: bool = True) -> list[Shown]:
    """Appointments on the actor's agendas or booked by the actor, each with the decision on its person."""
    user = getattr(actor, "user", None)
    if user is None:
        return []
    mine = Q(slot__agenda__owner=user, slot__agenda__organisation=actor.organisation) | Q(booked_by_user=user)
    if actor.organisation is not None and actor.role in ORGANISATION_AGENDA_ROLES:
        mine |= Q(slot__agenda__owner__isnull=True, slot__agenda__organisation=actor.organisation)
    rows = Appointment.objects.filter(mine).select_related("slot__agenda__organisation", "person")
    if upcoming_only:
        rows = rows.filter(slot__end__gte=timezone.now(), status=AppointmentStatus.BOOKED)
    return [Shown(a, ask(actor, a.person)) for a in rows.order_by("slot__start", "pk")]


def appointment_get(actor, pk: int) -> Shown:
    """One appointment: a 404 unless the actor may read the person's PLAN, exactly like a missing id."""
    appointment = (
        Appointment.objects.select_related(
            "slot__agenda__owner", "slot__agenda__organisation", "person", "rescheduled_to__slot"
        )
        .filter(pk=pk)
        .first()
    )
    if appointment is None:
        raise Http404("Rendez-vous introuvable.")
    decision = ask(actor, appointment.person)
    if not decision.allowed:
        raise Http404("Rendez-vous introuvable.")
    return Shown(appointment, decision)
