"""The person picker and the access history in a real browser (decision 0047): a coordinator types the start of a
name with the keyboard, the results arrive in the live region, the one found is chosen, the record opens; the new
record's « qui a consulté » shows that the person was seen in the picker's list, filtered to lists. axe-core finds no
serious or critical violation on either page."""

from datetime import date
from functools import partial

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.orientation.decisions.models import DecisionKind, OrientationDecision
from relais.pathway.circle.models import CoordinationRecord
from relais.persons.services import person_create

from .people import PASSWORD, professional
from .test_browser import describe, log_in, serious_violations

pytestmark = [pytest.mark.e2e]


def test_type_ahead_opens_a_record_and_the_history_shows_the_list(make_context, transactional_db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    dac = organisation_create(kind=OrganisationKind.DAC, name="DAC Pays de Rance")
    coordinator = partial(professional, domain="selecteur-personnes.test")(
        dac, Role.COORDINATOR, "Lou", "Kerjean", "coordination_staff"
    )
    for family, first, born in (("Le Bihan", "Katell", date(1944, 2, 3)), ("Le Bras", "Yann", date(1951, 6, 9))):
        person = person_create(
            actor=coordinator.actor, ground="test", family_name=family, first_names=first, birth_date=born, sex="F"
        )
        OrientationDecision.objects.create(person=person, kind=DecisionKind.WITHOUT_DECISION, organisation=dac)

    page = make_context(bypass_csp=True).new_page()  # axe-core needs its script injected
    log_in(page, coordinator, PASSWORD)
    page.goto(reverse("pathway:records"))
    search = page.get_by_role("searchbox", name="Personne suivie par votre organisation")
    search.focus()
    page.keyboard.type("le b", delay=40)
    results = page.locator("#suivie-resultats")
    expect(results.get_by_role("radio")).to_have_count(2)
    expect(results).to_contain_text("2 personnes trouvées")
    page.keyboard.type("ih", delay=40)
    expect(results.get_by_role("radio")).to_have_count(1)
    expect(results.get_by_role("radio", name="LE BIHAN Katell")).to_be_checked()
    expect(results).to_contain_text("née le 03/02/1944")
    violations = serious_violations(page)
    assert not violations, describe(violations)
    open_form = page.locator("#ouvrir-suivie")
    open_form.get_by_label("Personne informée du partage le").fill("2026-11-20T10:00")
    open_form.get_by_role("button", name="Ouvrir le dossier").click()
    expect(page.locator(".messages")).to_contain_text("Le dossier de coordination est ouvert")

    record = CoordinationRecord.objects.get(person__family_name="Le Bihan")
    page.goto(reverse("pathway:access_history", args=[record.pk]))
    page.get_by_label("Nature de l'accès").select_option(label="Vu·e dans une liste")
    page.get_by_role("button", name="Filtrer").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Vu·e dans une liste : liste (personne)")
    expect(table).to_contain_text("recherche d'une personne pour ouvrir son dossier")
    expect(table).not_to_contain_text("Création")
    violations = serious_violations(page)
    assert not violations, describe(violations)
