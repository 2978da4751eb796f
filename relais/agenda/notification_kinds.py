"""Appointment events (discovered by the notifications app at start-up), and who is told.

- Booking, cancellation and moving are **person events** of category PLAN (``pathway.events.person_event_emit``):
  the followers of the person who may read the plan now are told.
- The **participants** (the agenda's professional, the booker) are told directly too, each after asking the policy
  again (one who left the circle, or whom the person objected to, is told nothing). The dedup key is the event's, so a
  participant who also follows the person is notified once.
- The **reminder** the day before goes to the participants only.

E-mail is not a secure channel: the person is named by initials, never the purpose; the link leads to Relais.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from relais.agenda.meetings.notices import CONCLUSIONS, CONVENED  # noqa: F401  concertation meetings (0046)
from relais.notifications.services import notification_send
from relais.pathway.access import PersonEventKind, decide, initials, person_event_emit, person_event_kind_register
from relais.pathway.access import matrix as m
from relais.territory.timezones import wall_clock

BOOKED = person_event_kind_register(
    PersonEventKind(
        code="agenda.appointment_booked",
        label="Nouveau rendez-vous",
        category=m.PLAN,
        description="Un rendez-vous est pris pour une personne que vous suivez, ou dans votre agenda.",
    )
)
CANCELLED = person_event_kind_register(
    PersonEventKind(
        code="agenda.appointment_cancelled",
        label="Rendez-vous annulé ou déplacé",
        category=m.PLAN,
        description="Un rendez-vous d'une personne que vous suivez, ou de votre agenda, est annulé ou déplacé.",
    )
)
REMINDER = person_event_kind_register(
    PersonEventKind(
        code="agenda.reminder",
        label="Rappel : rendez-vous demain",
        category=m.PLAN,
        description="La veille d'un rendez-vous, rappel au ou à la professionnel·le de l'agenda et à qui l'a réservé.",
    )
)


def _when(appointment) -> str:
    # The wall clock of the place of the appointment, named when it is not Paris time (decision 0034).
    return wall_clock(appointment.slot.start, appointment.slot.agenda.zone)


def _participants(appointment) -> list[tuple]:
    """(user, organisation) of the agenda's professional and of the booker."""
    agenda = appointment.slot.agenda
    pairs = []
    if agenda.owner_id is not None:
        pairs.append((agenda.owner, agenda.organisation))
    if appointment.booked_by_user_id is not None and appointment.booked_by_user_id != agenda.owner_id:
        pairs.append((appointment.booked_by_user, appointment.booked_by_organisation))
    return pairs


def _key(kind: str, appointment, dedup: str) -> str:
    # The same shape as person_event_emit's key, so that one event notifies each user once.
    return f"{kind}:agenda.appointment:{appointment.pk}" + (f":{dedup}" if dedup else "")


def _direct(*, kind: str, appointment, subject: str, body: str, dedup: str, skip_user=None) -> list:
    sent = []
    person = appointment.person
    for user, organisation in _participants(appointment):
        if skip_user is not None and user.pk == skip_user.pk:
            continue
        if not decide(user=user, organisation=organisation, person=person, category=m.PLAN, action=m.READ):
            continue
        sent += notification_send(
            kind=kind,
            organisation=organisation,
            recipients=[user],
            subject=subject,
            body=body,
            link=reverse("agenda:appointment", args=[appointment.pk]),
            dedup_key=_key(kind, appointment, dedup),
            fields={"person": person, "category": m.PLAN, "event_at": timezone.now()},
        )
    return sent


def _event(*, kind: str, appointment, actor, summary: str, dedup: str) -> list:
    who = initials(appointment.person)
    sent = _direct(
        kind=kind,
        appointment=appointment,
        subject=f"{summary} — {who}",
        body=f"{summary} : {_when(appointment)} ({appointment.slot.get_kind_display().lower()}) avec {who}. "
        "Détails dans Relais.",
        dedup=dedup,
        skip_user=getattr(actor, "user", None),
    )
    result = person_event_emit(
        kind=kind,
        person=appointment.person,
        actor=actor,
        obj=appointment,
        category=m.PLAN,
        summary=f"{summary} : {_when(appointment)}",
        dedup=dedup,
    )
    return sent + result.notified


def notify_booked(*, appointment, actor) -> list:
    return _event(kind=BOOKED.code, appointment=appointment, actor=actor, summary="Nouveau rendez-vous", dedup="")


def notify_cancelled(*, appointment, actor) -> list:
    return _event(kind=CANCELLED.code, appointment=appointment, actor=actor, summary="Rendez-vous annulé", dedup="")


def notify_moved(*, new, actor) -> list:
    """Told once, about the new appointment (its time is what matters now)."""
    return _event(kind=CANCELLED.code, appointment=new, actor=actor, summary="Rendez-vous déplacé", dedup="moved")


def notify_reminder(*, appointment) -> list:
    who = initials(appointment.person)
    return _direct(
        kind=REMINDER.code,
        appointment=appointment,
        subject=f"Rappel : rendez-vous demain avec {who}",
        body=f"Rendez-vous ({appointment.slot.get_kind_display().lower()}) le {_when(appointment)} avec {who}.",
        dedup=appointment.slot.start.isoformat(),
    )
