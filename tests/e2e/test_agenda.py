"""In a real browser, the appointments of issue #6: "the GP books a teleconsultation slot with the nurse". The nurse
(a SSIAD) opens weekly teleconsultation slots in her agenda; the GP (a medical practice) of the same care circle books
one for the person from the booking page; the nurse sees it in her week and the video link on the appointment; a
nurse of the same SSIAD outside the circle gets a 404; the GP cancels with a reason. Real CSP, axe-core on each screen.
"""

from datetime import timedelta
from functools import partial
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.agenda.models import Appointment
from relais.audit.models import AccessLogEntry
from relais.pathway import matrix as m
from relais.pathway.circle.models import Ground
from relais.pathway.circle.services import circle_professional_add, record_open
from relais.persons.services import person_create

from .people import PASSWORD, accessible, browser_page, professional
from .test_browser import log_in

pytestmark = [pytest.mark.e2e]
VIDEO = "https://visio.exemple.test/salle/guillou"


@pytest.fixture
def circle(transactional_db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    dac = organisation_create(kind=OrganisationKind.DAC, name="DAC Pays de Rance")
    practice = organisation_create(kind=OrganisationKind.HEALTH_PRACTICE, name="Cabinet médical du Port")
    ssiad = organisation_create(kind=OrganisationKind.ESMS, name="SSIAD Côte d'Émeraude")

    member = partial(professional, domain="agenda.test")

    coordinator = member(dac, Role.COORDINATOR, "Lou", "Kerjean", "coordination_staff")
    gp = member(practice, Role.CARE_PROFESSIONAL, "Charlie", "Le Bris", "physician")
    nurse = member(ssiad, Role.CARE_PROFESSIONAL, "Eden", "Guillou", "nurse")
    outsider = member(ssiad, Role.CARE_PROFESSIONAL, "Maël", "Tanguy", "nurse")
    person = person_create(
        actor=coordinator.actor,
        ground="test",
        family_name="Le Goff",
        first_names="Maïwenn",
        birth_date=timezone.localdate().replace(year=1938),
        sex="F",
    )
    record_open(actor=coordinator.actor, person=person)
    circle_professional_add(
        actor=coordinator.actor,
        person=person,
        user=gp.user,
        organisation=practice,
        ground=Ground.CONSENT,
        consent={"scope": [m.IDENTITY, m.MEDICAL, m.PLAN], "method": "written", "given_by": "la personne"},
    )
    circle_professional_add(
        actor=coordinator.actor,
        person=person,
        user=nurse.user,
        organisation=ssiad,
        ground=Ground.CARE_TEAM,
        informed_at=timezone.now() - timedelta(days=3),
    )
    return SimpleNamespace(coordinator=coordinator, gp=gp, nurse=nurse, outsider=outsider, person=person)


def test_the_gp_books_a_teleconsultation_slot_with_the_nurse(make_context, circle, screenshots):
    day = timezone.localdate() + timedelta(days=2)
    book_path = f"/agenda/personnes/{circle.person.pk}/reserver/"

    # The nurse creates her agenda and opens teleconsultations on that weekday, 9:00-10:00, 30 minutes.
    nurse_page, nurse_errors = browser_page(make_context)
    log_in(nurse_page, circle.nurse, PASSWORD)
    nurse_page.goto("/agenda/")
    nurse_page.get_by_role("button", name="Créer mon agenda").click()
    expect(nurse_page.locator(".messages")).to_contain_text("Votre agenda est créé.")
    form = nurse_page.locator("form[action$='/ouvertures/']")
    form.get_by_label("Jour").select_option(str(day.weekday()))
    form.get_by_label("De", exact=True).fill("09:00")
    form.get_by_label("À", exact=True).fill("10:00")
    form.get_by_label("Durée d'un créneau (minutes)").fill("30")
    form.get_by_label("Type").select_option("teleconsultation")
    form.get_by_label("Lien de visioconférence (https)").fill(VIDEO)
    form.get_by_label("À partir du").fill(day.isoformat())
    form.get_by_label("Jusqu'au").fill(day.isoformat())
    form.get_by_role("button", name="Créer les créneaux").click()
    expect(nurse_page.locator(".messages")).to_contain_text("L'ouverture et ses créneaux sont créés.")
    expect(nurse_page.locator(".agenda-free")).to_have_count(2)

    # The GP opens the booking page of the person and books the 9:00 teleconsultation.
    gp_page, gp_errors = browser_page(make_context)
    log_in(gp_page, circle.gp, PASSWORD)
    gp_page.goto(book_path)
    expect(gp_page.get_by_role("heading", level=1)).to_have_text("Prendre rendez-vous pour LE GOFF Maïwenn")
    expect(gp_page.get_by_role("heading", level=2)).to_contain_text("Eden Guillou")
    gp_page.get_by_label(f"Objet du rendez-vous du {day:%d/%m/%Y} 09:00").fill("Suivi du pansement")
    gp_page.get_by_role("button", name=f"Réserver le {day:%d/%m} 09:00").click()
    expect(gp_page.locator(".messages")).to_contain_text("Le rendez-vous est réservé.")
    expect(gp_page.get_by_role("heading", level=1)).to_have_text("Mes rendez-vous")
    expect(gp_page.locator("tbody")).to_contain_text("Téléconsultation")
    gp_page.screenshot(path=str(screenshots / "agenda-gp-appointments.png"), full_page=True)
    appointment = Appointment.objects.get()

    # The nurse sees it in her week, and the video link on the appointment.
    nurse_page.goto(f"/agenda/?semaine={day.isoformat()}")
    expect(nurse_page.locator(".agenda-booked")).to_contain_text("LE GOFF Maïwenn")
    nurse_page.screenshot(path=str(screenshots / "agenda-nurse-week.png"), full_page=True)
    nurse_page.get_by_role("link", name="LE GOFF Maïwenn").click()
    expect(nurse_page.get_by_role("link", name=VIDEO)).to_be_visible()

    # Outside the circle: 404, and nothing of the person.
    outsider_page, outsider_errors = browser_page(make_context)
    log_in(outsider_page, circle.outsider, PASSWORD)
    for path in (book_path, f"/agenda/rendez-vous/{appointment.pk}/"):
        assert outsider_page.goto(path).status == 404, path
    outsider_page.goto("/agenda/rendez-vous/")
    expect(outsider_page.locator("main")).not_to_contain_text("Le Goff")

    # The GP cancels, a reason is required.
    gp_page.goto(f"/agenda/rendez-vous/{appointment.pk}/")
    gp_page.get_by_label("Motif d'annulation").fill("La personne est hospitalisée")
    gp_page.get_by_role("button", name="Annuler le rendez-vous").click()
    expect(gp_page.locator(".messages")).to_contain_text("Le rendez-vous est annulé.")
    expect(gp_page.locator("main")).to_contain_text("motif : La personne est hospitalisée")

    # All of it is in the person's access history.
    details = set(
        AccessLogEntry.objects.filter(subject=f"persons.person:{circle.person.pk}").values_list("detail", flat=True)
    )
    assert any(d.startswith("rendez-vous téléconsultation") for d in details)
    assert any(d.startswith("annulation du rendez-vous") for d in details)

    for p, errs in ((gp_page, gp_errors), (nurse_page, nurse_errors), (outsider_page, outsider_errors)):
        assert p.evaluate("window.__cspViolations || []") == []
        assert [e for e in errs if "status of 404" not in e] == []

    accessible(make_context, book_path, circle.gp)
    accessible(make_context, f"/agenda/rendez-vous/{appointment.pk}/", circle.gp)
    accessible(make_context, f"/agenda/?semaine={day.isoformat()}", circle.nurse)
    accessible(make_context, "/agenda/rendez-vous/", circle.nurse)
