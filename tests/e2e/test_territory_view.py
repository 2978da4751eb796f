"""In a real browser, under the real CSP: the MDPH officer reads the real demand of the demo territory with its charts,
the ARS analyst sees the same page with small cells suppressed, and the simulation answers; axe-core on each page."""

import pytest
from playwright.sync_api import expect

from relais.accounts.roles import Role
from relais.demo.logins import DEMO_LOGINS

from .test_browser import CSP_LISTENER, describe, log_in, serious_violations
from .test_offer_capacity import MDPH

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo_territory")]
ARS = next(login for login in DEMO_LOGINS if login.memberships[0] == ("ars", Role.ANALYST))


def test_territory_view_for_mdph_and_ars(make_context, screenshots):
    context = make_context(bypass_csp=False)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, MDPH)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {MDPH.first_name}")
    page.locator("nav.main-nav summary", has_text="Orientation").click()  # the menu's part (decision 0054)
    page.get_by_role("link", name="Vue du territoire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vue du territoire : la demande réelle")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.get_by_role("heading", name="Demande réelle par catégorie d'établissement")).to_be_visible()
    mdph_text = page.locator("main").inner_text()
    assert "< 5" not in mdph_text  # MDPH staff see exact figures
    page.screenshot(path=screenshots / "territory-mdph.png", full_page=True)
    assert not page.evaluate("window.__cspViolations"), "CSP violations on the territory view"

    ars = make_context(bypass_csp=False).new_page()
    log_in(ars, ARS)
    ars.goto("/orientation/territoire/")
    expect(ars.get_by_role("heading", level=1)).to_have_text("Vue du territoire : la demande réelle")
    assert "< 5" in ars.locator("main").inner_text()  # a small demo territory always has small cells
    ars.goto("/orientation/appariement/simulation/")
    expect(ars.get_by_role("heading", level=1)).to_have_text("Simulation : et si le territoire avait plus de places ?")
    ars.screenshot(path=screenshots / "territory-simulation.png", full_page=True)
    assert not errors, f"JavaScript errors: {errors}"

    audit = make_context().new_page()
    log_in(audit, MDPH)
    expect(audit.get_by_role("heading", level=1)).to_have_text(f"Bonjour {MDPH.first_name}")
    for url in ("/orientation/territoire/", "/orientation/appariement/simulation/"):
        audit.goto(url)
        violations = serious_violations(audit)
        assert not violations, f"axe-core on {url}:\n" + describe(violations)
