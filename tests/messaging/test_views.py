"""The messaging screens over HTTP: 404 for what may not be read, receipts shown to the sender, attachments served
as downloads after the policy is asked again, "Mes messages" with unread first, and each page view traced."""

from datetime import timedelta

from django.utils import timezone

from relais.audit.models import AccessLogEntry
from relais.messaging.models import Attachment, ReadReceipt, Thread, ThreadKind
from relais.messaging.services import message_post, thread_start
from relais.pathway.circle.models import CircleMember

from .conftest import PDF, pdf


def start_exchange(world, **extra):
    return thread_start(
        actor=world.subjects["referent"].actor,
        person=world.person,
        kind=ThreadKind.EXCHANGE,
        subject=extra.pop("subject", "Passage infirmier"),
        body="Pouvez-vous passer demain ?",
        recipients=[world.members["nurse"]],
        **extra,
    )


def test_a_member_starts_an_exchange_through_the_form(world, login):
    client = login(world.subjects["referent"].actor)
    page = client.get(f"/messagerie/dossiers/{world.record.pk}/")
    assert page.status_code == 200
    assert "Échange avec des destinataires nommés" in page.content.decode()
    response = client.post(
        f"/messagerie/dossiers/{world.record.pk}/nouveau/",
        {
            "kind": "exchange",
            "recipients": [world.members["nurse"].pk],
            "category": "messages",
            "subject": "Passage",
            "body": "Bonjour",
            "attachment": pdf(),
        },
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response.url == f"/messagerie/fils/{thread.pk}/"
    assert thread.kind == ThreadKind.EXCHANGE and Attachment.objects.filter(message__thread=thread).count() == 1


def test_an_exchange_without_recipient_is_refused_in_french(world, login):
    client = login(world.subjects["referent"].actor)
    response = client.post(
        f"/messagerie/dossiers/{world.record.pk}/nouveau/",
        {"kind": "exchange", "category": "messages", "subject": "Passage", "body": "Bonjour"},
        follow=True,
    )
    assert "Un échange doit avoir au moins un·e destinataire." in response.content.decode()
    assert not Thread.objects.exists()


def test_a_recipient_outside_the_circle_is_not_even_offered(world, login):
    client = login(world.subjects["referent"].actor)
    response = client.post(
        f"/messagerie/dossiers/{world.record.pk}/nouveau/",
        {"kind": "exchange", "recipients": [999_999], "category": "messages", "subject": "x", "body": "y"},
        follow=True,
    )
    assert "Destinataires (pour un échange)" in response.content.decode()
    assert not Thread.objects.exists()


def test_thread_page_404_for_non_participants_outsiders_and_missing_ids(world, login):
    thread = start_exchange(world)
    for key in ("social_care_team", "outsider", "analyst", "legal_guardian"):
        assert login(world.subjects[key].actor).get(f"/messagerie/fils/{thread.pk}/").status_code == 404, key
    assert login(world.subjects["referent"].actor).get("/messagerie/fils/999999/").status_code == 404
    assert login(world.subjects["outsider"].actor).get(f"/messagerie/dossiers/{world.record.pk}/").status_code == 404


def test_the_sender_sees_the_read_receipt(world, login):
    thread = start_exchange(world)
    author = login(world.subjects["referent"].actor)
    assert "Pas encore lu." in author.get(f"/messagerie/fils/{thread.pk}/").content.decode()
    nurse = world.subjects["health_care_team"]
    page = login(nurse.actor).get(f"/messagerie/fils/{thread.pk}/").content.decode()
    assert "Pouvez-vous passer demain ?" in page
    assert "Lu par" not in page  # receipts are for the sender
    receipt = ReadReceipt.objects.get()
    assert receipt.user == nurse.user
    page = login(world.subjects["referent"].actor).get(f"/messagerie/fils/{thread.pk}/").content.decode()
    assert f"Lu par {nurse.actor.public_label}" in page and nurse.actor.user.email not in page


def test_attachment_is_a_download_rechecked_against_the_policy(world, login):
    thread = start_exchange(world, attachment=pdf('rapport"<script>.pdf'))
    attachment = Attachment.objects.get(message__thread=thread)
    response = login(world.subjects["health_care_team"].actor).get(f"/messagerie/pieces-jointes/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    for key in ("social_care_team", "outsider"):
        url = f"/messagerie/pieces-jointes/{attachment.pk}/"
        assert login(world.subjects[key].actor).get(url).status_code == 404
    today = timezone.localdate()
    CircleMember.objects.filter(pk=world.members["nurse"].pk).update(
        start=today - timedelta(days=30), end=today - timedelta(days=1)
    )
    url = f"/messagerie/pieces-jointes/{attachment.pk}/"
    assert login(world.subjects["health_care_team"].actor).get(url).status_code == 404


def test_inbox_lists_unread_first_and_counts_only_visible_messages(world, login):
    older = start_exchange(world, subject="Ancien fil")
    newer = thread_start(
        actor=world.subjects["referent"].actor,
        person=world.person,
        kind=ThreadKind.SHARING,
        subject="Nouveau partage",
        body="Pour tout le cercle",
    )
    nurse = login(world.subjects["health_care_team"].actor)
    nurse.get(f"/messagerie/fils/{newer.pk}/")  # read the newer one: the older, unread, comes first
    page = nurse.get("/messagerie/").content.decode()
    assert page.index("Ancien fil") < page.index("Nouveau partage")
    assert "1 message non lu" in page
    message_post(actor=world.subjects["referent"].actor, thread=older, body="Relance")
    assert "2 messages non lus" in nurse.get("/messagerie/").content.decode()
    # The educator sees the sharing (already read? no) but never the exchange.
    page = login(world.subjects["social_care_team"].actor).get("/messagerie/").content.decode()
    assert "Nouveau partage" in page and "Ancien fil" not in page
    assert "1 message non lu" in page


def test_page_views_are_traced_with_the_policy_rule(world, login):
    thread = start_exchange(world)
    login(world.subjects["health_care_team"].actor).get(f"/messagerie/fils/{thread.pk}/")
    login(world.subjects["health_care_team"].actor).get("/messagerie/")
    entries = AccessLogEntry.objects.filter(subject=f"persons.person:{world.person.pk}", action="read")
    assert entries.filter(object_type="messaging.thread", ground="care_team").exists()
    assert entries.filter(detail="liste « Mes messages »", ground="care_team").exists()


def test_anonymous_is_sent_to_the_login_page(world, client):
    thread = start_exchange(world)
    response = client.get(f"/messagerie/fils/{thread.pk}/")
    assert response.status_code == 302 and "/compte/connexion/" in response.url
