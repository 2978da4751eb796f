"""In a real browser, under the real CSP: an MDPH officer creates a synthetic person, records the CDAPH decision and
sends requests to three ESMS in the person's order of wishes; the person's page shows the three requests in status 39,
then one is cancelled (49) with its reason and the history shows it. axe-core checks the four pages.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from relais.accounts.models import Organisation
from relais.accounts.roles import OrganisationKind, Role
from relais.demo.logins import DEMO_LOGINS
from relais.offer.models import Category, LegalEntity, Site
from relais.orientation.requests.models import AdmissionRequest
from relais.persons.models import Person
from relais.territory.models import Commune

from .test_browser import CSP_LISTENER, describe, log_in, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo_territory")]

MDPH = next(login for login in DEMO_LOGINS if login.memberships[0][1] == Role.ORIENTATION_OFFICER)
NAMES = ("Foyer de vie Les Oliviers (test)", "Foyer de vie Le Maquis (test)", "Foyer de vie A Torra (test)")


def three_sites() -> list[Site]:
    ajaccio = Commune.objects.get(insee_code="2A004")
    category, _ = Category.objects.get_or_create(
        code="449", defaults={"label": "Établissement d'accueil non médicalisé", "is_medico_social": True}
    )
    entity = LegalEntity.objects.create(finess="2A0999977", name="Association de test", commune=ajaccio)
    sites = []
    for n, name in enumerate(NAMES):
        organisation = Organisation.objects.create(kind=OrganisationKind.ESMS, name=name)
        sites.append(
            Site.objects.create(
                finess=f"2A099995{n}",
                name=name,
                legal_entity=entity,
                organisation=organisation,
                category=category,
                commune=ajaccio,
                city=ajaccio.name,
            )
        )
    return sites


def check_page(page, errors, name, screenshots):
    """No CSP violation nor JavaScript error on the page (real CSP); its screenshot for review."""
    assert not page.evaluate("window.__cspViolations"), f"CSP violations on {name}"
    assert not errors, f"JavaScript errors on {name}: {errors}"
    page.screenshot(path=screenshots / f"orientation-{name}.png", full_page=True)


def check_accessibility(make_context, urls, screenshots):
    """axe-core needs its script injected, so it runs in a context that bypasses the CSP (checked above).
    Last, the possible duplicates shown when the same person is typed again with a typo."""
    page = make_context().new_page()
    log_in(page, MDPH)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {MDPH.first_name}")
    for url in urls:
        page.goto(url)
        violations = serious_violations(page)
        assert not violations, f"Accessibility violations on {url}:\n{describe(violations)}"
    page.goto("/orientation/personnes/nouvelle/")
    page.get_by_label("Nom de naissance").fill("Testacia")
    page.get_by_label("Prénoms de naissance").fill("Lisandru")
    page.get_by_label("Date de naissance").fill("1998-04-17")
    page.get_by_label("Sexe").select_option("M")
    page.get_by_role("button", name="Vérifier les doublons et créer").click()
    duplicates = page.get_by_role("region", name="C'est cette personne ?")
    expect(duplicates).to_contain_text("Testaccia Lisandru")
    expect(duplicates).to_contain_text("déjà suivie par votre organisation")
    violations = serious_violations(page)
    assert not violations, f"Accessibility violations on the duplicates:\n{describe(violations)}"
    page.screenshot(path=screenshots / "orientation-duplicates.png", full_page=True)
    page.get_by_label("Nom de naissance").press("Enter")  # Enter re-checks the identity, never picks a record
    expect(duplicates).to_be_visible()
    duplicates.get_by_role("button", name="Oui, c'est cette personne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("TESTACCIA Lisandru")
    assert Person.objects.filter(first_names="Lisandru", birth_date="1998-04-17").count() == 1


def test_mdph_officer_records_a_decision_and_sends_three_ranked_requests(make_context, screenshots):
    call_command("load_sdo_terminology", stdout=io.StringIO())
    sites = three_sites()
    context = make_context(bypass_csp=False)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, MDPH)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {MDPH.first_name}")

    # A new synthetic person.
    page.goto("/orientation/personnes/")
    page.get_by_role("link", name="Nouvelle personne").click()
    page.get_by_label("Nom de naissance").fill("Testaccia")
    page.get_by_label("Prénoms de naissance").fill("Lisandru")
    page.get_by_label("Date de naissance").fill("1998-04-17")
    page.get_by_label("Sexe").select_option("M")
    check_page(page, errors, "person-create", screenshots)
    page.get_by_role("button", name="Vérifier les doublons et créer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("TESTACCIA Lisandru")
    person = Person.objects.get(family_name="Testaccia")

    # The CDAPH decision.
    page.get_by_role("link", name="Enregistrer une décision ou une demande sans décision").click()
    decision_form_url = page.url
    page.get_by_label("Décision d'orientation de la CDAPH (MDPH)").check()
    page.get_by_label("Identifiant de la décision MDPH").fill("2A-2026-00917")
    page.get_by_label("Début de validité").fill("2026-01-05")
    page.get_by_label("Fin de validité").fill("2031-01-04")
    page.get_by_label(re.compile(r"\(449\)$")).check()
    check_page(page, errors, "decision", screenshots)
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_role("status")).to_contain_text("Décision d'orientation enregistrée.")

    # Three ESMS, chosen by a name search (htmx fragments), ranked in the person's order of wishes.
    decision_url = page.url
    page.get_by_role("link", name="Envoyer des demandes d'admission").click()
    page.get_by_label("Ou un nom, une ville, un n° FINESS").fill("(test)")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator(".send-results caption")).to_contain_text("contient « (test) »")
    for name in NAMES:
        page.get_by_role("link", name=f"Ajouter {name}").click()
        expect(page.get_by_label(f"Rang de {name}")).to_be_visible()
    page.get_by_label(f"Rang de {NAMES[0]}").fill("3")
    page.get_by_label(f"Rang de {NAMES[1]}").fill("1")
    page.get_by_label(f"Rang de {NAMES[2]}").fill("2")
    page.get_by_label(f"Rester sur la liste de {NAMES[1]}").check()
    check_page(page, errors, "send", screenshots)
    send_url = page.url
    page.get_by_role("button", name="Envoyer 3 demandes").click()
    expect(page.get_by_role("status")).to_contain_text("3 demandes d'admission envoyées.")

    # The person's page: three requests in status 39 (« Nouvelle demande », the code in its tooltip), in wish order.
    table = page.get_by_role("table", name="Par rang de souhait de la personne")
    rows = table.locator("tbody tr[id^=demande-]")
    expect(rows).to_have_count(3)
    for rank, name in enumerate((NAMES[1], NAMES[2], NAMES[0]), start=1):
        expect(rows.nth(rank - 1)).to_contain_text(name)
        expect(rows.nth(rank - 1)).to_contain_text("Nouvelle demande")
        status = rows.nth(rank - 1).locator("abbr.coded").first
        expect(status).to_have_attribute("title", re.compile(r"^Code SI-SDO 39"))
    check_page(page, errors, "person", screenshots)

    # The person moves away from the third wish: the MDPH cancels that notification, with its reason.
    page.get_by_text(f"Agir sur la demande à {NAMES[0]}").click()
    action = page.get_by_role("group").filter(has_text=f"Agir sur la demande à {NAMES[0]}")
    action.get_by_label("Nouveau statut").select_option("49")
    action.get_by_label(re.compile("^Motif")).select_option("100")
    action.get_by_role("button", name="Appliquer").click()
    expect(page.get_by_role("status")).to_contain_text(f"« {NAMES[0]} » : statut mis à jour.")
    expect(rows.nth(2)).to_contain_text("Demande annulée")
    history = page.get_by_role("table", name=re.compile("Tous les changements de statut"))
    expect(history).to_contain_text("Choix de la personne")
    expect(history.locator("abbr.coded[title^='Motif SI-SDO 100']")).to_have_count(1)
    check_page(page, errors, "person-cancelled", screenshots)
    requests = AdmissionRequest.objects.filter(person=person).order_by("wish_rank")
    assert [(r.site_id, r.status, r.decision.mdph_decision_id) for r in requests] == [
        (sites[1].pk, "39", "2A-2026-00917"),
        (sites[2].pk, "39", "2A-2026-00917"),
        (sites[0].pk, "49", "2A-2026-00917"),
    ]
    check_accessibility(
        make_context, ["/orientation/personnes/nouvelle/", decision_form_url, send_url, decision_url], screenshots
    )
