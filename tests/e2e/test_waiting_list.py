"""In a real browser, under the real CSP: an admission officer opens the waiting list, reads the priority score's
parts, opens the first person's request and admits her from it, in a unit that declares no free place: the
confirmation on the page says what happens to the figures, and no detour through the capacity page is needed."""

import io
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
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


def test_admission_officer_admits_from_the_request_page_without_a_declared_free_place(make_context, screenshots):
    """Home page → the admissible persons → the first person's request → "Admettre dans l'unité …" opens the
    confirmation on the page (who, where, the entry day pre-filled, "aucune place n'est déclarée libre" and what
    happens to the figures) → "Confirmer l'admission": admitted, the unit still at 0 free place, its figures dated
    now. The list stays one line per request (details on demand), on a desktop and a phone; axe-core finds no
    serious violation on the new and changed screens, the confirmation open."""
    # The official labels shown in the status tooltip come from the SI-SDO code lists.
    call_command("load_sdo_terminology", stdout=io.StringIO())
    esms, mdph = actor_of(ADMISSIONS), actor_of(MDPH)
    site = site_of(esms.organisation)
    Unit.objects.filter(site=site).update(available=0)  # the test unit is the only one with a place
    unit = Unit.objects.create(  # full as declared 12 days ago: a departure since was not declared
        site=site,
        name="Unité de test e2e",
        care_mode=CareMode.PERMANENT_ACCOMMODATION,
        installed=4,
        available=0,
        occupied=4,
        capacity_updated_at=timezone.now() - timedelta(days=12),
    )
    person = person_create(
        actor=mdph, ground="test", family_name="Testeuse", first_names="Maëlle", birth_date=date(1948, 6, 1), sex="F"
    )
    AdmissionFile.objects.create(person=person, urgency=3, urgency_reason="Retour à domicile impossible")
    (request,) = admission_requests_send(actor=mdph, person=person, sites_ranked=[site], idempotency_key="e2e-wl")
    for target in ("40", "42", "72"):
        request = admission_request_transition(actor=esms, request=request, target=target)
    today = timezone.localdate()

    # Accessibility first (axe-core injected: the CSP is bypassed in this context), before anything is admitted.
    audit = make_context().new_page()
    log_in(audit, ADMISSIONS)
    expect(audit.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    for url in (
        "/",
        "/orientation/esms/liste-attente/?statut=toutes",
        f"/orientation/esms/demandes/{request.pk}/",
        f"/orientation/esms/demandes/{request.pk}/?admettre#admettre",  # the confirmation open
        "/orientation/esms/liste-attente/commission/",
    ):
        audit.goto(url)
        violations = serious_violations(audit)
        assert not violations, f"axe-core on {url}:\n" + describe(violations)
    audit.goto("/orientation/esms/liste-attente/?statut=toutes")
    audit.locator("details.row-details").first.evaluate("element => element.open = true")
    assert not serious_violations(audit), "axe-core on the waiting list, a line's details open"
    audit.goto("/orientation/esms/liste-attente/commission/")
    audit.screenshot(path=screenshots / "committee-list.png", full_page=True)
    audit.emulate_media(media="print")
    audit.screenshot(path=screenshots / "committee-list-print.png", full_page=True)

    context = make_context(bypass_csp=False)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, ADMISSIONS)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    todo = page.locator("#admissions")
    expect(todo).to_contain_text("nouvelle")  # new requests announced, even when none
    todo.locator("#a-faire-admissibles").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Liste d'attente")
    expect(page.get_by_label("Statut")).to_have_value("admissibles")
    first = page.locator("table.waiting-list tbody tr").first
    expect(first).to_contain_text("TESTEUSE Maëlle")  # critical urgency: first by priority
    page.wait_for_load_state("load")  # a click does not wait for the stylesheets: measure once they apply
    box = first.bounding_box()
    assert box and box["height"] < 60, f"a line of the waiting list is {box and box['height']} px high"
    expect(first.locator(".score-urgency")).not_to_be_visible()  # details on demand
    first.get_by_text("Détails").click()
    expect(first.locator(".score-urgency")).to_contain_text("Urgence : situation critique")
    page.screenshot(path=screenshots / "waiting-list.png", full_page=True)

    first.get_by_role("link", name="TESTEUSE Maëlle", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("TESTEUSE Maëlle")
    confirm = page.locator(f"#admettre-{unit.pk}")
    expect(confirm.get_by_role("button", name="Confirmer l'admission")).not_to_be_visible()  # closed until asked
    confirm.get_by_text(f"Admettre dans l'unité « {unit.name} »…").click()
    summary = page.locator(f"#recapitulatif-{unit.pk}")
    expect(summary).to_contain_text("TESTEUSE Maëlle")
    expect(summary).to_contain_text(f"dans l'unité « {unit.name} » de {site.name}")
    expect(confirm.get_by_label("Admis·e à partir du")).to_have_value(today.isoformat())
    warning = page.locator(f"#place-non-declaree-{unit.pk}")
    expect(warning).to_contain_text(f"Aucune place n'est déclarée libre dans « {unit.name} »")
    expect(warning).to_contain_text("mis à jour il y a 12 jours")
    expect(warning).to_contain_text("les places disponibles restent à 0, les places occupées à 4")
    assert AdmissionRequest.objects.get(pk=request.pk).status == "72"  # nothing done before the confirmation
    page.screenshot(path=screenshots / "admission-confirmation.png", full_page=True)
    confirm.get_by_role("button", name="Confirmer l'admission").click()

    expect(page.get_by_role("status")).to_contain_text(f"Admission prononcée dans « {unit.name} », à partir du")
    expect(page.locator(f"#unite-{unit.pk} .unit-available")).to_have_text("0")
    expect(page.locator("#statut-courant")).to_have_text("Admis·e")  # the word; the code in its tooltip (0038)
    status_word = page.locator("#statut-courant abbr.coded")
    expect(status_word).to_have_attribute("title", re.compile(r"^Code SI-SDO 71 — "))
    status_word.focus()  # keyboard users reach the tooltip too
    expect(status_word).to_be_focused()
    expect(page.locator("#entree-prevue time")).to_have_attribute("datetime", today.isoformat())
    expect(page).to_have_url(re.compile(rf"/orientation/esms/demandes/{request.pk}/$"))
    page.screenshot(path=screenshots / "waiting-list-admitted.png", full_page=True)
    assert not page.evaluate("window.__cspViolations"), "CSP violations on the ESMS screens"
    assert not errors, f"JavaScript errors: {errors}"
    unit.refresh_from_db()
    admitted = AdmissionRequest.objects.get(pk=request.pk)
    assert (unit.available, unit.occupied, admitted.status, admitted.planned_entry_on) == (0, 4, "71", today)
    assert unit.capacity_updated_at > timezone.now() - timedelta(minutes=5)  # the figures vouched for today

    # On a phone: the list still reads one line per request, without sideways scrolling of the page.
    phone = make_context(width=390, height=844).new_page()
    log_in(phone, ADMISSIONS)
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Bonjour {ADMISSIONS.first_name}")
    phone.goto("/orientation/esms/liste-attente/?statut=toutes")
    phone.screenshot(path=screenshots / "waiting-list-phone.png", full_page=True)
    wide = phone.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.table-wrap'))"
        ".slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + e.getBoundingClientRect().right)"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, f"wider than the phone: {wide}"
