"""In a real browser: a nurse of the SSIAD fills the AGGIR grid for a person of her care circle, and the GP of
another organisation (consent covering medical data) reads the GIR and how it was computed. Under the real CSP,
with axe-core on the grid and the result."""

import io
import re
from datetime import date, timedelta
from functools import partial
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.pathway import matrix as m
from relais.pathway.circle.models import Ground
from relais.pathway.circle.services import circle_professional_add, record_open
from relais.persons.services import person_create
from tests.evaluations.answers import AGGIR_ANSWERS

from .people import PASSWORD, accessible, browser_page, professional
from .test_browser import log_in

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def circle(transactional_db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    call_command("load_forms", stdout=io.StringIO())  # the live server's flushes remove the migration's data
    dac = organisation_create(kind=OrganisationKind.DAC, name="DAC Pays de Rance")
    practice = organisation_create(kind=OrganisationKind.HEALTH_PRACTICE, name="Cabinet médical du Port")
    ssiad = organisation_create(kind=OrganisationKind.ESMS, name="SSIAD Côte d'Émeraude")

    member = partial(professional, domain="evaluations.test")

    coordinator = member(dac, Role.COORDINATOR, "Lou", "Kerjean", "coordination_staff")
    nurse = member(ssiad, Role.CARE_PROFESSIONAL, "Eden", "Guillou", "nurse")
    gp = member(practice, Role.CARE_PROFESSIONAL, "Charlie", "Le Bris", "physician")
    person = person_create(
        actor=coordinator.actor,
        ground="test",
        family_name="Trégaro",
        first_names="Maïwenn",
        birth_date=date(1938, 5, 2),
        sex="F",
    )
    record_open(actor=coordinator.actor, person=person)
    circle_professional_add(
        actor=coordinator.actor,
        person=person,
        user=nurse.user,
        organisation=ssiad,
        ground=Ground.CARE_TEAM,
        informed_at=timezone.now() - timedelta(days=1),
    )
    circle_professional_add(
        actor=coordinator.actor,
        person=person,
        user=gp.user,
        organisation=practice,
        ground=Ground.CONSENT,
        consent={"scope": [m.IDENTITY, m.MEDICAL], "method": "written", "given_by": "la personne"},
    )
    return SimpleNamespace(person=person, nurse=nurse, gp=gp)


def test_nurse_fills_aggir_and_the_gp_reads_the_gir(make_context, circle, screenshots):
    person = circle.person
    nurse_page, nurse_errors = browser_page(make_context)
    log_in(nurse_page, circle.nurse, PASSWORD)
    nurse_page.goto(f"/evaluations/personnes/{person.pk}/")
    expect(nurse_page.get_by_role("heading", level=1)).to_contain_text("TRÉGARO Maïwenn")
    nurse_page.get_by_role("link", name=re.compile("Grille nationale AGGIR")).click()
    fill_url = nurse_page.url

    # Terminating with a missing answer: nothing saved, the question is named and linked.
    nurse_page.get_by_role("button", name="Terminer l'évaluation").click()
    alert = nurse_page.get_by_role("alert")
    expect(alert).to_contain_text("« Transferts : se lever, se coucher, s'asseoir » : réponse obligatoire.")

    for link_id, value in AGGIR_ANSWERS.items():
        if link_id == "visite.date":
            nurse_page.get_by_label("Date de la visite").fill(value)
        else:
            nurse_page.locator(f'input[name="q-{link_id}"][value="{value}"]').check()
    nurse_page.get_by_label("Observations de l'évaluateur").fill("Évaluation à domicile, fille présente.")
    nurse_page.screenshot(path=screenshots / "evaluation-aggir-fill.png", full_page=True)
    nurse_page.get_by_role("button", name="Terminer l'évaluation").click()
    expect(nurse_page.locator("#score")).to_have_text("GIR 2")
    expect(nurse_page.locator("#rank")).to_contain_text("Rang 7")
    detail_url = nurse_page.url

    # The GP of the practice (another organisation, consent covering medical data) reads the GIR and its computation.
    gp_page, gp_errors = browser_page(make_context)
    log_in(gp_page, circle.gp, PASSWORD)
    gp_page.goto(f"/evaluations/personnes/{person.pk}/")
    table = gp_page.locator("#evaluations")
    expect(table).to_contain_text("GIR 2")
    expect(table).to_contain_text("Eden Guillou")
    table.get_by_role("link", name=re.compile("Grille nationale AGGIR")).click()
    expect(gp_page.locator("#score")).to_have_text("GIR 2")
    groups = gp_page.locator("#groups")
    expect(groups.locator("tbody tr")).to_have_count(4)  # groups A, B, C, D: D reaches 2 400
    expect(groups.locator("tbody tr").nth(3)).to_contain_text("2600")
    expect(gp_page.locator("#variables")).to_contain_text("Alimentation")
    # The sub-variable combination used is shown per variable (decision 0035).
    expect(gp_page.locator("#variables tbody tr").first).to_contain_text("au moins une C → C")
    gp_page.screenshot(path=screenshots / "evaluation-aggir-result.png", full_page=True)

    # The refused submission answers 400 on purpose (the browser logs it); nothing else went wrong.
    assert [e for e in nurse_errors if "status of 400" in e] == [nurse_errors[0]]
    for page, errors in ((nurse_page, nurse_errors[1:]), (gp_page, gp_errors)):
        assert page.evaluate("window.__cspViolations || []") == []
        assert errors == []
    accessible(make_context, f"/evaluations/personnes/{person.pk}/", circle.gp)
    accessible(make_context, fill_url, circle.nurse)
    accessible(make_context, detail_url, circle.gp)
