"""Dates that make sense in the agenda and local time where the organisation lives (issue 12 items 5 and 8, decision
0034): no slot in the past, no overlap per professional or per person; overseas agendas in their own zone."""

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from icalendar import Calendar

from relais.accounts.actor import Actor
from relais.accounts.middleware import OrganisationTimezoneMiddleware
from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import membership_add, organisation_create
from relais.agenda.models import Appointment, SlotKind
from relais.agenda.reminders import appointment_reminders_send
from relais.agenda.services import (
    agenda_create,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    opening_create,
    slot_create,
)
from relais.notifications.models import Notification
from relais.territory.models import Departement, Region
from relais.territory.timezones import PARIS, local_today, organisation_zone, zone_for_departement
from tests.pathway.fhir.circle import build_circle

REUNION, MARTINIQUE = ZoneInfo("Indian/Reunion"), ZoneInfo("America/Martinique")


def _messages(error, field: str) -> str:
    return " ".join(error.value.message_dict[field])


def _at(day, hour, minute=0, zone=PARIS):
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def overseas(organisation, code: str, region: str) -> None:
    """Place an organisation in an overseas département (the demo territory is metropolitan)."""
    Region.objects.get_or_create(code=region, defaults={"name": f"Région {region}"})
    Departement.objects.get_or_create(code=code, defaults={"name": f"Département {code}", "region_id": region})
    organisation.departement_id = code
    organisation.save(update_fields=["departement"])


def test_the_zone_comes_from_the_departement_commune_or_region():
    assert zone_for_departement("974") == REUNION and zone_for_departement("972") == MARTINIQUE
    assert str(zone_for_departement("973").key) == "America/Cayenne" and str(zone_for_departement("976").key) == (
        "Indian/Mayotte"
    )
    assert zone_for_departement("971").key == "America/Guadeloupe" and zone_for_departement("2A") == PARIS
    assert organisation_zone(Actor(organisation=None, role="", user=None).organisation) == PARIS

    class Org:
        departement_id, commune_id, region_id = None, "97411", None

    assert organisation_zone(Org()) == REUNION
    Org.commune_id, Org.region_id = None, "02"
    assert organisation_zone(Org()) == MARTINIQUE
    Org.region_id = "53"
    assert organisation_zone(Org()) == PARIS


# --- Item 5: no slot in the past, no overlap -------------------------------------------------------------------


def test_no_slot_in_the_past(world):
    nurse, agenda = world.nurse, world.agenda
    with pytest.raises(ValidationError) as error:
        slot_create(
            actor=nurse, agenda=agenda, start=timezone.now() - timedelta(hours=1), duration_minutes=30, kind="in_person"
        )
    assert "« Début »" in _messages(error, "start") and "passé" in _messages(error, "start")
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        opening_create(
            actor=nurse,
            agenda=agenda,
            weekday=today.weekday(),
            start_time=time(0, 0),
            end_time=time(23, 30),
            duration_minutes=30,
            kind=SlotKind.IN_PERSON,
            first_day=today - timedelta(days=1),
            last_day=today,
        )
    assert "« À partir du »" in _messages(error, "first_day")
    opening = opening_create(
        actor=nurse,
        agenda=agenda,
        weekday=today.weekday(),
        start_time=time(0, 0),
        end_time=time(23, 30),
        duration_minutes=30,
        kind=SlotKind.IN_PERSON,
        first_day=today,
        last_day=today,
    )
    assert opening.created_slots + opening.skipped_slots == 47
    assert all(slot.start > timezone.now() for slot in opening.slots.all())


def test_slots_of_one_professional_never_overlap_across_agendas(world):
    nurse, first = world.nurse, world.slots[0]  # tomorrow 9:00-9:30, then every 30 min to 11:00
    tomorrow = timezone.localdate(first.start)
    with pytest.raises(ValidationError) as error:
        slot_create(actor=nurse, agenda=world.agenda, start=_at(tomorrow, 9, 15), duration_minutes=30, kind="in_person")
    assert "chevauche celui du" in _messages(error, "start") and "09:00–09:30" in _messages(error, "start")
    assert slot_create(actor=nurse, agenda=world.agenda, start=_at(tomorrow, 11), duration_minutes=30, kind="in_person")
    # The same nurse also works for another organisation: her other agenda may not overlap the first.
    other = organisation_create(kind=OrganisationKind.ESMS, name="EHPAD des Goélands")
    membership_add(actor=None, organisation=other, user=nurse.user, role=Role.CARE_PROFESSIONAL)
    elsewhere = Actor(organisation=other, role=Role.CARE_PROFESSIONAL, user=nurse.user)
    second = agenda_create(actor=elsewhere)
    with pytest.raises(ValidationError):
        slot_create(actor=elsewhere, agenda=second, start=_at(tomorrow, 10), duration_minutes=30, kind="in_person")
    opening = opening_create(
        actor=elsewhere,
        agenda=second,
        weekday=tomorrow.weekday(),
        start_time=time(8, 0),
        end_time=time(12, 30),
        duration_minutes=30,
        kind=SlotKind.IN_PERSON,
        first_day=tomorrow,
        last_day=tomorrow,
    )
    starts = sorted(timezone.localtime(s.start).time() for s in opening.slots.all())
    assert starts == [time(8), time(8, 30), time(11, 30), time(12)]  # 9:00-11:00 and 11:00-11:30 are taken
    assert opening.skipped_slots == 5


def test_a_person_never_has_two_overlapping_appointments(world):
    gp, tomorrow = world.gp, timezone.localdate(world.slots[0].start)
    first = appointment_book(actor=gp, slot=world.slots[0], person=world.person)  # 9:00-9:30 with the nurse
    gp_agenda = agenda_create(actor=gp)
    overlapping = slot_create(
        actor=gp, agenda=gp_agenda, start=_at(tomorrow, 9, 15), duration_minutes=30, kind="in_person"
    )
    with pytest.raises(ValidationError) as error:
        appointment_book(actor=gp, slot=overlapping, person=world.person)
    assert "La personne a déjà un rendez-vous qui chevauche ce créneau" in _messages(error, "slot")
    assert not Appointment.objects.filter(slot=overlapping).exists()
    later = slot_create(actor=gp, agenda=gp_agenda, start=_at(tomorrow, 9, 45), duration_minutes=30, kind="in_person")
    assert appointment_book(actor=gp, slot=later, person=world.person).pk  # 9:45 with the GP: no overlap
    appointment_cancel(actor=gp, appointment=first, reason="Empêchement")
    moved = appointment_book(actor=gp, slot=overlapping, person=world.person)
    # Moving an appointment over its own former time is not an overlap: the old one no longer counts.
    new = appointment_reschedule(actor=gp, appointment=moved, slot=world.slots[0])
    assert new.slot == world.slots[0] and Appointment.objects.get(pk=moved.pk).status == "rescheduled"


# --- Item 8: local time where the organisation lives ------------------------------------------------------------


@pytest.fixture
def reunion(db):
    """The synthetic circle, its SSIAD in La Réunion (974), the nurse's agenda: 9:00-11:00 local, tomorrow there."""
    world = build_circle()
    overseas(world.organisations.ssiad, "974", "04")
    world.nurse = world.subjects["health_care_team"].actor
    world.gp = world.subjects["health_consent"].actor
    world.agenda = agenda_create(actor=world.nurse)
    world.tomorrow = local_today(REUNION) + timedelta(days=1)
    opening_create(
        actor=world.nurse,
        agenda=world.agenda,
        weekday=world.tomorrow.weekday(),
        start_time=time(9, 0),
        end_time=time(11, 0),
        duration_minutes=30,
        kind=SlotKind.TELECONSULTATION,
        video_link="https://visio.exemple.test/salle/reunion",
        first_day=world.tomorrow,
        last_day=world.tomorrow,
    )
    world.slots = list(world.agenda.slots.order_by("start"))
    return world


def test_an_agenda_in_la_reunion_opens_slots_at_local_wall_clock_time(reunion):
    assert reunion.agenda.zone == REUNION and reunion.agenda.zone_label == "heure de La Réunion"
    first = reunion.slots[0]
    assert first.start.astimezone(UTC).time() == time(5, 0)  # UTC+4 all year round
    assert timezone.localtime(first.start, REUNION) == _at(reunion.tomorrow, 9, zone=REUNION)


def test_a_reunion_organisation_sees_today_and_times_in_indian_reunion(reunion, client, settings):
    settings.RELAIS_REQUIRE_2FA = False
    seen = {}

    def view(request):
        seen["zone"], seen["today"] = timezone.get_current_timezone_name(), timezone.localdate()
        return HttpResponse()

    for actor, zone in ((reunion.nurse, "Indian/Reunion"), (reunion.referent, "Europe/Paris")):
        request = RequestFactory().get("/")
        request.user, request.actor = actor.user, actor
        OrganisationTimezoneMiddleware(view)(request)
        assert seen["zone"] == zone and seen["today"] == local_today(ZoneInfo(zone))
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE  # deactivated after the request

    client.force_login(reunion.nurse.user)
    page = client.get("/agenda/", {"semaine": reunion.tomorrow.isoformat()}).content.decode()
    assert ">09:00</time>–09:30" in page and ">05:00</time>" not in page and ">06:00</time>" not in page
    # A time typed in the form is a Réunion wall-clock time.
    day = reunion.tomorrow + timedelta(days=1)
    client.post("/agenda/creneaux/", {"start": f"{day.isoformat()}T14:00", "duration_minutes": 30, "kind": "in_person"})
    created = reunion.agenda.slots.get(start__date=day)
    assert created.start.astimezone(UTC).time() == time(10, 0)
    appointment = appointment_book(actor=reunion.gp, slot=reunion.slots[0], person=reunion.person)
    client.force_login(reunion.gp.user)  # the GP's practice is in Paris: the appointment keeps its place's time
    detail = client.get(f"/agenda/rendez-vous/{appointment.pk}/").content.decode()
    assert "à 09:00 (heure de La Réunion)" in detail


def test_notices_name_the_local_time_of_the_appointment_and_paris_stays_unchanged(reunion, world):
    appointment_book(actor=reunion.gp, slot=reunion.slots[0], person=reunion.person)
    notice = Notification.objects.filter(recipient=reunion.nurse.user, kind="agenda.appointment_booked").get()
    assert f"{reunion.tomorrow:%d/%m/%Y} à 09:00 (heure de La Réunion)" in notice.body
    appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    paris = Notification.objects.filter(recipient=world.nurse.user, kind="agenda.appointment_booked").get()
    assert f"{timezone.localdate(world.slots[0].start):%d/%m/%Y} à 09:00" in paris.body and "(heure" not in paris.body


def test_ics_and_fhir_carry_the_instant_and_the_zone(reunion, client):
    client.force_login(reunion.nurse.user)
    raw = client.get("/agenda/mon-agenda.ics").content
    assert b"X-WR-TIMEZONE:Indian/Reunion" in raw
    event = next(
        e
        for e in Calendar.from_ical(raw).walk("VEVENT")
        if str(e["UID"]).startswith(f"relais-slot-{reunion.slots[0].pk}@")
    )
    assert f"DTSTART:{reunion.tomorrow:%Y%m%d}T050000Z".encode() in event.to_ical()
    slot = json.loads(client.get(f"/fhir/Slot/{reunion.slots[0].pk}").content)
    assert slot["start"] == f"{reunion.tomorrow.isoformat()}T09:00:00+04:00"


def test_a_reminder_for_martinique_is_computed_in_martinique(db):
    world = build_circle()
    overseas(world.organisations.ssiad, "972", "02")
    nurse, gp = world.subjects["health_care_team"].actor, world.subjects["health_consent"].actor
    agenda = agenda_create(actor=nurse)
    day = local_today(MARTINIQUE) + timedelta(days=3)
    # 20:00 in Martinique is already the next day in Paris (UTC-4 against UTC+1/+2).
    slot = slot_create(
        actor=nurse, agenda=agenda, start=datetime.combine(day, time(20, 0)), duration_minutes=30, kind="home_visit"
    )
    assert timezone.localtime(slot.start, PARIS).date() == day + timedelta(days=1)
    appointment = appointment_book(actor=gp, slot=slot, person=world.person)
    Notification.objects.all().delete()
    two_days_before = _at(day - timedelta(days=2), 18)  # the job's 18:00 Paris, two local days before: not yet
    assert appointment_reminders_send(now=two_days_before) == 0
    the_day_before = _at(day - timedelta(days=1), 18)  # 18:00 Paris = 12:00 or 13:00 in Martinique, the day before
    assert appointment_reminders_send(now=the_day_before) == 1
    reminder = Notification.objects.filter(kind="agenda.reminder", recipient=nurse.user).get()
    assert f"{day:%d/%m/%Y} à 20:00 (heure de la Martinique)" in reminder.body
    assert Appointment.objects.get(pk=appointment.pk).reminder_sent_at == the_day_before


def test_the_opening_screen_says_how_many_slots_were_not_created(world, client):
    client.force_login(world.nurse.user)
    tomorrow = timezone.localdate(world.slots[0].start)
    opening = {
        "weekday": tomorrow.weekday(),
        "start_time": "08:00",
        "end_time": "10:00",
        "duration_minutes": 30,
        "kind": "in_person",
        "first_day": tomorrow.isoformat(),
        "last_day": tomorrow.isoformat(),
    }
    page = client.post("/agenda/ouvertures/", opening, follow=True).content.decode()
    assert "2 créneau(x) non créé(s)" in page and "L&#x27;ouverture et ses créneaux sont créés." in page
    opening["first_day"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = client.post("/agenda/ouvertures/", opening, follow=True).content.decode()
    assert "« À partir du » ne peut précéder aujourd&#x27;hui" in page


def test_the_morning_jobs_run_when_every_french_zone_shares_the_paris_date():
    """Why the schedule may stay in Paris time: at 06:15-07:00 in Paris, every overseas zone is on the same date (the
    Antilles at 00:15-02:00, La Réunion at 08:15-10:00), whatever the daylight-saving period (decision 0034)."""
    from relais.jobs.schedule import JOBS_BY_COMMAND
    from relais.territory.timezones import OVERSEAS

    morning = ["orientation_tick", "pathway_tick", "notifications_digest", "offer_capacity_reminders"]
    zones = [ZoneInfo(key) for key, _label in OVERSEAS.values()]
    first = datetime(2027, 1, 1).date()
    for offset in range(0, 365, 3):
        day = first + timedelta(days=offset)
        for job in (JOBS_BY_COMMAND[name] for name in morning):
            at = _at(day, job.hour, job.minute)
            assert all(local_today(zone, at) == day for zone in zones), (job.command, day)


def test_a_time_typed_in_la_reunion_is_a_reunion_time(reunion, client):
    """Half an hour ago in Saint-Denis is two or three hours ahead of Paris: read in Paris time, it would be refused
    as a date in the future (issue 12 items 5 and 8 together)."""
    from django.urls import reverse

    from relais.pathway.record.models import TimelineEvent

    client.force_login(reunion.nurse.user)
    typed = (timezone.localtime(timezone.now(), REUNION) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("pathway:event_add", args=[reunion.record.pk])
    data = {"kind": "note", "category": "social", "occurred_at": typed, "title": "Appel du voisin"}
    client.post(url, data)
    event = TimelineEvent.objects.get(title="Appel du voisin")
    assert timezone.localtime(event.occurred_at, REUNION).strftime("%Y-%m-%dT%H:%M") == typed
    ahead = (timezone.localtime(timezone.now(), REUNION) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    page = client.post(url, {**data, "occurred_at": ahead, "title": "Trop tôt"}, follow=True).content.decode()
    assert "ne peut pas être dans le futur" in page and not TimelineEvent.objects.filter(title="Trop tôt").exists()
