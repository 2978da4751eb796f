"""Agenda services: openings generate slots, teleconsultation links, booking under the circle policy, no double
booking, cancellation with a reason, rescheduling, all traced in the person's access history."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from relais.agenda.models import Appointment, AppointmentStatus, Slot, SlotKind
from relais.agenda.services import (
    PARIS,
    agenda_create,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    opening_create,
    slot_create,
)
from relais.audit.models import AccessLogEntry
from relais.notifications.models import Notification
from relais.pathway.circle.services import objection_record

from .conftest import VIDEO


def test_a_weekly_opening_generates_slots_in_paris_time(world):
    assert len(world.slots) == 2 * 4  # two weeks, four 30-minute slots between 9:00 and 11:00
    first = timezone.localtime(world.slots[0].start, PARIS)
    assert (first.date(), first.time()) == (timezone.localdate() + timedelta(days=1), time(9, 0))
    assert {s.kind for s in world.slots} == {SlotKind.TELECONSULTATION}
    assert {s.video_link for s in world.slots} == {VIDEO}
    assert {timezone.localtime(s.end, PARIS).time() for s in world.slots} == {
        time(9, 30),
        time(10),
        time(10, 30),
        time(11),
    }


def test_an_opening_does_not_duplicate_existing_slots(world):
    before = Slot.objects.count()
    tomorrow = timezone.localdate() + timedelta(days=1)
    opening_create(
        actor=world.nurse,
        agenda=world.agenda,
        weekday=tomorrow.weekday(),
        start_time=time(10, 0),
        end_time=time(12, 0),
        duration_minutes=30,
        kind=SlotKind.HOME_VISIT,
        first_day=tomorrow,
        last_day=tomorrow,
    )
    assert Slot.objects.count() == before + 2  # 10:00 and 10:30 existed already


@pytest.mark.parametrize("link", ["", "http://visio.exemple.test/salle", "javascript:alert(1)", "https://"])
def test_a_teleconsultation_needs_an_https_video_link(world, link):
    with pytest.raises(ValidationError) as error:
        slot_create(
            actor=world.nurse,
            agenda=world.agenda,
            start=datetime.combine(timezone.localdate() + timedelta(days=3), time(15), tzinfo=PARIS),
            duration_minutes=20,
            kind=SlotKind.TELECONSULTATION,
            video_link=link,
        )
    assert "video_link" in error.value.message_dict


def test_only_the_holder_manages_an_agenda(world):
    with pytest.raises(PermissionDenied):
        slot_create(
            actor=world.gp,
            agenda=world.agenda,
            start=timezone.now() + timedelta(days=2),
            duration_minutes=20,
            kind=SlotKind.IN_PERSON,
        )


def test_the_gp_books_a_teleconsultation_with_the_nurse_and_it_is_traced(world):
    appointment = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person, purpose="Suivi")
    assert appointment.status == AppointmentStatus.BOOKED and appointment.booked_by_user == world.gp.user
    assert appointment.booked_by == world.gp.public_label and "@" not in appointment.booked_by  # decision 0054
    entry = AccessLogEntry.objects.filter(object_type="agenda.appointment", action="create").latest("id")
    assert entry.subject == f"persons.person:{world.person.pk}" and entry.ground == "consent"
    assert "téléconsultation" in entry.detail


@pytest.mark.parametrize("key", ["outsider", "analyst", "other_consent", "carer"])
def test_who_may_not_write_the_plan_may_not_book(world, key):
    with pytest.raises(PermissionDenied):
        appointment_book(actor=world.subjects[key].actor, slot=world.slots[0], person=world.person)
    assert not Appointment.objects.exists()


def test_the_agenda_must_belong_to_the_circle(world):
    outsider_agenda = agenda_create(actor=world.subjects["outsider"].actor)
    slot = slot_create(
        actor=world.subjects["outsider"].actor,
        agenda=outsider_agenda,
        start=timezone.now() + timedelta(days=2),
        duration_minutes=30,
        kind=SlotKind.IN_PERSON,
    )
    with pytest.raises(ValidationError, match="cercle de soins"):
        appointment_book(actor=world.gp, slot=slot, person=world.person)
    objection_record(
        actor=world.referent, person=world.person, expressed_by="la personne", member=world.members["nurse"]
    )
    with pytest.raises(ValidationError, match="cercle de soins"):
        appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)


def test_a_slot_is_booked_once(world):
    appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    with pytest.raises(ValidationError, match="déjà réservé"):
        appointment_book(actor=world.referent, slot=world.slots[0], person=world.person)
    assert Appointment.objects.filter(status="booked").count() == 1


def test_the_database_refuses_a_second_booking_of_a_slot(world):
    first = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(slot=first.slot, person=world.person, booked_by="contournement")


def test_cancellation_needs_a_reason_and_frees_the_slot(world):
    appointment = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    with pytest.raises(ValidationError, match="motif"):
        appointment_cancel(actor=world.gp, appointment=appointment, reason="  ")
    appointment_cancel(actor=world.gp, appointment=appointment, reason="Hospitalisation")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "Hospitalisation")
    assert appointment.cancelled_by == world.gp.public_label  # shown to the agenda's holder: no e-mail (0054)
    # The nurse (agenda holder) is told, by initials only, and the slot can be booked again.
    notice = Notification.objects.get(kind="agenda.appointment_cancelled", recipient=world.nurse.user)
    assert "A. M." in notice.subject and "Morvan" not in notice.body and notice.link.startswith("/agenda/")
    assert appointment_book(actor=world.gp, slot=world.slots[0], person=world.person).status == "booked"
    cancelled = AccessLogEntry.objects.filter(object_type="agenda.appointment", detail__startswith="annulation")
    assert cancelled.exists()
    assert not cancelled.filter(detail__contains="Hospitalisation").exists()  # free text stays off the access history


def test_the_holder_may_cancel_but_an_outsider_may_not(world):
    appointment = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    with pytest.raises(PermissionDenied):
        appointment_cancel(actor=world.subjects["outsider"].actor, appointment=appointment, reason="Non")
    appointment_cancel(actor=world.nurse, appointment=appointment, reason="Congés")
    told = set(Notification.objects.filter(kind="agenda.appointment_cancelled").values_list("recipient", flat=True))
    assert world.gp.user.pk in told and world.nurse.user.pk not in told  # the author is not told of their own act


def test_rescheduling_moves_to_another_free_slot(world):
    old = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person, purpose="Suivi")
    new = appointment_reschedule(actor=world.gp, appointment=old, slot=world.slots[1], reason="Retard")
    old.refresh_from_db()
    assert (old.status, old.rescheduled_to, old.cancel_reason) == ("rescheduled", new, "Retard")
    assert (new.slot, new.purpose, new.status) == (world.slots[1], "Suivi", "booked")
    moved = Notification.objects.get(kind="agenda.appointment_cancelled", recipient=world.nurse.user)
    assert moved.subject.startswith("Rendez-vous déplacé") and moved.link == f"/agenda/rendez-vous/{new.pk}/"
    other = appointment_book(actor=world.gp, slot=world.slots[2], person=world.person)
    with pytest.raises(ValidationError, match="déjà réservé"):
        appointment_reschedule(actor=world.gp, appointment=new, slot=other.slot)
    new.refresh_from_db()
    assert new.status == "booked"  # nothing half-written


def test_a_past_slot_cannot_be_booked(world):
    past = Slot.objects.create(
        agenda=world.agenda,
        start=timezone.now() - timedelta(hours=2),
        end=timezone.now() - timedelta(hours=1),
        kind=SlotKind.IN_PERSON,
    )
    with pytest.raises(ValidationError, match="passé"):
        appointment_book(actor=world.gp, slot=past, person=world.person)


def test_booking_tells_the_nurse_once_and_nobody_outside_the_circle(world):
    appointment = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person, purpose="Plaie")
    notices = Notification.objects.filter(kind="agenda.appointment_booked")
    recipients = [n.recipient_id for n in notices]
    assert recipients.count(world.nurse.user.pk) == 1 and world.gp.user.pk not in recipients
    assert world.subjects["outsider"].user.pk not in recipients
    assert all("Plaie" not in n.body + n.subject and "Morvan" not in n.body + n.subject for n in notices)
    # A participant the person objected to is told nothing of a cancellation.
    objection_record(
        actor=world.referent, person=world.person, expressed_by="la personne", member=world.members["nurse"]
    )
    appointment_cancel(actor=world.gp, appointment=appointment, reason="Empêchement")
    assert not Notification.objects.filter(kind="agenda.appointment_cancelled", recipient=world.nurse.user).exists()


def test_an_organisation_agenda_is_bookable_when_the_organisation_is_in_the_circle(world):
    from relais.accounts.actor import Actor
    from relais.accounts.roles import Role

    director = Actor(organisation=world.organisations.ssiad, role=Role.DIRECTOR, user=world.nurse.user)
    shared = agenda_create(actor=director, for_organisation=True, label="SSIAD : visites")
    assert shared.owner is None
    with pytest.raises(PermissionDenied):
        agenda_create(actor=world.nurse, for_organisation=True)
    slot = slot_create(
        actor=director, agenda=shared, start=timezone.now() + timedelta(days=2), duration_minutes=45, kind="home_visit"
    )
    with pytest.raises(PermissionDenied):  # the nurse manages her own agenda, not the organisation's
        slot_create(actor=world.nurse, agenda=shared, start=slot.end, duration_minutes=45, kind="home_visit")
    assert appointment_book(actor=world.referent, slot=slot, person=world.person).status == "booked"
    practice_agenda = agenda_create(
        actor=Actor(organisation=world.organisations.ars, role=Role.ADMIN, user=world.nurse.user), for_organisation=True
    )
    ars_slot = Slot.objects.create(
        agenda=practice_agenda, start=slot.end, end=slot.end + timedelta(minutes=30), kind="in_person"
    )
    with pytest.raises(ValidationError, match="cercle de soins"):
        appointment_book(actor=world.referent, slot=ars_slot, person=world.person)


def test_the_holder_may_free_their_time_after_an_objection_and_it_says_so(world):
    appointment = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    objection_record(
        actor=world.referent, person=world.person, expressed_by="la personne", member=world.members["nurse"]
    )
    appointment_cancel(actor=world.nurse, appointment=appointment, reason="Indisponible")
    entry = AccessLogEntry.objects.filter(object_type="agenda.appointment", action="update").latest("id")
    assert entry.ground == "agenda_holder" and entry.detail.startswith("annulation")


def test_a_rolled_back_booking_sends_no_email_and_a_committed_one_does(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        appointment_book(actor=world.gp, slot=world.slots[0], person=world.person, purpose="Suivi")
        raise RuntimeError("a later step of the same write fails")
    assert mailoutbox == [] and not Appointment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(actor=world.gp, slot=world.slots[0], person=world.person, purpose="Suivi")
    emailed = {n.recipient.email for n in Notification.objects.filter(emailed_at__isnull=False)}
    assert world.nurse.user.email in emailed and sorted(m.to[0] for m in mailoutbox) == sorted(emailed)
