"""In a real browser, under the real CSP: an admission officer opens the waiting list, reads the priority score's
parts, admits a person into the unit's last place, and the unit's free places drop to zero."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from relais.accounts.actor import Actor
from relais.accounts.models import Membership
from relais.offer.codes import CareMode
from relais.offer.models import Unit
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.requests.models import AdmissionRequest
from relais.orientation.requests.services import admission_request_transition, admission_requests_send
from relais.persons.services import person_create

from .test_browser import CSP_LISTENER, describe, log_in, serious_violations
from .test_offer_capacity import ADMISSIONS, MDPH, site_of

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo_territory")]


def actor_of(login) -> Actor:
    membership = Membership.objects.select_related("organisation", "user").get(user__email=login.email)
    return Actor(organisation=membership.organisation, role=membership.role, user=membership.user)


def test_admission_officer_admits_from_the_waiting_list(make_context, screenshots):
    esms, mdph = actor_of(ADMISSIONS), actor_of(MDPH)
    site = site_of(esms.organisation)
    unit = Unit.objects.create(
        site=site, name="Unité de test e2e", care_mode=CareMode.PERMANENT_ACCOMMODATION, installed=4, available=1
    )
    person = person_create(
        actor=mdph, ground="test", family_name="Testeuse", first_names="Maëlle", birth_date=date(1948, 6, 1), sex="F"
    )
    AdmissionFile.objects.create(person=person, urgency=2, urgency_reason="Retour à domicile impossible")
    (request,) = admission_requests_send(actor=mdph, person=person, sites_ranked=[site], idempotency_key="e2e-wl")
    for target in ("40", "42", "72"):
        request = admission_request_transition(actor=esms, request=request, target=target)

    context = make_context(bypass_csp=False)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, ADMISSIONS)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    page.goto("/orientation/esms/liste-attente/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Liste d'attente")
    page.get_by_label("Nom").fill("Testeuse")
    page.get_by_role("button", name="Filtrer").click()
    row = page.locator(f"#demande-{request.pk}")
    expect(row).to_contain_text("TESTEUSE Maëlle")
    expect(row.locator(".score-urgency")).to_contain_text("+60 Urgence : situation urgente")
    expect(row.locator(".score-wish")).to_contain_text("+20 Souhait n° 1 de la personne")
    expect(row.locator(".score-total")).to_have_text("80")  # 60 + 0 (sent today) + 20 + 0 (distance unknown)
    page.screenshot(path=screenshots / "waiting-list.png", full_page=True)

    row.get_by_role("link", name="TESTEUSE Maëlle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("TESTEUSE Maëlle")
    block = page.locator(f"#unite-{unit.pk}")
    expect(block.locator(".unit-available")).to_have_text("1")
    page.get_by_role("button", name=f"Admettre dans l'unité « {unit.name} »").click()
    expect(page.get_by_role("status")).to_contain_text(f"Admission prononcée dans « {unit.name} ». Il reste 0 place")
    expect(page.locator(f"#unite-{unit.pk} .unit-available")).to_have_text("0")
    expect(page.locator("#statut-courant")).to_have_text("Admis·e")  # the word; the code in its tooltip (0038)
    status_word = page.locator("#statut-courant abbr.coded")
    expect(status_word).to_have_attribute("title", re.compile(r"^Code SI-SDO 71 — "))
    status_word.focus()  # keyboard users reach the tooltip too
    expect(status_word).to_be_focused()
    expect(page).to_have_url(re.compile(rf"/orientation/esms/demandes/{request.pk}/$"))
    page.screenshot(path=screenshots / "waiting-list-admitted.png", full_page=True)
    assert not page.evaluate("window.__cspViolations"), "CSP violations on the ESMS screens"
    assert not errors, f"JavaScript errors: {errors}"
    unit.refresh_from_db()
    assert (unit.available, AdmissionRequest.objects.get(pk=request.pk).status) == (0, "71")

    # Accessibility of both pages, with axe-core injected (needs the CSP bypassed).
    audit = make_context().new_page()
    log_in(audit, ADMISSIONS)
    expect(audit.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    for url in ("/orientation/esms/liste-attente/?statut=toutes", f"/orientation/esms/demandes/{request.pk}/"):
        audit.goto(url)
        violations = serious_violations(audit)
        assert not violations, f"axe-core on {url}:\n" + describe(violations)
