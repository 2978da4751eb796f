"""In a real browser, under the real CSP: an MDPH orientation officer finds a duplicate in the identity work list,
compares the two records, merges them (kept record, reason, confirmation) and reads the identity history."""

from datetime import date

import pytest
from playwright.sync_api import expect

from relais.orientation.admission.models import AdmissionFile
from relais.persons.models import Person
from relais.persons.services import person_create

from .test_browser import CSP_LISTENER, describe, log_in, serious_violations
from .test_offer_capacity import MDPH
from .test_waiting_list import actor_of

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo_territory")]
REASON = "Même personne : fiche créée deux fois, vérifié avec la carte d'identité"


def test_orientation_officer_merges_a_duplicate_and_sees_the_history(make_context, screenshots):
    mdph = actor_of(MDPH)
    persons = [
        person_create(
            actor=mdph, ground="test", family_name=name, first_names="Maëlle", birth_date=date(1931, 2, 28), sex="F"
        )
        for name in ("Testeuse", "Testeuze")
    ]
    for person in persons:
        AdmissionFile.objects.create(person=person, author_organisation=mdph.organisation)
    keep, duplicate = persons

    # Accessibility of the pages, with axe-core injected (needs the CSP bypassed), before the merge.
    audit = make_context().new_page()
    log_in(audit, MDPH)
    audit.locator("nav.main-nav summary", has_text="Orientation").click()  # the menu's part (decision 0054)
    expect(audit.get_by_role("link", name="Doublons d'identité")).to_be_visible()
    for url in (
        "/orientation/identite/doublons/",
        f"/orientation/identite/doublons/{keep.pk}/{duplicate.pk}/",
        f"/orientation/identite/personne/{keep.pk}/corriger/",
        f"/orientation/identite/personne/{keep.pk}/historique/",
    ):
        audit.goto(url)
        violations = serious_violations(audit)
        assert not violations, f"axe-core on {url}:\n" + describe(violations)

    context = make_context(bypass_csp=False)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, MDPH)
    page.locator("nav.main-nav summary", has_text="Orientation").click()
    page.get_by_role("link", name="Doublons d'identité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Doublons possibles")
    row = page.locator("tr", has_text="TESTEUZE").or_(page.locator("tr", has_text="Testeuze")).first
    expect(row).to_contain_text("Testeuse")
    row.get_by_role("link", name="Comparer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Comparer les fiches")
    expect(page.locator("tr.differ").first).to_contain_text("nom de naissance")
    page.screenshot(path=screenshots / "identity-compare.png", full_page=True)
    page.get_by_label(f"Fiche n° {keep.pk}", exact=False).check()
    page.get_by_label("Motif de la fusion").fill(REASON)
    page.get_by_role("button", name="Fusionner les deux fiches").click()
    expect(page.locator(".errorlist")).to_contain_text("Cochez la confirmation")
    page.get_by_label(f"Fiche n° {keep.pk}", exact=False).check()
    page.get_by_label("Motif de la fusion").fill(REASON)
    page.get_by_label("Je confirme qu'il s'agit de la même personne", exact=False).check()
    page.get_by_role("button", name="Fusionner les deux fiches").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Historique de l'identité")
    history = page.locator("table")
    expect(history).to_contain_text("Fusion d'un doublon")
    expect(history).to_contain_text(REASON)
    expect(history).to_contain_text(f"{mdph.user.get_full_name()} ({mdph.organisation.name})")
    expect(history).not_to_contain_text(mdph.user.email)
    page.screenshot(path=screenshots / "identity-history.png", full_page=True)
    assert Person.objects.get(pk=duplicate.pk).merged_into_id == keep.pk
    assert not errors, errors
