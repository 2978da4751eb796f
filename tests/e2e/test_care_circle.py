"""In a real browser, the issue's "Done when": a coordinator opens a record, invites a GP (consent recorded) and a
home-care nurse and an educator (same care team); the nurse sees the plan and her tasks; the educator does not see
the medical notes and is told why; the person objects and the nurse's next access is a 404; the access history
lists the reads. Under the real CSP, with axe-core on each screen."""

import re
from datetime import date
from functools import partial
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.pathway import matrix as m
from relais.pathway.circle.models import CoordinationRecord
from relais.pathway.record.services import event_post

from .people import PASSWORD, accessible, browser_page, professional
from .test_browser import log_in

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def people(transactional_db, settings, tmp_path):
    settings.RELAIS_REQUIRE_2FA = False
    settings.MEDIA_ROOT = tmp_path
    dac = organisation_create(kind=OrganisationKind.DAC, name="DAC Pays de Rance")
    practice = organisation_create(kind=OrganisationKind.HEALTH_PRACTICE, name="Cabinet médical du Port")
    ssiad = organisation_create(kind=OrganisationKind.ESMS, name="SSIAD Côte d'Émeraude")
    ars = organisation_create(kind=OrganisationKind.ARS, name="ARS Bretagne")
    departement = organisation_create(kind=OrganisationKind.DEPARTEMENT_COUNCIL, name="Département d'Ille-et-Vilaine")

    member = partial(professional, domain="parcours.test")

    return SimpleNamespace(
        coordinator=member(dac, Role.COORDINATOR, "Lou", "Kerjean", "coordination_staff"),
        gp=member(practice, Role.CARE_PROFESSIONAL, "Charlie", "Le Bris", "physician"),
        nurse=member(ssiad, Role.CARE_PROFESSIONAL, "Eden", "Guillou", "nurse"),
        educator=member(ssiad, Role.CARE_PROFESSIONAL, "Sam", "Riou", "educator"),
        guardian=member(None, None, "Yann", "Le Goff", "administrative"),  # a relative: an account, no organisation
        ars_agent=member(ars, Role.ANALYST, "Andrea", "Le Bris", "administrative"),
        departement_agent=member(departement, Role.MEMBER, "Dominique", "Le Bris", "administrative"),
    )


def add_professional(page, name, *, consent: bool, never_offered=()):
    """The type-ahead picker (htmx): choose the ground, type part of the name, pick the one offered."""
    page.locator("summary", has_text="Ajouter un·e professionnel·le").click()
    search = page.locator("form[role=search][action$='/cercle/professionnels/']")
    search.get_by_label("Consentement de la personne" if consent else "Équipe de soins (CSP L1110-12)").check()
    search.get_by_label("Nom du ou de la professionnel·le").fill(name.split()[-1][:4])
    candidates = page.locator("#candidats")
    expect(candidates).to_contain_text(name)
    for other in never_offered:
        expect(candidates).not_to_contain_text(other)
    form = page.locator("form[action$='/cercle/professionnel/']")
    candidates.get_by_label(name).check()
    if consent:
        for scope in ("Identité", "Données médicales", "Plan personnalisé de coordination"):
            form.get_by_label(scope, exact=True).check()
        form.get_by_label("Consentement : recueilli").select_option(label="Écrit signé")
        form.get_by_label("Consentement : donné par").fill("la personne")
    else:
        form.get_by_label("Équipe de soins : personne informée le").fill("2026-11-20T10:00")
    form.get_by_role("button", name="Ajouter au cercle").click()
    expect(page.locator(".messages")).to_contain_text("fait désormais partie du cercle de soins")


def test_coordinator_builds_the_circle_and_the_person_objects(make_context, people, screenshots):
    coordinator_page, errors = browser_page(make_context)
    page = coordinator_page
    log_in(page, people.coordinator, PASSWORD)
    page.goto("/parcours/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers de coordination")
    new = page.locator("form", has=page.get_by_role("heading", name="Pour une nouvelle personne"))
    new.get_by_label("Nom de naissance").fill("Le Goff")
    new.get_by_label("Prénoms de naissance").fill("Maïwenn")
    new.get_by_label("Date de naissance").fill("1938-04-12")
    new.get_by_label("Sexe").select_option(label="Féminin")
    new.get_by_label("Personne informée du partage le").fill("2026-11-20T09:00")
    new.get_by_role("button", name="Enregistrer la personne et ouvrir le dossier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LE GOFF Maïwenn")
    record = CoordinationRecord.objects.get(person__family_name="Le Goff")
    record_path = f"/parcours/dossiers/{record.pk}/"

    # Never offered: the ARS agent and the département's administrative agent of the same name (decision 0031).
    add_professional(page, "Charlie Le Bris", consent=True, never_offered=("Andrea Le Bris", "Dominique Le Bris"))
    add_professional(page, "Eden Guillou", consent=False)
    add_professional(page, "Sam Riou", consent=False)
    circle = page.locator("#cercle")
    expect(circle).to_contain_text("Consentement du")
    expect(circle).to_contain_text("donné par la personne")
    expect(circle.locator("tr", has_text="Eden Guillou")).to_contain_text("Vous faites partie de l'équipe de soins")

    # The GP writes a medical note (through the service: the GP's own screen is the same form).
    event_post(
        actor=SimpleNamespace(
            user=people.gp.user,
            organisation=people.gp.organisation,
            label="Dr Charlie Le Bris <gp@exemple.test>",  # the access log's
            public_label="Dr Charlie Le Bris",  # what the circle reads (decision 0054)
        ),
        person=record.person,
        kind="hospital_stay",
        title="Hospitalisation en cardiologie",
        body="Insuffisance cardiaque décompensée.",
        category=m.MEDICAL,
        occurred_at=timezone.now(),
    )

    # The shared plan: one need, one task for the nurse, overdue.
    page.goto(record_path + "plan/")
    page.locator("summary", has_text="Ajouter un besoin").click()
    need_form = page.locator("form[action$='/plan/besoins/']")
    need_form.get_by_label("Domaine").fill("Santé")
    need_form.get_by_label("Besoin").fill("Soins infirmiers à domicile")
    need_form.get_by_role("button", name="Ajouter le besoin").click()
    page.locator("summary", has_text="Ajouter une action").click()
    task_form = page.locator("form[action$='/plan/actions/']")
    task_form.get_by_label("Action", exact=False).fill("Passage infirmier pour le pansement")
    task_form.get_by_label("Confiée à").select_option(label="Eden Guillou — SSIAD Côte d'Émeraude")
    task_form.get_by_label("Échéance").fill(date(2026, 1, 5).isoformat())
    task_form.get_by_role("button", name="Ajouter l'action").click()
    expect(page.locator("tr", has_text="Passage infirmier")).to_contain_text("En retard")
    # The person agrees to the plan: version 1, printable (the PPCS, decision 0040); axe-core checks it below.
    versions = page.locator("#versions")
    versions.locator("summary", has_text="Enregistrer l'accord de la personne").click()
    versions.get_by_label("Accord donné par").fill("la personne")
    versions.get_by_label("Accord oral, noté par le ou la professionnel·le").check()
    today = timezone.localdate()
    versions.get_by_label("Date de l'accord").fill(today.isoformat())
    versions.get_by_label("À réviser le").fill(today.replace(year=today.year + 1, day=1).isoformat())
    versions.get_by_role("button", name="Enregistrer la version 1").click()
    expect(page.locator("#versions")).to_contain_text("Version 1")
    expect(page.locator("#versions").get_by_role("link", name="Imprimer (PDF) la version 1")).to_be_visible()
    page.screenshot(path=str(screenshots / "care-circle-plan.png"), full_page=True)

    # The nurse sees the plan and her task in "Mes tâches", and the medical note.
    nurse_page, nurse_errors = browser_page(make_context)
    log_in(nurse_page, people.nurse, PASSWORD)
    nurse_page.goto("/parcours/mes-taches/")
    expect(nurse_page.get_by_role("heading", level=2)).to_contain_text("1 action à mener, dont 1 en retard")
    nurse_page.screenshot(path=str(screenshots / "care-circle-my-tasks.png"), full_page=True)
    nurse_page.get_by_role("link", name="Passage infirmier pour le pansement").click()
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text("Plan personnalisé de coordination")
    nurse_page.screenshot(path=str(screenshots / "care-circle-my-tasks-plan.png"), full_page=True)
    nurse_page.goto(record_path)
    expect(nurse_page.locator("#chronologie")).to_contain_text("Hospitalisation en cardiologie")

    # The educator of the same team does not see the medical note, and is told why; counts do not leak.
    educator_page, educator_errors = browser_page(make_context)
    log_in(educator_page, people.educator, PASSWORD)
    educator_page.goto(record_path)
    timeline = educator_page.locator("#chronologie")
    expect(timeline).not_to_contain_text("Hospitalisation en cardiologie")
    expect(timeline).to_contain_text("Les données médicales sont réservées aux professionnels de santé")
    expect(educator_page.locator("#timeline-count")).to_have_text("0 événement que vous pouvez consulter.")
    educator_page.screenshot(path=str(screenshots / "care-circle-educator.png"), full_page=True)

    # The person's legal guardian, who has an account, joins the circle as a proxy.
    page.goto(record_path)
    page.locator("summary", has_text="Ajouter un·e proche").click()
    proxy = page.locator("form[action$='/cercle/proche/']")
    proxy.get_by_label("Qualité").select_option(label="Représentant·e légal·e (tuteur·rice)")
    proxy.get_by_label("Prénom", exact=True).fill("Yann")
    proxy.get_by_label("Nom (obligatoire)").fill("Le Goff")
    proxy.get_by_label("Téléphone").fill("06 12 34 56 78")
    proxy.get_by_label("Adresse e-mail de son compte Relais").fill(people.guardian.email)
    proxy.get_by_role("button", name="Ajouter le ou la proche").click()
    expect(page.locator("#cercle")).to_contain_text("Vous êtes représentant·e légal·e (tuteur·rice) de cette personne.")

    # The person objects to sharing with the nurse, recorded by the coordinator: effective at once.
    page.screenshot(path=str(screenshots / "care-circle-record.png"), full_page=True)
    page.locator("summary", has_text="Enregistrer une opposition").click()
    objection = page.locator("form[action$='/cercle/opposition/']")
    objection.get_by_label("Opposition au partage avec").select_option(label="Eden Guillou — SSIAD Côte d'Émeraude")
    objection.get_by_label("Exprimée par").fill("la personne, par téléphone")
    objection.get_by_role("button", name="Enregistrer l'opposition").click()
    expect(page.locator(".messages")).to_contain_text("L'opposition est enregistrée")
    response = nurse_page.goto(record_path)
    assert response.status == 404
    expect(nurse_page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(nurse_page.locator("main")).not_to_contain_text("Le Goff")
    nurse_page.goto("/parcours/mes-taches/")
    expect(nurse_page.get_by_role("heading", level=2)).to_contain_text("0 action à mener")

    # The access history lists the reads, with their ground, newest first.
    page.get_by_role("link", name="Qui a consulté ce dossier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Qui a consulté ce dossier")
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="Eden Guillou").filter(has_text="Consultation").first).to_contain_text(
        "Équipe de soins (CSP L1110-12)"
    )
    expect(rows.filter(has_text="Sam Riou").first).to_be_visible()
    expect(rows.filter(has_text="opposition").first).to_be_visible()
    page.screenshot(path=str(screenshots / "care-circle-history.png"), full_page=True)

    # The person's legal guardian sees who read the record, too.
    guardian_page, guardian_errors = browser_page(make_context)
    log_in(guardian_page, people.guardian, PASSWORD)
    guardian_page.goto("/parcours/")
    guardian_page.screenshot(path=str(screenshots / "care-circle-records-guardian.png"), full_page=True)
    guardian_page.get_by_role("link", name="LE GOFF Maïwenn").click()
    guardian_page.get_by_role("link", name="Qui a consulté ce dossier").click()
    expect(guardian_page.locator("tbody tr").filter(has_text="Eden Guillou").first).to_be_visible()

    # No CSP violation, no JavaScript error anywhere.
    pages = [(page, errors), (nurse_page, nurse_errors), (educator_page, educator_errors)]
    for p, errs in [*pages, (guardian_page, guardian_errors)]:
        assert p.evaluate("window.__cspViolations || []") == []
        assert [e for e in errs if "status of 404" not in e] == []  # the nurse's refused page is a real 404

    for path in (
        record_path,
        record_path + "plan/",
        record_path + "qui-a-consulte/",
        "/parcours/",
        "/parcours/mes-taches/",
    ):
        accessible(make_context, path, people.coordinator)
    assert re.search(r"/parcours/", page.url)
