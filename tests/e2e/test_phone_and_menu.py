"""Decision 0054, in a real browser: the pages professionals live in fit a 390 px phone (no sideways scrolling of
the whole page: tables scroll in their own box), and the main menu's parts open from the keyboard."""

import pytest
from playwright.sync_api import expect

from .test_browser import ADMISSIONS, COORDINATOR, describe, log_in, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo_territory")]

PHONE = 390


def page_width(page, url: str) -> int:
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page.evaluate("document.documentElement.scrollWidth")


def test_daily_pages_fit_a_phone_and_the_menu_works_from_the_keyboard(make_context):
    coordinator = make_context(bypass_csp=False, width=PHONE, height=844).new_page()
    log_in(coordinator, COORDINATOR)  # two organisations: the switcher's long names are in the header
    coordinator.goto("/parcours/")
    record = coordinator.get_by_role("table", name="Dossiers que vous pouvez consulter").locator("tbody a").first
    record_url = record.get_attribute("href")
    widths = {url: page_width(coordinator, url) for url in ("/", "/parcours/mes-personnes/", "/parcours/", record_url)}
    widths[f"{record_url}plan/"] = page_width(coordinator, f"{record_url}plan/")
    messages_url = record_url.replace("/parcours/", "/messagerie/")  # its new-message form has a file field
    widths[messages_url] = page_width(coordinator, messages_url)

    admissions = make_context(bypass_csp=False, width=PHONE, height=844).new_page()
    log_in(admissions, ADMISSIONS)
    widths["commission"] = page_width(admissions, "/orientation/esms/liste-attente/commission/")
    widths["liste d'attente"] = page_width(admissions, "/orientation/esms/liste-attente/")
    request = admissions.get_by_role("table").first.locator("tbody a").first
    request_url = request.get_attribute("href")
    widths[request_url] = page_width(admissions, request_url)
    assert all(width <= PHONE for width in widths.values()), widths

    # The menu: its daily page beside Accueil, the rest in parts a keyboard opens and Escape closes.
    nav = coordinator.get_by_role("navigation", name="Navigation principale")
    expect(nav.get_by_role("link", name="Mes personnes")).to_be_visible()
    expect(nav.get_by_role("link", name="Mes tâches")).to_be_hidden()
    nav.locator("summary", has_text="Parcours").focus()
    coordinator.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="Mes tâches")).to_be_visible()
    assert coordinator.evaluate("document.documentElement.scrollWidth") <= PHONE  # the open part fits too
    coordinator.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="Mes tâches")).to_be_hidden()
    expect(nav.locator("summary", has_text="Parcours")).to_be_focused()
    nav.locator("summary", has_text="Compte").click()
    nav.get_by_role("link", name="Notifications").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Mes notifications")

    audit = make_context(width=1280).new_page()  # axe-core injected: this context bypasses the CSP
    log_in(audit, COORDINATOR)
    audit.get_by_role("navigation", name="Navigation principale").locator("summary", has_text="Parcours").click()
    violations = serious_violations(audit)
    assert not violations, "axe-core on the home page, menu open:\n" + describe(violations)
