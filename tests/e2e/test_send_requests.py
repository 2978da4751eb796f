"""In a real browser, under the real CSP: an MDPH officer opens a person's page, sends the person's requests to three
ESMS chosen around the home (nearest first, with free places and waiting lists), ranks them without a page reload,
and sends them (issue 13 item 2). axe-core finds no serious or critical violation on the screen."""

from datetime import date
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.orientation.requests.models import AdmissionRequest
from tests.conftest import PASSWORD
from tests.orientation.send_area import build_area

from .people import browser_page
from .test_browser import describe, log_in, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("no_2fa")]


def test_mdph_officer_sends_a_persons_requests_to_three_esms(
    make_context, make_organisation, make_member, transactional_db, screenshots
):
    mdph = make_organisation(kind=OrganisationKind.MDPH, name="MDPH de Corse-du-Sud")
    user, officer = make_member(mdph, role=Role.ORIENTATION_OFFICER, email="instructrice@mdph.test")
    area = build_area(mdph=officer, birth_date=date(1985, 4, 12))
    login = SimpleNamespace(email=user.email)

    page, errors = browser_page(make_context)
    log_in(page, login, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    page.goto(f"/orientation/personnes/{area.person.pk}/")
    page.get_by_role("link", name="Envoyer des demandes d'admission").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Envoyer des demandes d'admission")
    expect(page.locator(".send-home")).to_contain_text("Autour de Ajaccio (20000), d'après l'adresse de l'identité")
    rows = page.locator(".send-results tbody tr")
    expect(rows).to_have_count(3)  # the MAS of the decision within 30 km, in permanent accommodation, for 40 years
    expect(rows.nth(0)).to_contain_text("MAS A Casa")
    expect(rows.nth(0)).to_contain_text("3 places libres")
    expect(rows.nth(0)).to_contain_text("2 demandes en attente")
    expect(rows.nth(1)).to_contain_text("Places à confirmer")
    page.evaluate("window.__sameDocument = true")  # gone if any click reloaded the page

    for rank, name in enumerate(("MAS A Casa", "MAS U Ventu", "MAS Prugna"), start=1):
        page.get_by_role("link", name=f"Ajouter {name}").click()
        expect(page.locator(f"#choix-{getattr(area, _attr(name)).pk}")).to_be_visible()
        expect(page.locator("#envoi-annonce")).to_have_text(f"« {name} » ajouté à la sélection.")
        expect(page.locator(".send-basket")).to_contain_text(f"{rank} établissement")
    page.get_by_role("link", name="Monter MAS Prugna").click()
    expect(page.locator("#envoi-annonce")).to_have_text("« MAS Prugna » déplacé.")
    expect(page.locator(f"#rang_{area.mas_prugna.pk}")).to_have_value("2")
    expect(page.locator(f"#rang_{area.mas_alata.pk}")).to_have_value("3")
    assert page.evaluate("window.__sameDocument === true"), "a click reloaded the whole page"
    assert "choix=" in page.url  # the address follows: reloading keeps the selection
    page.screenshot(path=screenshots / "send-requests-selected.png", full_page=True)

    page.get_by_role("button", name="Envoyer 3 demandes").click()
    expect(page.get_by_role("status")).to_contain_text("3 demandes d'admission envoyées.")
    sent = AdmissionRequest.objects.filter(person=area.person).order_by("wish_rank")
    assert [(r.site, r.wish_rank, r.status) for r in sent] == [
        (area.mas_near, 1, "39"),
        (area.mas_prugna, 2, "39"),
        (area.mas_alata, 3, "39"),
    ]
    assert not page.evaluate("window.__cspViolations"), "CSP violations on the sending screen"
    assert not errors, f"JavaScript errors: {errors}"

    # Accessibility, with axe-core injected (needs the CSP bypassed), desktop and phone; the sent ESMS are marked.
    for width, height in ((1280, 800), (390, 844)):
        audit = make_context(width=width, height=height).new_page()
        log_in(audit, login, PASSWORD)
        expect(audit.get_by_role("heading", level=1)).to_contain_text("Bonjour")
        audit.goto(f"/orientation/personnes/{area.person.pk}/demandes/?choix={area.ehpad.pk}&categorie=toutes")
        expect(audit.locator(".send-results")).to_contain_text("demande déjà envoyée : Nouvelle demande")
        audit.screenshot(path=screenshots / f"send-requests-{width}.png", full_page=True)
        violations = serious_violations(audit)
        assert not violations, f"axe-core on the sending screen ({width} px):\n" + describe(violations)


def _attr(name: str) -> str:
    return {"MAS A Casa": "mas_near", "MAS U Ventu": "mas_alata", "MAS Prugna": "mas_prugna"}[name]
