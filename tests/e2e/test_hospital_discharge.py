"""In a real browser, issue 13 item 6's "record a hospital discharge": a hospital nurse notes the entry (with its
medical reason) on the record page, then the discharge home from her home page's « Séjours en cours » (2 clicks); the
referent coordinator finds « Sortie d'hôpital » in "Mes notifications" and the « retour à domicile » actions in the
plan, without the reason; axe-core finds no serious or critical violation on the section, on a desktop and on a phone,
nor on the home page's list with its form open."""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.notifications.models import Notification
from relais.pathway import matrix as m
from relais.pathway.circle.models import Ground
from relais.pathway.circle.services import circle_professional_add, record_open
from relais.pathway.record.movements import HospitalMovement
from relais.persons.services import person_create

from .people import PASSWORD, browser_page, professional
from .test_browser import describe, log_in, serious_violations

pytestmark = [pytest.mark.e2e]


def test_record_a_hospital_discharge(make_context, transactional_db, settings, screenshots):
    settings.RELAIS_REQUIRE_2FA = False
    dac = organisation_create(kind=OrganisationKind.DAC, name="DAC Pays de Rance")
    practice = organisation_create(kind=OrganisationKind.HEALTH_PRACTICE, name="Cabinet médical du Port")
    hospital = organisation_create(kind=OrganisationKind.HOSPITAL, name="Centre hospitalier de Dinan")
    member = partial(professional, domain="hospitalisation.test")
    coordinator = member(dac, Role.COORDINATOR, "Soizic", "Kervella", "coordination_staff")
    gp = member(practice, Role.CARE_PROFESSIONAL, "Erwan", "Quere", "physician")
    nurse = member(hospital, Role.CARE_PROFESSIONAL, "Awen", "Le Du", "nurse")
    person = person_create(
        actor=coordinator.actor,
        ground="test",
        family_name="Le Meur",
        first_names="Morgane",
        birth_date=timezone.localdate().replace(year=1936),
        sex="F",
    )
    informed = timezone.now() - timedelta(days=1)
    record = record_open(actor=coordinator.actor, person=person, informed_at=informed)
    circle_professional_add(
        actor=coordinator.actor,
        person=person,
        user=gp.user,
        organisation=practice,
        ground=Ground.CONSENT,
        consent={"scope": [m.IDENTITY, m.MEDICAL, m.PLAN], "method": "written", "given_by": "la personne"},
    )
    circle_professional_add(
        actor=coordinator.actor,
        person=person,
        user=nurse.user,
        organisation=hospital,
        ground=Ground.CARE_TEAM,
        informed_at=informed,
    )
    record_path = f"/parcours/dossiers/{record.pk}/"
    today = timezone.localdate()

    page, errors = browser_page(make_context)
    log_in(page, nurse, PASSWORD)
    page.goto(record_path)
    section = page.locator("#hospitalisations")
    section.locator("summary", has_text="Noter une entrée à l'hôpital").click()
    entry = section.locator("form[action$='/hospitalisations/']")
    entry.get_by_label("Établissement de santé").fill("Centre hospitalier de Dinan")
    entry.get_by_label("Service").fill("Médecine gériatrique")
    entry.get_by_label("Entrée le").fill((today - timedelta(days=6)).isoformat())
    entry.get_by_label("Sortie prévue le").fill((today + timedelta(days=1)).isoformat())
    entry.get_by_label("Motif d'hospitalisation (donnée médicale)").fill("Pneumopathie d'inhalation")
    entry.get_by_role("button", name="Noter l'entrée").click()
    expect(section).to_contain_text("L'entrée à l'hôpital est notée")
    expect(section.locator("#sejour-en-cours")).to_contain_text("À l'hôpital depuis le")

    # From her home page's « Séjours en cours » (2 clicks): axe-core on the list with the form open; a discharge
    # before the entry is refused in French, in the list, where the nurse is; then the discharge home.
    checker = make_context(bypass_csp=True).new_page()  # axe-core is injected: the CSP is bypassed here
    log_in(checker, nurse, PASSWORD)
    checker.goto("/")
    checker.locator("#sejours-en-cours summary", has_text="Noter la sortie").click()
    violations = serious_violations(checker)
    assert not violations, describe(violations)
    checker.context.close()
    page.goto("/")
    stays = page.locator("#sejours-en-cours")
    expect(stays.locator("tbody tr")).to_have_count(1)
    expect(stays).to_contain_text("LE MEUR Morgane")
    expect(stays).not_to_contain_text("Pneumopathie")
    stays.locator("summary", has_text="Noter la sortie").click()
    leave = stays.locator("form[action$='/sortie/']")
    leave.get_by_label("Sortie le").fill((today - timedelta(days=9)).isoformat())
    leave.get_by_label("Destination").select_option(label="Retour à domicile")
    leave.get_by_role("button", name="Noter la sortie").click()
    expect(stays.get_by_role("alert")).to_contain_text("ne peut pas précéder l'entrée")
    stays.locator("summary", has_text="Noter la sortie").click()
    leave.get_by_label("Sortie le").fill(today.isoformat())
    leave.get_by_label("Destination").select_option(label="Retour à domicile")
    leave.get_by_role("button", name="Noter la sortie").click()
    expect(stays).to_contain_text("La sortie est notée")
    expect(stays).to_contain_text("Aucun séjour en cours dans votre établissement")
    page.goto(record_path)
    section = page.locator("#hospitalisations")
    expect(section.locator("#sejour-" + str(HospitalMovement.objects.get().pk))).to_contain_text("Retour à domicile")
    assert page.evaluate("window.__cspViolations || []") == [] and errors == []

    # The referent coordinator: notified of the discharge (no reason), sees the stay and the checklist's actions.
    coordinator_page = make_context(bypass_csp=True).new_page()  # axe-core is injected: the CSP is bypassed here
    coordinator_errors = []
    coordinator_page.on("pageerror", lambda error: coordinator_errors.append(str(error)))
    log_in(coordinator_page, coordinator, PASSWORD)
    coordinator_page.goto("/notifications/")
    row = coordinator_page.locator("tbody tr", has_text="Sortie d'hôpital")
    expect(row).to_contain_text("retour à domicile")
    expect(coordinator_page.locator("main")).not_to_contain_text("Pneumopathie")
    coordinator_page.goto(record_path + "#hospitalisations")
    stays = coordinator_page.locator("#hospitalisations")
    expect(stays).to_contain_text("Médecine gériatrique")
    expect(stays).to_contain_text("Actions de retour à domicile ajoutées au plan")
    expect(coordinator_page.locator("main")).not_to_contain_text("Pneumopathie")
    stays.locator("summary", has_text="Noter une entrée à l'hôpital").click()  # axe-core checks the open form too
    stays.screenshot(path=str(screenshots / "hospital-discharge-coordinator.png"))
    violations = serious_violations(coordinator_page)
    assert not violations, describe(violations)
    coordinator_page.set_viewport_size({"width": 390, "height": 844})
    stays.scroll_into_view_if_needed()
    stays.screenshot(path=str(screenshots / "hospital-discharge-phone.png"))
    assert stays.evaluate("s => s.scrollWidth <= s.clientWidth")  # nothing wider than a phone in the section
    violations = serious_violations(coordinator_page)
    assert not violations, describe(violations)
    coordinator_page.goto(f"/parcours/dossiers/{record.pk}/plan/")
    expect(coordinator_page.locator("main")).to_contain_text("Appel J+1 après le retour à domicile")
    assert coordinator_errors == []
    # The GP (consent: medical data, not social) is told of the medical part only.
    assert set(Notification.objects.filter(recipient=gp.user).values_list("kind", flat=True)) == {
        "pathway.hospital_medical"
    }
