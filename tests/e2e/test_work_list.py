"""The MDPH work list in a real browser (issue 13 item 3): pages, a filter, a reminder by hand with its count, on a
desktop and a phone screen; axe-core finds no serious or critical violation."""

from datetime import date, timedelta
from functools import partial
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.notifications.models import Notification
from relais.offer.models import LegalEntity, Site
from relais.orientation.decisions.models import DecisionKind, OrientationDecision
from relais.orientation.requests.services import admission_requests_send
from relais.persons.models import Person
from relais.persons.names import search_key

from .people import PASSWORD, professional
from .test_browser import describe, log_in, serious_violations

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def desk(transactional_db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    mdph = organisation_create(kind=OrganisationKind.MDPH, name="MDPH des Côtes-d'Armor")
    esms = organisation_create(kind=OrganisationKind.ESMS, name="Foyer de Lannion")
    body = organisation_create(kind=OrganisationKind.MANAGING_BODY, name="Association Ar Men")
    entity = LegalEntity.objects.create(finess="220000017", name="Association Ar Men", organisation=body)
    site = Site.objects.create(finess="220000108", name="Foyer de Lannion", legal_entity=entity, organisation=esms)
    member = partial(professional, domain="liste.test")
    officer = member(mdph, Role.ORIENTATION_OFFICER, "Maël", "Le Roux", "mdph_team")
    staff = member(esms, Role.ADMISSION_OFFICER, "Nolwenn", "Guillou", "esms_staff")
    Person.objects.bulk_create(
        Person(family_name=f"Nom{n:02d}", first_names="Test", birth_date=date(1970, 1, 1), sex="F",
               search_key=search_key(f"Nom{n:02d}", "Test"))
        for n in range(60)
    )  # fmt: skip
    for person in Person.objects.all():
        OrientationDecision.objects.create(
            person=person,
            kind=DecisionKind.WITHOUT_DECISION,
            organisation=mdph,
            decision_date=timezone.localdate() - timedelta(days=10),
        )
    waiting = Person.objects.get(family_name="Nom07")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=20)):
        admission_requests_send(actor=officer.actor, person=waiting, sites_ranked=[site], idempotency_key="e2e")
    return officer, staff


def test_work_list_pages_filter_and_reminder(make_context, screenshots, desk):
    officer, staff = desk
    page = make_context().new_page()
    log_in(page, officer, PASSWORD)
    page.goto("/orientation/personnes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Personnes suivies")
    expect(page.get_by_text("Personnes 1–50 sur 60")).to_be_visible()
    violations = serious_violations(page)
    assert not violations, "axe-core on the work list:\n" + describe(violations)
    page.screenshot(path=screenshots / "work-list-desktop.png", full_page=True)
    page.get_by_role("link", name="Page 2").click()
    expect(page.get_by_text("Personnes 51–60 sur 60")).to_be_visible()

    page.get_by_label("Demandes sans réponse depuis").check()
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page.get_by_role("heading", level=2, name="1 personne")).to_be_visible()
    page.get_by_label("Relancer les établissements pour Nom07 Test").check()
    page.get_by_role("button", name="Relancer les établissements des personnes cochées").click()
    expect(page.get_by_text("1 relance envoyée à 1 établissement (1 personne).")).to_be_visible()
    assert Notification.objects.filter(recipient=staff.user, kind="orientation.request_reminder").count() == 1

    phone = make_context(width=390, height=844).new_page()
    log_in(phone, officer, PASSWORD)
    phone.goto("/orientation/personnes/?sans_solution=1")
    expect(phone.get_by_text("Personnes 1–50 sur 60")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    phone.screenshot(path=screenshots / "work-list-phone.png", full_page=True)
