"""In a real browser, issue 13 item 7: "a concertation creates plan actions". The coordinator (referent of the
circle) convenes the nurse and the GP from the person's record; after the meeting she records who attended, the
conclusions and one decision as an action of the shared plan, then sees it in the plan. Real CSP, no script needed,
axe-core on each screen, desktop and phone (390×844) screenshots.
"""

from datetime import timedelta
from functools import partial
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.agenda.meetings.models import Meeting
from relais.pathway import matrix as m
from relais.pathway.circle.models import Ground
from relais.pathway.circle.services import circle_professional_add, record_open
from relais.persons.services import person_create

from .people import PASSWORD, accessible, browser_page, professional
from .test_browser import log_in

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def circle(transactional_db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    dac = organisation_create(kind=OrganisationKind.DAC, name="DAC Pays de Rance")
    practice = organisation_create(kind=OrganisationKind.HEALTH_PRACTICE, name="Cabinet médical du Port")
    ssiad = organisation_create(kind=OrganisationKind.ESMS, name="SSIAD Côte d'Émeraude")
    member = partial(professional, domain="concertation.test")
    coordinator = member(dac, Role.COORDINATOR, "Lou", "Kerjean", "coordination_staff")
    gp = member(practice, Role.CARE_PROFESSIONAL, "Charlie", "Le Bris", "physician")
    nurse = member(ssiad, Role.CARE_PROFESSIONAL, "Eden", "Guillou", "nurse")
    person = person_create(
        actor=coordinator.actor,
        ground="test",
        family_name="Le Goff",
        first_names="Maïwenn",
        birth_date=timezone.localdate().replace(year=1938),
        sex="F",
    )
    record = record_open(actor=coordinator.actor, person=person)
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
    return SimpleNamespace(coordinator=coordinator, gp=gp, nurse=nurse, person=person, record=record)


def test_the_coordinator_convenes_records_conclusions_and_sees_the_plan_actions(make_context, circle, screenshots):
    page, errors = browser_page(make_context)
    log_in(page, circle.coordinator, PASSWORD)
    page.goto(f"/parcours/dossiers/{circle.record.pk}/")
    page.get_by_role("link", name="Réunions de concertation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réunions de concertation")

    # A past date is refused on the page, with what was typed kept.
    form = page.locator("#convoquer form")
    form.get_by_label("Objet").fill("Retour à domicile après hospitalisation")
    form.get_by_label("Date (obligatoire)", exact=True).fill("2020-01-06")
    form.get_by_label("Heure").fill("14:00")
    form.get_by_label("Lieu", exact=True).fill("DAC Pays de Rance, salle 2")
    form.get_by_label("Ordre du jour").fill("Point sur la toilette\nPassage de nuit")
    form.get_by_label("Eden Guillou (SSIAD Côte d'Émeraude)").check()
    form.get_by_label("Charlie Le Bris (Cabinet médical du Port)").check()
    form.get_by_role("button", name="Convoquer").click()
    expect(page.get_by_role("alert")).to_contain_text("est passée : une réunion se convoque pour plus tard")
    expect(page.locator("#convoquer form").get_by_label("Objet")).to_have_value(
        "Retour à domicile après hospitalisation"
    )
    assert not Meeting.objects.exists()

    tomorrow = timezone.localdate() + timedelta(days=1)
    form = page.locator("#convoquer form")
    form.get_by_label("Date (obligatoire)", exact=True).fill(tomorrow.isoformat())
    form.get_by_label("Eden Guillou (SSIAD Côte d'Émeraude)").check()
    form.get_by_label("Charlie Le Bris (Cabinet médical du Port)").check()
    page.screenshot(path=str(screenshots / "concertation-convene.png"), full_page=True)
    form.get_by_role("button", name="Convoquer").click()
    expect(page.locator(".messages")).to_contain_text("La réunion est convoquée")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Réunion de concertation : Retour à domicile après hospitalisation"
    )
    expect(page.locator("#reponse tbody tr")).to_have_count(3)

    # The meeting took place (its start moved to an hour ago, as time would); the conclusion form appears.
    meeting = Meeting.objects.get()
    meeting_path = f"/agenda/concertations/{meeting.pk}/"
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    page.reload()
    accessible(make_context, meeting_path, circle.coordinator)  # with the conclusion form
    section = page.locator("#conclure")
    expect(section.get_by_role("heading", level=2)).to_have_text("Enregistrer la présence et les conclusions")
    section.get_by_label("Charlie Le Bris (Cabinet médical du Port)").uncheck()
    section.get_by_label("Conclusions (obligatoire)", exact=True).fill(
        "Maintien à domicile avec un passage infirmier de nuit."
    )
    due = timezone.localdate() + timedelta(days=7)
    section.get_by_label("Action 1", exact=True).fill("Organiser le passage de nuit")
    section.get_by_label("Portée par (action 1)").select_option(label="Eden Guillou (SSIAD Côte d'Émeraude)")
    section.get_by_label("Échéance (action 1)").fill(due.isoformat())
    page.screenshot(path=str(screenshots / "concertation-conclude.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / "concertation-conclude-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    section.get_by_role("button", name="Enregistrer les conclusions et créer les actions").click()
    expect(page.locator(".messages")).to_contain_text("Les conclusions sont enregistrées")
    conclusions = page.locator("#conclusions")
    expect(conclusions).to_contain_text("Maintien à domicile avec un passage infirmier de nuit.")
    expect(conclusions).to_contain_text("Organiser le passage de nuit — portée par Eden Guillou")
    expect(page.locator("#reponse")).to_contain_text("Absent·e")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / "concertation-conclusions-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    # The decision is an action of the shared plan, with its owner and due date; the timeline shows the meeting.
    conclusions.get_by_role("link", name="Voir le plan personnalisé").click()
    expect(page.locator("main")).to_contain_text("Organiser le passage de nuit")
    expect(page.locator("main")).to_contain_text(f"{due:%d/%m/%Y}")
    page.goto(f"/parcours/dossiers/{circle.record.pk}/")
    expect(page.locator("#chronologie")).to_contain_text("Conclusions de la réunion de concertation")
    assert page.evaluate("window.__cspViolations || []") == []
    assert [e for e in errors if "status of 400" not in e] == []  # the refused convocation answers 400
    accessible(make_context, f"/agenda/personnes/{circle.person.pk}/concertations/", circle.coordinator)
    accessible(make_context, meeting_path, circle.nurse)
    accessible(make_context, "/agenda/", circle.nurse)
