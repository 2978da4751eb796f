"""The coordinator's workspace in a real browser (decision 0044): « find my persons with overdue actions » from the home
page, under the real CSP, on a desktop and a phone; axe-core on the dashboard, the team inbox and the handover page."""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.pathway.circle.services import record_open
from relais.pathway.record import services as rs
from relais.persons.services import person_create

from .people import PASSWORD, browser_page, professional
from .test_browser import describe, log_in, serious_violations

pytestmark = [pytest.mark.e2e]


def _record(coordinator, family: str, first: str, born: str, *, late: bool):
    person = person_create(
        actor=coordinator.actor,
        ground="test",
        family_name=family,
        first_names=first,
        birth_date=born,
        sex="F",
        postal_code="35400",
        city="Saint-Malo",
    )
    record_open(actor=coordinator.actor, person=person)
    due = timezone.localdate() + timedelta(days=-3 if late else 10)
    rs.plan_task_add(
        actor=coordinator.actor,
        person=person,
        title=f"Appeler {first}",
        due_date=due,
        assignee_organisation=coordinator.organisation,
    )
    return person


def test_find_my_persons_with_overdue_actions(make_context, transactional_db, settings, screenshots):
    settings.RELAIS_REQUIRE_2FA = False
    dac = organisation_create(kind=OrganisationKind.DAC, name="DAC Pays de Rance")
    member = partial(professional, domain="espace.test")
    coordinator = member(dac, Role.COORDINATOR, "Lou", "Kerjean", "coordination_staff")
    colleague = member(dac, Role.COORDINATOR, "Yann", "Le Goff", "coordination_staff")
    _record(coordinator, "Le Du", "Katell", "1944-02-03", late=True)
    late_person = _record(coordinator, "Morvan", "Annaïg", "1941-03-09", late=True)
    _record(coordinator, "Riou", "Nolwenn", "1950-06-12", late=False)
    _record(colleague, "Tanguy", "Maela", "1939-12-01", late=True)  # not in my circles: never shown to me

    page = make_context().new_page()  # axe-core is injected: this one page bypasses the CSP (the phone keeps it)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, coordinator, PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Mes personnes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes personnes")
    page.get_by_role("link", name="Actions en retard").click()  # 2 clicks from the home page
    table = page.locator("table.dashboard-table tbody")
    expect(table.locator("tr")).to_have_count(2)
    expect(table).to_contain_text("LE DU Katell")
    expect(table).to_contain_text("MORVAN Annaïg")
    expect(table).to_contain_text("1 en retard")
    expect(page.locator("main")).not_to_contain_text("TANGUY")
    page.get_by_label("Nom, prénom ou date de naissance").fill("09/03/1941")
    page.get_by_role("button", name="Afficher").click()
    expect(table.locator("tr")).to_have_count(1)
    expect(table).to_contain_text("MORVAN Annaïg")
    page.screenshot(path=str(screenshots / "coordinator-dashboard-desktop.png"), full_page=True)
    violations = serious_violations(page)
    assert not violations, "axe-core on « Mes personnes »:\n" + describe(violations)

    page.get_by_role("link", name="Corbeille de l'équipe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corbeille de l'équipe")
    expect(page.locator("#actions li")).to_have_count(3)
    page.get_by_role("button", name="Je prends l'action « Appeler Annaïg »").click()
    expect(page.locator("#actions li")).to_have_count(2)
    page.screenshot(path=str(screenshots / "coordinator-team-desktop.png"), full_page=True)
    violations = serious_violations(page)
    assert not violations, "axe-core on the team inbox:\n" + describe(violations)

    page.goto(f"/parcours/dossiers/{late_person.coordination_record.pk}/confier/")
    page.get_by_label("Confier le dossier à").select_option(label="Yann Le Goff")
    page.get_by_label("Motif").fill("Répartition des dossiers du secteur nord")
    page.screenshot(path=str(screenshots / "coordinator-handover-desktop.png"), full_page=True)
    violations = serious_violations(page)
    assert not violations, "axe-core on the handover page:\n" + describe(violations)
    page.get_by_role("button", name="Confier le dossier").click()
    expect(page.locator(".messages")).to_contain_text("Le dossier est confié à Yann Le Goff")
    assert errors == []

    phone, phone_errors = browser_page(partial(make_context, width=390, height=844))
    log_in(phone, coordinator, PASSWORD)
    phone.goto("/parcours/mes-personnes/?situation=retard")
    expect(phone.locator("table.dashboard-table tbody tr")).to_have_count(2)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page
    phone.screenshot(path=str(screenshots / "coordinator-dashboard-phone.png"), full_page=True)
    phone.goto("/parcours/mes-personnes/equipe/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(screenshots / "coordinator-team-phone.png"), full_page=True)
    assert phone_errors == []
