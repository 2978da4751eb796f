"""In a real browser, the secure messaging of issue #6: a GP (a medical practice) and a home-care nurse (a SSIAD) of
one care circle exchange a message with an attachment; the read receipt shows to the GP; a nurse of the same SSIAD
outside the circle gets a 404; once the nurse has left the circle she sees nothing new (nor the old thread).
Under the real CSP, with axe-core on each screen."""

from datetime import timedelta
from functools import partial
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import organisation_create
from relais.messaging.models import Thread
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, Ground
from relais.pathway.circle.services import circle_member_end, circle_professional_add, record_open
from relais.persons.services import person_create

from .people import PASSWORD, accessible, browser_page, professional
from .test_browser import log_in

pytestmark = [pytest.mark.e2e]
PDF = b"%PDF-1.4\n% ordonnance de synthese\n"


@pytest.fixture
def circle(transactional_db, settings, tmp_path):
    settings.RELAIS_REQUIRE_2FA = False
    settings.MEDIA_ROOT = tmp_path
    dac = organisation_create(kind=OrganisationKind.DAC, name="DAC Pays de Rance")
    practice = organisation_create(kind=OrganisationKind.HEALTH_PRACTICE, name="Cabinet médical du Port")
    ssiad = organisation_create(kind=OrganisationKind.ESMS, name="SSIAD Côte d'Émeraude")

    member = partial(professional, domain="messagerie.test")

    coordinator = member(dac, Role.COORDINATOR, "Lou", "Kerjean", "coordination_staff")
    gp = member(practice, Role.CARE_PROFESSIONAL, "Charlie", "Le Bris", "physician")
    nurse = member(ssiad, Role.CARE_PROFESSIONAL, "Eden", "Guillou", "nurse")
    outsider = member(ssiad, Role.CARE_PROFESSIONAL, "Maël", "Tanguy", "nurse")
    person = person_create(
        actor=coordinator.actor,
        ground="test",
        family_name="Le Goff",
        first_names="Maïwenn",
        birth_date=timezone.localdate().replace(year=1938),
        sex="F",
    )
    record = record_open(actor=coordinator.actor, person=person)
    circle_professional_add(
        actor=coordinator.actor,
        person=person,
        user=gp.user,
        organisation=practice,
        ground=Ground.CONSENT,
        consent={"scope": [m.IDENTITY, m.MEDICAL, m.MESSAGES], "method": "written", "given_by": "la personne"},
    )
    nurse_member = circle_professional_add(
        actor=coordinator.actor,
        person=person,
        user=nurse.user,
        organisation=ssiad,
        ground=Ground.CARE_TEAM,
        informed_at=timezone.now() - timedelta(days=40),
    )
    # Joined a month ago, so that ending the membership (yesterday) takes effect at once.
    CircleMember.objects.filter(pk=nurse_member.pk).update(start=timezone.localdate() - timedelta(days=30))
    return SimpleNamespace(
        coordinator=coordinator, gp=gp, nurse=nurse, outsider=outsider, record=record, nurse_member=nurse_member
    )


def test_two_organisations_exchange_a_message_with_an_attachment(make_context, circle, screenshots, tmp_path):
    threads_path = f"/messagerie/dossiers/{circle.record.pk}/"

    # The GP writes to the nurse, naming her, with a PDF attached.
    gp_page, gp_errors = browser_page(make_context)
    log_in(gp_page, circle.gp, PASSWORD)
    gp_page.goto(threads_path)
    expect(gp_page.get_by_role("heading", level=1)).to_have_text("Messages — LE GOFF Maïwenn")
    form = gp_page.locator("form[action$='/nouveau/']")
    form.get_by_label("Échange avec des destinataires nommés").check()
    form.get_by_label("Eden Guillou — SSIAD Côte d'Émeraude").check()
    expect(form.get_by_label("Lou Kerjean — DAC Pays de Rance")).to_be_visible()
    expect(form.locator("label", has_text="Maël Tanguy")).to_have_count(0)  # outside the circle: not offered
    form.get_by_label("Catégorie de données").select_option(label="Données médicales")
    form.get_by_label("Objet").fill("Pansement du talon")
    form.get_by_label("Message", exact=False).first.fill("Pouvez-vous refaire le pansement demain ? Ordonnance jointe.")
    form.get_by_label("Pièce jointe").set_input_files(
        files=[{"name": "ordonnance.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    form.get_by_role("button", name="Envoyer").click()
    expect(gp_page.locator(".messages")).to_contain_text("L'échange est envoyé.")
    expect(gp_page.get_by_role("heading", level=1)).to_have_text("Pansement du talon")
    expect(gp_page.locator("#scope-title")).to_have_text("Échange avec des destinataires nommés")
    expect(gp_page.locator(".messaging-receipts")).to_have_text("Pas encore lu.")
    thread = Thread.objects.get()
    thread_path = f"/messagerie/fils/{thread.pk}/"
    attachment_path = f"/messagerie/pieces-jointes/{thread.messages.get().attachments.get().pk}/"

    # The nurse sees it unread in "Mes messages", opens it and downloads the attachment.
    nurse_page, nurse_errors = browser_page(make_context)
    log_in(nurse_page, circle.nurse, PASSWORD)
    nurse_page.goto("/messagerie/")
    expect(nurse_page.locator("#unread-count")).to_have_text("1 message non lu")
    nurse_page.screenshot(path=str(screenshots / "messaging-inbox.png"), full_page=True)
    nurse_page.get_by_role("link", name="Pansement du talon").click()
    expect(nurse_page.locator(".messaging-message")).to_contain_text("Pouvez-vous refaire le pansement demain ?")
    expect(nurse_page.locator(".messaging-receipts")).to_have_count(0)  # receipts are for the sender
    with nurse_page.expect_download() as download_info:
        nurse_page.get_by_role("link", name="ordonnance.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "ordonnance.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF
    nurse_page.screenshot(path=str(screenshots / "messaging-thread-nurse.png"), full_page=True)

    # The read receipt shows to the GP.
    gp_page.goto(thread_path)
    expect(gp_page.locator(".messaging-receipts")).to_contain_text("Lu par Eden Guillou")
    gp_page.screenshot(path=str(screenshots / "messaging-thread-receipt.png"), full_page=True)

    # A nurse of the same SSIAD, outside the circle: 404 on the thread, its attachment and the person's threads.
    outsider_page, outsider_errors = browser_page(make_context)
    log_in(outsider_page, circle.outsider, PASSWORD)
    for path in (thread_path, attachment_path, threads_path):
        response = outsider_page.goto(path)
        assert response.status == 404, path
    expect(outsider_page.locator("main")).not_to_contain_text("Le Goff")
    outsider_page.goto("/messagerie/")
    expect(outsider_page.locator("main")).to_contain_text("Aucun message.")

    # The nurse leaves the circle; the GP writes again: the nurse sees nothing new, nor the old thread.
    circle_member_end(actor=circle.coordinator.actor, member=circle.nurse_member)
    reply = gp_page.locator("form[action$='/repondre/']")
    reply.get_by_label("Votre réponse").fill("Finalement, le pansement est reporté.")
    reply.get_by_role("button", name="Envoyer la réponse").click()
    expect(gp_page.locator(".messages")).to_contain_text("Votre réponse est envoyée.")
    nurse_page.goto("/messagerie/")
    expect(nurse_page.locator("main")).to_contain_text("Aucun message.")
    expect(nurse_page.locator("main")).not_to_contain_text("Pansement du talon")
    assert nurse_page.goto(thread_path).status == 404
    assert nurse_page.goto(attachment_path).status == 404

    for p, errs in ((gp_page, gp_errors), (nurse_page, nurse_errors), (outsider_page, outsider_errors)):
        assert p.evaluate("window.__cspViolations || []") == []
        assert [e for e in errs if "status of 404" not in e] == []

    for path in (threads_path, thread_path, "/messagerie/"):
        accessible(make_context, path, circle.gp)
