"""In a real browser: log in as demo users, switch organisation, log out, two-factor enrolment,
accessibility (axe-core), no external resource, no CSP violation and no JavaScript error."""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from relais.accounts.models import Membership
from relais.accounts.roles import ROLE_ABILITIES, Role
from relais.demo.logins import DEMO_LOGINS, DEMO_PASSWORD

from .conftest import AXE_JS

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo_territory")]

ADMISSIONS = next(login for login in DEMO_LOGINS if login.memberships[0][1] == Role.ADMISSION_OFFICER)
COORDINATOR = next(login for login in DEMO_LOGINS if len(login.memberships) > 1)
SERIOUS = ("serious", "critical")

# Records CSP violations as the page sees them (init scripts run before the page's own, whatever the CSP).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.__cspViolations.push(
  `${event.violatedDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`
));
"""


def log_in(page, login, password=DEMO_PASSWORD) -> None:
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(login.email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def expect_home(page, login, membership: Membership) -> None:
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page).to_have_title("Accueil — Relais")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {login.first_name}")
    expect(page.locator("#role-title")).to_have_text(membership.organisation.name)
    role = page.locator("#role-title").locator("..")
    expect(role).to_contain_text(membership.organisation.get_kind_display())
    expect(role).to_contain_text(Role(membership.role).label)
    expect(role.get_by_role("listitem")).to_have_text(ROLE_ABILITIES[membership.role])


def memberships_of(login) -> list[Membership]:
    return list(Membership.objects.filter(user__email=login.email).select_related("organisation").order_by("pk"))


def serious_violations(page) -> list[dict]:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run `npm ci` (make install).", pytrace=False)
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [violation for violation in result["violations"] if violation["impact"] in SERIOUS]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[node['target'] for node in v['nodes']]}" for v in violations
    )


def test_admission_officer_logs_in_and_sees_the_home_page_of_the_role(page, screenshots):
    membership = memberships_of(ADMISSIONS)[0]
    log_in(page, ADMISSIONS)
    expect_home(page, ADMISSIONS, membership)
    expect(page.get_by_role("banner")).to_contain_text(f"Vous agissez pour {membership.organisation.name}")
    page.screenshot(path=screenshots / "home.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=screenshots / "home-narrow.png", full_page=True)


def test_wrong_password_is_refused_with_an_accessible_message(page):
    log_in(page, ADMISSIONS, password="pas-le-bon-mot-de-passe")
    expect(page).to_have_url(re.compile(r"/compte/connexion/$"))
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    violations = serious_violations(page)
    assert not violations, "axe-core on the login page with an error:\n" + describe(violations)


def test_coordinator_switches_organisation_with_the_header_switcher(page, screenshots):
    memberships = {m.organisation.name: m for m in memberships_of(COORDINATOR)}
    assert len(memberships) == 2
    log_in(page, COORDINATOR)
    switcher = page.get_by_label("Vous agissez pour")
    current = switcher.locator("option:checked").inner_text().split(" — ")[0]
    expect_home(page, COORDINATOR, memberships[current])
    (other,) = set(memberships) - {current}
    switcher.select_option(value=str(memberships[other].organisation_id))
    page.get_by_role("button", name="Changer").click()
    expect_home(page, COORDINATOR, memberships[other])
    expect(page.get_by_role("status")).to_have_text(f"Vous agissez désormais pour {other}.")
    expect(page.get_by_label("Vous agissez pour").locator("option:checked")).to_contain_text(other)
    page.screenshot(path=screenshots / "home-switched.png", full_page=True)
    # The choice lasts for the session.
    page.goto("/")
    expect_home(page, COORDINATOR, memberships[other])


def test_logout_returns_to_the_login_page_and_closes_the_session(page):
    log_in(page, ADMISSIONS)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/compte/connexion/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à Relais")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/compte/connexion/\?next=/$"))


def test_two_factor_enrolment_through_the_page(page, settings, screenshots):
    settings.RELAIS_REQUIRE_2FA = True
    membership = memberships_of(ADMISSIONS)[0]
    log_in(page, ADMISSIONS)
    expect(page).to_have_url(re.compile(r"/compte/deux-facteurs/\?next=/$"))
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    page.screenshot(path=screenshots / "two-factor.png", full_page=True)
    violations = serious_violations(page)
    assert not violations, "axe-core on the two-factor page:\n" + describe(violations)
    # Until the code is given, every page leads back here.
    organisation_page = f"/compte/organisation/{membership.organisation_id}/"
    page.goto(organisation_page)
    expect(page).to_have_url(re.compile(r"/compte/deux-facteurs/\?next=" + re.escape(organisation_page)))
    expect(page.get_by_role("navigation", name="Navigation principale")).to_have_count(0)
    secret = page.locator("code.token").inner_text().strip()
    page.get_by_label("Code à 6 chiffres").fill(f"{totp(base64.b32decode(secret)):06d}")
    page.get_by_role("button", name="Vérifier").click()
    expect(page).to_have_url(re.compile(re.escape(organisation_page) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(membership.organisation.name)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Accueil").click()
    expect_home(page, ADMISSIONS, membership)


def test_header_of_the_organisation_page_shows_the_user_own_memberships(page):
    membership = memberships_of(ADMISSIONS)[0]
    log_in(page, ADMISSIONS)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    page.goto(f"/compte/organisation/{membership.organisation_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(membership.organisation.name)
    # One membership: a sentence, no switcher.
    assert page.get_by_label("Vous agissez pour").count() == 0
    assert "— Chargé·e des admissions" in page.get_by_role("banner").inner_text()


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("login", "/compte/connexion/"),
        ("home", "/"),
        ("organisation", "/compte/organisation/{organisation}/"),
        ("communes", "/territoire/communes/?q=Ajac"),
    ],
)
def test_no_serious_accessibility_violation(page, screenshots, name, path):
    if name != "login":
        log_in(page, ADMISSIONS)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    page.goto(path.format(organisation=memberships_of(ADMISSIONS)[0].organisation_id))
    page.screenshot(path=screenshots / f"{name}.png", full_page=True)
    violations = serious_violations(page)
    assert not violations, f"axe-core on {path}:\n" + describe(violations)


def test_only_own_resources_no_csp_violation_no_javascript_error(make_context, live_server):
    context = make_context(bypass_csp=False)  # the real CSP applies
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    requests, failed, console, page_errors = [], [], [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.status} {response.url}"))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    def check(where: str) -> None:
        page.wait_for_load_state("networkidle")
        foreign = [url for url in requests if not url.startswith(live_server.url + "/")]
        assert not foreign, f"{where}: resources from elsewhere than {live_server.url}: {foreign}"
        assert not failed, f"{where}: failed requests: {failed}"
        violations = page.evaluate("window.__cspViolations")
        assert not violations, f"{where}: CSP violations: {violations}"
        noisy = [line for line in console if line.startswith(("error", "warning"))]
        assert not noisy, f"{where}: console errors or warnings: {noisy}"
        assert not page_errors, f"{where}: JavaScript errors: {page_errors}"

    page.goto("/compte/connexion/")
    check("login page")
    assert any(url.endswith(".css") for url in requests) and any(url.endswith(".js") for url in requests)
    page.get_by_label("Adresse e-mail").fill(ADMISSIONS.email)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    check("home page")
    # htmx (the one script) works under the CSP: the commune search updates in place.
    page.goto("/territoire/communes/")
    page.get_by_label("Nom ou code INSEE").fill("Ajac")
    expect(page.locator("#resultats")).to_contain_text("Ajaccio")
    expect(page).to_have_url(re.compile(r"/territoire/communes/\?q=Ajac"))
    check("commune search (htmx)")
