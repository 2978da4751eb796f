"""Agenda screens: create an agenda and openings, book for a person from the circle, my appointments, cancel, move;
404 for whoever is outside the circle, French messages naming the field on bad input."""

from datetime import timedelta

from django.contrib.messages import get_messages
from django.utils import timezone

from relais.agenda.models import Agenda, Appointment
from relais.agenda.services import agenda_create, appointment_book, slot_create
from relais.audit.models import AccessLogEntry


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_professional_creates_an_agenda_and_weekly_teleconsultations(world, as_subject):
    client = as_subject(world.subjects["social_care_team"])
    assert "Vous n'avez pas encore d'agenda" in client.get("/agenda/").content.decode()
    client.post("/agenda/creer/", {"label": ""})
    agenda = Agenda.objects.get(owner=world.subjects["social_care_team"].user)
    day = timezone.localdate() + timedelta(days=2)
    opening = {
        "weekday": day.weekday(),
        "start_time": "14:00",
        "end_time": "15:00",
        "duration_minutes": 20,
        "kind": "teleconsultation",
        "video_link": "http://visio.exemple.test/x",
        "first_day": day.isoformat(),
        "last_day": day.isoformat(),
    }
    response = client.post("/agenda/ouvertures/", opening)
    assert any("Lien de visioconférence invalide" in text for text in _messages(response))
    assert not agenda.slots.exists()
    opening["video_link"] = "https://visio.exemple.test/x"
    response = client.post("/agenda/ouvertures/", opening, follow=True)
    assert agenda.slots.count() == 3
    page = response.content.decode()
    assert '<th scope="col">' in page and "<caption>" in page and "14:40" in page and "Libre" in page


def test_the_gp_books_from_the_record_and_the_nurse_sees_it(world, as_subject):
    gp = as_subject(world.subjects["health_consent"])
    page = gp.get(f"/agenda/personnes/{world.person.pk}/reserver/")
    assert page.status_code == 200 and world.agenda.label in page.content.decode()
    response = gp.post(
        f"/agenda/personnes/{world.person.pk}/reserver/", {"slot": world.slots[0].pk, "purpose": "Suivi"}, follow=True
    )
    assert "Le rendez-vous est réservé." in response.content.decode()
    appointment = Appointment.objects.get()
    assert appointment.booked_by_user == world.gp.user
    nurse = as_subject(world.subjects["health_care_team"])
    week = nurse.get(f"/agenda/?semaine={world.slots[0].start.date().isoformat()}").content.decode()
    assert "MORVAN Annaïg Marie" in week
    detail = nurse.get(f"/agenda/rendez-vous/{appointment.pk}/").content.decode()
    assert "https://visio.exemple.test/salle/infirmiere-42" in detail
    assert AccessLogEntry.objects.filter(detail="agenda : rendez-vous", subject=f"persons.person:{world.person.pk}")


def test_outside_the_circle_everything_is_a_404(world, as_subject):
    appointment = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    client = as_subject(world.subjects["outsider"])
    assert client.get(f"/agenda/personnes/{world.person.pk}/reserver/").status_code == 404
    assert client.get("/agenda/personnes/999999/reserver/").status_code == 404
    assert client.get(f"/agenda/rendez-vous/{appointment.pk}/").status_code == 404
    assert client.post(f"/agenda/rendez-vous/{appointment.pk}/annuler/", {"reason": "x"}).status_code == 404
    response = client.post(f"/agenda/personnes/{world.person.pk}/reserver/", {"slot": world.slots[1].pk})
    assert response.status_code == 404 and Appointment.objects.count() == 1


def test_a_member_who_may_only_read_sees_slots_but_cannot_book(world, as_subject):
    client = as_subject(world.subjects["trusted_person"])
    page = client.get(f"/agenda/personnes/{world.person.pk}/reserver/").content.decode()
    assert "matrice de partage" in page and "Réserver le" not in page
    response = client.post(f"/agenda/personnes/{world.person.pk}/reserver/", {"slot": world.slots[0].pk})
    assert response.status_code == 302 and not Appointment.objects.exists()


def test_cancel_needs_a_reason_then_the_slot_is_free_again(world, as_subject):
    appointment = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    client = as_subject(world.subjects["health_consent"])
    response = client.post(f"/agenda/rendez-vous/{appointment.pk}/annuler/", {"reason": ""})
    assert any(text.startswith("Motif d'annulation :") for text in _messages(response))
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    client.post(f"/agenda/rendez-vous/{appointment.pk}/annuler/", {"reason": "La personne est hospitalisée"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert "Aucun rendez-vous à venir" in client.get("/agenda/rendez-vous/").content.decode()


def test_move_to_another_slot(world, as_subject):
    appointment = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    client = as_subject(world.subjects["health_consent"])
    response = client.post(f"/agenda/rendez-vous/{appointment.pk}/deplacer/", {"slot": world.slots[3].pk}, follow=True)
    new = Appointment.objects.get(status="booked")
    assert new.slot == world.slots[3] and response.redirect_chain[-1][0] == f"/agenda/rendez-vous/{new.pk}/"
    other = agenda_create(actor=world.referent)
    foreign = slot_create(
        actor=world.referent, agenda=other, start=world.slots[5].start, duration_minutes=30, kind="in_person"
    )
    assert client.post(f"/agenda/rendez-vous/{new.pk}/deplacer/", {"slot": foreign.pk}).status_code == 404
    assert "MORVAN" in client.get("/agenda/rendez-vous/").content.decode()


def test_the_week_shows_a_late_slot_too(world, as_subject):
    day = timezone.localdate() + timedelta(days=1)
    client = as_subject(world.subjects["health_care_team"])
    client.post(
        "/agenda/creneaux/",
        {"start": f"{day.isoformat()}T21:15", "duration_minutes": 30, "kind": "home_visit", "video_link": ""},
    )
    page = client.get(f"/agenda/?semaine={day.isoformat()}").content.decode()
    assert '<th scope="row">21 h</th>' in page and "21:15" in page and "Visite à domicile" in page
