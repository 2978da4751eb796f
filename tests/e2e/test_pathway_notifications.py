"""In a real browser, the issue's "a hospital discharge posted for a person notifies the ESMS referent and the GP":
the GP (a medical practice) subscribes on the record page, a nurse of the hospital posts the discharge, the GP and
the ESMS referent find it in "Mes notifications" (initials and a link only); the GP switches that kind off on the
preference page. Under the real CSP, with axe-core on the new screens."""

from datetime import timedelta
from functools import partial
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.audit.models import AccessLogEntry
from relais.notifications.models import Notification
from relais.pathway import matrix as m
from relais.pathway.circle.models import Ground
from relais.pathway.circle.services import circle_professional_add, record_open
from relais.persons.services import person_create

from .people import PASSWORD, professional
from .people import browser_page as new_page
from .test_browser import describe, log_in, serious_violations

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def circle(transactional_db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    esms = organisation_create(kind=OrganisationKind.ESMS, name="EHPAD Les Embruns")
    practice = organisation_create(kind=OrganisationKind.HEALTH_PRACTICE, name="Cabinet médical de la Plage")
    hospital = organisation_create(kind=OrganisationKind.HOSPITAL, name="Centre hospitalier de Dinan")

    member = partial(professional, domain="notifications.test")

    referent = member(esms, Role.CARE_PROFESSIONAL, "Nolwenn", "Briand", "educator")
    gp = member(practice, Role.CARE_PROFESSIONAL, "Erwan", "Quere", "physician")
    nurse = member(hospital, Role.CARE_PROFESSIONAL, "Awen", "Le Du", "nurse")
    person = person_create(
        actor=referent.actor,
        ground="test",
        family_name="Le Meur",
        first_names="Morgane",
        birth_date=timezone.localdate().replace(year=1936),
        sex="F",
    )
    informed = timezone.now() - timedelta(days=1)
    record = record_open(actor=referent.actor, person=person, informed_at=informed)
    circle_professional_add(
        actor=referent.actor,
        person=person,
        user=gp.user,
        organisation=practice,
        ground=Ground.CONSENT,
        consent={"scope": [m.IDENTITY, m.SOCIAL, m.MEDICAL, m.PLAN], "method": "written", "given_by": "la personne"},
    )
    circle_professional_add(
        actor=referent.actor,
        person=person,
        user=nurse.user,
        organisation=hospital,
        ground=Ground.CARE_TEAM,
        informed_at=informed,
    )
    return SimpleNamespace(referent=referent, gp=gp, nurse=nurse, record=record, person=person)


def browser_page(make_context, who):
    page, errors = new_page(make_context)
    log_in(page, who, PASSWORD)
    return page, errors


def test_a_discharge_notifies_the_esms_referent_and_the_subscribed_gp(make_context, circle, screenshots):
    record_path = f"/parcours/dossiers/{circle.record.pk}/"

    # The GP follows the person from the record page (the box is loaded by htmx, no inline script).
    gp_page, gp_errors = browser_page(make_context, circle.gp)
    gp_page.goto(record_path)
    box = gp_page.locator("#abonnement")
    expect(box).to_contain_text("Vous ne suivez pas les événements de cette personne.")
    box.get_by_role("button", name="Suivre les événements").click()
    expect(gp_page.locator(".messages")).to_contain_text("Vous suivez les événements de cette personne")
    expect(gp_page.locator("#subscription-state")).to_contain_text("Vous suivez les événements")

    # The hospital nurse posts the discharge on the timeline.
    nurse_page, nurse_errors = browser_page(make_context, circle.nurse)
    nurse_page.goto(record_path)
    nurse_page.locator("summary", has_text="Ajouter un événement").click()
    form = nurse_page.locator("form[action$='/evenements/']")
    form.get_by_label("Nature").select_option(label="Sortie")
    form.get_by_label("Date").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Titre").fill("Sortie du service de médecine gériatrique")
    form.get_by_role("button", name="Ajouter l'événement").click()
    expect(nurse_page.locator("#chronologie")).to_contain_text("Sortie du service de médecine gériatrique")

    # The GP sees it in "Mes notifications": the kind and the initials, never the title; the link opens the record.
    gp_page.goto("/notifications/")
    row = gp_page.locator("tbody tr", has_text="Sortie de la personne")
    expect(row).to_contain_text("M. L.")
    expect(row).not_to_contain_text("gériatrique")
    expect(row).to_contain_text("Centre hospitalier de Dinan")
    gp_page.screenshot(path=str(screenshots / "pathway-notifications-gp.png"), full_page=True)
    row.get_by_role("link", name="Sortie de la personne — M. L.").click()
    expect(gp_page.get_by_role("heading", level=1)).to_have_text("LE MEUR Morgane")
    expect(gp_page.locator("#chronologie")).to_contain_text("Sortie du service de médecine gériatrique")

    # The ESMS referent follows the person by default and is notified too.
    referent_page, referent_errors = browser_page(make_context, circle.referent)
    referent_page.goto("/notifications/")
    expect(referent_page.locator("tbody tr", has_text="Sortie de la personne")).to_contain_text("M. L.")
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        circle.gp.user.pk,
        circle.referent.user.pk,
    }
    traced = AccessLogEntry.objects.filter(
        object_type="notifications.notification", subject__endswith=f":{circle.person.pk}"
    )
    assert traced.count() == 2

    # The GP switches discharges off on the preference page: the next one does not reach them.
    gp_page.goto("/notifications/preferences/")
    gp_page.get_by_label("Mon choix pour « Sortie de la personne »").select_option(label="Ne pas me notifier")
    gp_page.locator("tr", has_text="Sortie de la personne").get_by_role("button", name="Enregistrer").click()
    expect(gp_page.locator(".messages")).to_contain_text("« Sortie de la personne » : ne pas me notifier.")
    nurse_page.goto(record_path)
    nurse_page.locator("summary", has_text="Ajouter un événement").click()
    form = nurse_page.locator("form[action$='/evenements/']")
    form.get_by_label("Nature").select_option(label="Sortie")
    form.get_by_label("Date").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Titre").fill("Seconde sortie")
    form.get_by_role("button", name="Ajouter l'événement").click()
    expect(nurse_page.locator("#chronologie")).to_contain_text("Seconde sortie")
    assert Notification.objects.filter(recipient=circle.gp.user).count() == 1
    assert Notification.objects.filter(recipient=circle.referent.user).count() == 2

    for p, errs in ((gp_page, gp_errors), (nurse_page, nurse_errors), (referent_page, referent_errors)):
        assert p.evaluate("window.__cspViolations || []") == []
        assert errs == []

    for path in (record_path + "abonnement/", "/notifications/", "/notifications/preferences/"):
        context = make_context(bypass_csp=True)
        page = context.new_page()
        log_in(page, circle.gp, PASSWORD)
        page.goto(path)
        violations = serious_violations(page)
        assert not violations, f"{path}:\n{describe(violations)}"
