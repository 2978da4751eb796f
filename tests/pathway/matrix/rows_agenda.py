"""Matrix rows of the agenda (``relais/agenda``): booking pages and posts, the appointment page, cancel and move,
FHIR Appointment read/search/create. All are about the person's PLAN (docs/decisions/0022-agenda.md).

The shared world gets the referent's agenda (the referent is spared by a team-wide objection, so the agenda stays in
the circle whenever the booker may write the plan), three free slots, and one appointment booked by the referent.
That the agenda's holder must be in the circle, and that one slot is booked once, is tested in ``tests/agenda``.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from relais.agenda.models import Appointment, SlotKind
from relais.agenda.services import agenda_create, appointment_book, slot_create

from .framework import Endpoint, _fhir_create, _fhir_read, creates, fhir_search_finds, sets, web_get, web_post


def prepare(world) -> None:
    referent = world.subjects["referent"].actor
    agenda = agenda_create(actor=referent)
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    world.agenda_slots = [
        slot_create(
            actor=referent,
            agenda=agenda,
            start=start + timedelta(hours=i),
            duration_minutes=30,
            kind=SlotKind.TELECONSULTATION,
            video_link="https://visio.exemple.test/matrice",
        )
        for i in range(4)
    ]
    world.agenda_appointment = appointment_book(actor=referent, slot=world.agenda_slots[0], person=world.person)


def _url(name: str, *args) -> str:
    return reverse(f"agenda:{name}", args=args)


def _appointment_body(w) -> dict:
    return {
        "resourceType": "Appointment",
        "status": "proposed",
        "slot": [{"reference": f"Slot/{w.agenda_slots[3].pk}"}],
        "participant": [{"actor": {"reference": f"Patient/{w.person.pk}"}, "status": "accepted"}],
    }


def _booked(index: int):
    """One more live appointment of the person on the given prepared slot."""
    return creates(
        lambda w: Appointment.objects.filter(slot=w.agenda_slots[index], person=w.person, status="booked"),
        f"appointment on slot {index}",
    )


def _prepared(w):
    return Appointment.objects.select_related("rescheduled_to").get(pk=w.agenda_appointment.pk)


ENDPOINTS: list[Endpoint] = [
    Endpoint("Agenda : prise de rendez-vous (page)", "plan", "read", web_get(lambda w: _url("book", w.person.pk))),
    Endpoint(
        "Agenda : réserver un créneau",
        "plan",
        "write",
        web_post(lambda w: _url("book", w.person.pk), lambda w: {"slot": w.agenda_slots[1].pk, "purpose": "Suivi"}),
        effect=_booked(1),
    ),
    Endpoint(
        "Agenda : rendez-vous (page)", "plan", "read", web_get(lambda w: _url("appointment", w.agenda_appointment.pk))
    ),
    Endpoint(
        "Agenda : annuler un rendez-vous",
        "plan",
        "write",
        web_post(lambda w: _url("appointment_cancel", w.agenda_appointment.pk), lambda w: {"reason": "Empêchement"}),
        effect=sets(
            lambda w: (_prepared(w).status, _prepared(w).cancel_reason),
            lambda w: ("cancelled", "Empêchement"),
            "the appointment's cancellation",
        ),
    ),
    Endpoint(
        "Agenda : déplacer un rendez-vous",
        "plan",
        "write",
        web_post(
            lambda w: _url("appointment_reschedule", w.agenda_appointment.pk), lambda w: {"slot": w.agenda_slots[2].pk}
        ),
        effect=sets(
            lambda w: (_prepared(w).status, getattr(_prepared(w).rescheduled_to, "slot_id", None)),
            lambda w: ("rescheduled", w.agenda_slots[2].pk),
            "the appointment moved to slot 2",
        ),
    ),
    Endpoint(
        "FHIR Appointment read", "plan", "read", _fhir_read(lambda w: f"/fhir/Appointment/{w.agenda_appointment.pk}")
    ),
    Endpoint(
        "FHIR Appointment search",
        "plan",
        "read",
        fhir_search_finds(
            lambda w: f"/fhir/Appointment?patient=Patient/{w.person.pk}", lambda w: w.agenda_appointment.pk
        ),
    ),
    Endpoint(
        "FHIR Appointment create",
        "plan",
        "write",
        _fhir_create("Appointment", _appointment_body),
        effect=_booked(3),
    ),
]
