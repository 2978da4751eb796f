"""In a real browser, under the real CSP: an ESMS admission officer adds a free place in one click."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.models import Membership
from relais.accounts.roles import Role
from relais.demo.logins import DEMO_LOGINS
from relais.offer.codes import CareMode
from relais.offer.models import LegalEntity, Site, Unit
from relais.territory.models import Commune

from .test_browser import CSP_LISTENER, describe, log_in, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo_territory")]

ADMISSIONS = next(login for login in DEMO_LOGINS if login.memberships[0][1] == Role.ADMISSION_OFFICER)
MDPH = next(login for login in DEMO_LOGINS if login.memberships[0][1] == Role.ORIENTATION_OFFICER)


def site_of(organisation) -> Site:
    """The demo's site of the organisation when the demo links one, else a site created for the test."""
    site = Site.objects.filter(organisation=organisation, is_open=True).first()
    if site is not None:
        return site
    ajaccio = Commune.objects.get(insee_code="2A004")
    entity = LegalEntity.objects.create(finess="2A0999993", name="Gestionnaire de test", commune=ajaccio)
    return Site.objects.create(
        finess="2A0999985",
        name=organisation.name,
        legal_entity=entity,
        organisation=organisation,
        commune=ajaccio,
        city=ajaccio.name,
        latitude=ajaccio.latitude,
        longitude=ajaccio.longitude,
    )


def test_admission_officer_adds_a_free_place_in_one_click(make_context, screenshots):
    organisation = Membership.objects.get(user__email=ADMISSIONS.email).organisation
    site = site_of(organisation)
    unit = Unit.objects.create(
        site=site,
        name="Hébergement temporaire (test)",
        care_mode=CareMode.TEMPORARY_ACCOMMODATION,
        age_min=60,
        installed=6,
        available=0,
        capacity_updated_at=timezone.now() - timedelta(days=10),
        capacity_updated_by="système",
    )
    context = make_context(bypass_csp=False)  # htmx must work under the real Content-Security-Policy
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    log_in(page, ADMISSIONS)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    page.goto("/offre/capacite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Places disponibles")
    expect(page.get_by_role("heading", level=2, name=site.name)).to_be_visible()
    stale_before = int(page.locator(f"#capacity-stale-site-{site.pk} strong").inner_text().split()[0])
    controls = page.locator(f"#capacite-{unit.pk}")
    expect(controls).to_contain_text("0 place disponible sur 6 installées")
    expect(controls).to_contain_text("mis à jour il y a 10 jours")

    controls.get_by_role("button", name="+1 place disponible").click()  # the one click
    expect(controls.locator(".capacity-available")).to_have_text("1")
    expect(controls).to_contain_text("1 place disponible sur 6 installées")
    expect(controls).to_contain_text("mis à jour à l'instant")
    expect(page).to_have_url(re.compile(r"/offre/capacite/$"))  # swapped in place, no reload
    left = stale_before - 1  # the site's stale count follows the click (htmx out-of-band swap)
    expect(page.locator(f"#capacity-stale-site-{site.pk}")).to_have_text(
        f" : {left} unité{'s' if left > 1 else ''} à mettre à jour" if left else ""
    )
    unit.refresh_from_db()
    assert unit.available == 1 and unit.capacity_updated_by.startswith("Noa Démo-Admissions (")  # no e-mail (0054)
    assert not page.evaluate("window.__cspViolations"), "CSP violations on the capacity page"
    assert not errors, f"JavaScript errors: {errors}"
    controls.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "capacity.png", full_page=True)

    # Seconds later, an MDPH orientation officer finds that free place by distance in the public search.
    mdph = make_context().new_page()
    log_in(mdph, MDPH)
    expect(mdph.get_by_role("heading", level=1)).to_have_text(f"Bonjour {MDPH.first_name}")
    mdph.goto("/offre/")
    mdph.get_by_label("Commune, code postal ou code INSEE").fill(site.commune_id)
    mdph.get_by_label("Rayon").select_option("5")
    mdph.get_by_label("Mode d'accueil").select_option(CareMode.TEMPORARY_ACCOMMODATION.value)
    mdph.get_by_label("Seulement avec des places libres aujourd'hui").check()
    mdph.get_by_role("button", name="Rechercher").click()
    result = mdph.locator(".offer-result").filter(has=mdph.get_by_role("link", name=site.name, exact=True))
    found = result.get_by_role("listitem").filter(has_text=unit.name)
    expect(found).to_contain_text("1 place libre sur 6")
    expect(result).to_contain_text("mis à jour à l'instant")  # the site's age (per unit when several match)
    expect(result).to_contain_text(" km")
    mdph.screenshot(path=screenshots / "capacity-found-by-mdph.png", full_page=True)

    # "Modifier": one click opens, the second saves.
    controls.get_by_text("Modifier", exact=True).click()
    controls.get_by_label("Places disponibles").fill("9")
    controls.get_by_role("button", name="Enregistrer").click()
    expect(controls.get_by_role("alert")).to_have_text("Places disponibles : 9 dépasse les places installées (6).")
    page.screenshot(path=screenshots / "capacity-error.png", full_page=True)
    expect(controls.get_by_label("Places disponibles")).to_have_value("9")  # still open, as typed
    controls.get_by_label("Places disponibles").fill("2")
    controls.get_by_role("button", name="Enregistrer").click()
    expect(controls.locator(".capacity-available")).to_have_text("2")
    expect(controls.get_by_role("alert")).to_have_count(0)
    page.screenshot(path=screenshots / "capacity-edited.png", full_page=True)

    # The history: who changed what, when.
    controls.get_by_role("link", name="Historique").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(unit.name)
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)  # +1, then the "Modifier" save
    expect(rows.first).to_contain_text("Noa Démo-Admissions (")
    expect(rows.first).not_to_contain_text(ADMISSIONS.email)
    # On this page a click reloads it, so the history shows the confirmation at once.
    page.get_by_role("button", name="Confirmer (inchangé)").click()
    expect(page.get_by_role("status")).to_contain_text("2 places disponibles, mis à jour à l'instant.")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("confirmé")
    expect(page).to_have_url(re.compile(rf"/offre/capacite/unite/{unit.pk}/$"))
    page.screenshot(path=screenshots / "capacity-history.png", full_page=True)

    # The public site page shows the same controls to its editors.
    page.goto(f"/offre/etablissement/{site.finess}/")
    on_site = page.locator(f"#capacite-{unit.pk}")
    on_site.get_by_role("button", name="−1 place disponible").click()
    expect(on_site.locator(".capacity-available")).to_have_text("1")
    expect(page).to_have_url(re.compile(rf"/offre/etablissement/{site.finess}/$"))
    page.screenshot(path=screenshots / "capacity-site-page.png", full_page=True)

    # Accessibility, with axe-core injected (needs the CSP bypassed).
    audit = make_context().new_page()
    log_in(audit, ADMISSIONS)
    expect(audit.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    audit.goto("/offre/capacite/")
    audit.locator(f"#capacite-{unit.pk} summary").click()  # the open form is audited too
    violations = serious_violations(audit)
    assert not violations, "axe-core on the capacity page:\n" + describe(violations)
