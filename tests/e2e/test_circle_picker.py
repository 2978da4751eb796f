"""The care-circle picker in a real browser (decision 0031): type-ahead on a phone-sized screen under the real CSP,
and the same search without JavaScript (a search field and a button returning the filtered list)."""

from functools import partial
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.pathway.circle.models import CircleMember
from relais.pathway.circle.services import record_open
from relais.persons.services import person_create

from .people import PASSWORD, browser_page, professional
from .test_browser import log_in

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def people(transactional_db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    dac = organisation_create(kind=OrganisationKind.DAC, name="DAC Pays de Rance")
    hospital = organisation_create(kind=OrganisationKind.HOSPITAL, name="Centre hospitalier de Saint-Malo")
    ars = organisation_create(kind=OrganisationKind.ARS, name="ARS Bretagne")
    cnsa = organisation_create(kind=OrganisationKind.NATIONAL, name="CNSA")
    member = partial(professional, domain="selecteur.test")
    coordinator = member(dac, Role.COORDINATOR, "Lou", "Kerjean", "coordination_staff")
    person = person_create(
        actor=coordinator.actor,
        ground="test",
        family_name="Le Du",
        first_names="Katell",
        birth_date="1944-02-03",
        sex="F",
    )
    record = record_open(actor=coordinator.actor, person=person)
    return SimpleNamespace(
        coordinator=coordinator,
        record=record,
        nurse=member(hospital, Role.CARE_PROFESSIONAL, "Maëlys", "Tanguy", "nurse"),
        analyst=member(ars, Role.ANALYST, "Malo", "Tanguy", "administrative"),
        funder=member(cnsa, Role.MEMBER, "Mathis", "Tanguy", "physician"),
    )


def test_type_ahead_on_a_phone(make_context, people):
    page, errors = browser_page(partial(make_context, width=390, height=844))
    log_in(page, people.coordinator, PASSWORD)
    page.goto(f"/parcours/dossiers/{people.record.pk}/")
    page.locator("summary", has_text="Ajouter un·e professionnel·le").click()
    search = page.locator("form[role=search][action$='/cercle/professionnels/']")
    search.get_by_label("Équipe de soins (CSP L1110-12)").check()
    search.get_by_label("Nom du ou de la professionnel·le").press_sequentially("tang", delay=30)
    candidates = page.locator("#candidats")
    expect(candidates.get_by_role("radio")).to_have_count(1)
    expect(candidates).to_contain_text("Maëlys Tanguy")
    expect(candidates).to_contain_text("Centre hospitalier de Saint-Malo · Infirmier·ère")
    expect(candidates).not_to_contain_text("Malo Tanguy")
    expect(candidates).not_to_contain_text("Mathis Tanguy")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.get_by_label("Équipe de soins : personne informée le").fill("2026-11-20T10:00")
    page.get_by_role("button", name="Ajouter au cercle").click()
    expect(page.locator(".messages")).to_contain_text("Maëlys Tanguy fait désormais partie du cercle de soins")
    assert CircleMember.objects.filter(user=people.nurse.user, ground="care_team").exists()
    assert errors == []


def test_search_without_javascript(browser, live_server, people):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, people.coordinator, PASSWORD)
        page.goto(f"/parcours/dossiers/{people.record.pk}/")
        page.locator("summary", has_text="Ajouter un·e professionnel·le").click()
        search = page.locator("form[role=search][action$='/cercle/professionnels/']")
        search.get_by_label("Consentement de la personne").check()
        search.get_by_label("Nom du ou de la professionnel·le").fill("TANG")
        search.get_by_role("button", name="Rechercher").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter un·e professionnel·le au cercle de soins")
        candidates = page.locator("#candidats")
        expect(candidates).to_contain_text("Maëlys Tanguy")
        expect(candidates).not_to_contain_text("Malo Tanguy")
        expect(candidates).not_to_contain_text("Mathis Tanguy")
    finally:
        context.close()
