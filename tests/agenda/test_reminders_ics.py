"""Reminders the day before (idempotent) and the iCalendar export (RFC 5545, stable UIDs, initials only)."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar

from relais.agenda.models import Appointment
from relais.agenda.reminders import appointment_reminders_send
from relais.agenda.services import appointment_book, appointment_cancel
from relais.audit.models import AccessLogEntry
from relais.notifications.models import Notification


def test_reminders_are_sent_the_day_before_once(world):
    tomorrow = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person, purpose="Plaie")
    in_a_week = appointment_book(actor=world.gp, slot=world.slots[4], person=world.person)
    cancelled = appointment_book(actor=world.gp, slot=world.slots[1], person=world.person)
    appointment_cancel(actor=world.gp, appointment=cancelled, reason="Annulé")
    Notification.objects.all().delete()
    assert appointment_reminders_send() == 1
    assert appointment_reminders_send() == 0
    call_command("agenda_reminders")
    notices = Notification.objects.filter(kind="agenda.reminder")
    assert sorted(n.recipient_id for n in notices) == sorted([world.nurse.user.pk, world.gp.user.pk])
    assert all("A. M." in n.subject and "Morvan" not in n.body and "Plaie" not in n.body for n in notices)
    assert Appointment.objects.get(pk=tomorrow.pk).reminder_sent_at is not None
    assert Appointment.objects.get(pk=in_a_week.pk).reminder_sent_at is None
    # A week later, the second appointment is reminded.
    assert appointment_reminders_send(now=timezone.now() + timedelta(days=7)) == 1


def test_ics_export_parses_back_with_stable_uids_and_initials_only(world, as_subject):
    world.agenda.label = "Infirmière; tournée, Saint-Malo\\Nord"
    world.agenda.save()
    booked = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person, purpose="Pansement ulcère")
    client = as_subject(world.subjects["health_care_team"])
    response = client.get("/agenda/mon-agenda.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    raw = response.content
    assert b"\r\n" in raw and b"X-WR-CALNAME:Infirmi\xc3\xa8re\\; tourn\xc3\xa9e\\, Saint-Malo\\\\Nord" in raw
    assert b"Morvan" not in raw and b"Annaig" not in raw and "ulcère".encode() not in raw
    calendar = Calendar.from_ical(raw)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == len(world.slots)
    mine = events[f"relais-slot-{world.slots[0].pk}@testserver"]
    assert str(mine["SUMMARY"]) == "Téléconsultation : A. M."
    assert str(mine["URL"]).endswith(f"/agenda/rendez-vous/{booked.pk}/")
    assert mine.decoded("DTSTART") == world.slots[0].start
    assert str(mine["LOCATION"]).startswith("https://visio")
    assert str(events[f"relais-slot-{world.slots[1].pk}@testserver"]["SUMMARY"]) == "Téléconsultation : créneau libre"
    assert client.get("/agenda/mon-agenda.ics").content.count(b"UID:") == len(world.slots)  # same UIDs again
    assert AccessLogEntry.objects.filter(detail__contains="iCalendar", subject=f"persons.person:{world.person.pk}")


def test_ics_shows_a_busy_slot_without_the_person_once_the_holder_may_no_longer_read(world, as_subject):
    from relais.pathway.circle.services import objection_record

    appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    objection_record(
        actor=world.referent, person=world.person, expressed_by="la personne", member=world.members["nurse"]
    )
    raw = as_subject(world.subjects["health_care_team"]).get("/agenda/mon-agenda.ics").content
    assert b"A. M." not in raw and "Téléconsultation : réservé".encode() in raw


def test_text_escaping_round_trips_through_a_parser():
    from icalendar import Event

    from relais.agenda.ics import Text

    value = "Visite; étage 2, porte B\\Nord\nSonner deux fois " + "é" * 60
    event = Event()
    event.add("summary", Text(value))
    raw = event.to_ical()
    assert b"\\;" in raw and b"\\," in raw and b"\\\\Nord" in raw and b"\\n" in raw
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded (RFC 5545, 3.1)
    assert str(Event.from_ical(raw)["SUMMARY"]) == value
