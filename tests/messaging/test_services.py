"""The messaging services against the real policy: who may send, to whom, who sees what, receipts, traces."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from relais.audit.models import AccessLogEntry
from relais.messaging import selectors as sel
from relais.messaging.models import Attachment, Message, ReadReceipt, Thread, ThreadKind
from relais.messaging.services import message_post, thread_read, thread_start
from relais.notifications.models import Notification
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember
from relais.pathway.circle.services import objection_record
from tests.pathway.fhir.circle import build_circle

from .conftest import pdf


def actor(world, key):
    return world.subjects[key].actor


def exchange(world, author="referent", to=("nurse",), **extra):
    extra.setdefault("body", "Pouvez-vous passer demain matin ?")
    extra.setdefault("subject", "Pansement")
    return thread_start(
        actor=actor(world, author),
        person=world.person,
        kind=ThreadKind.EXCHANGE,
        recipients=[world.members[key] for key in to],
        **extra,
    )


def visible(world, key):
    a = actor(world, key)
    seen = sel.visibility(user=a.user, organisation=a.organisation, record=world.record)
    return set(seen.threads().values_list("pk", flat=True))


def test_an_exchange_is_seen_by_its_participants_only(world):
    thread = exchange(world)
    assert thread.participants.count() == 2
    assert thread.pk in visible(world, "referent")
    assert thread.pk in visible(world, "health_care_team")
    for other in ("health_consent", "social_care_team", "other_consent", "legal_guardian", "carer", "outsider"):
        assert thread.pk not in visible(world, other), other


def test_a_sharing_is_seen_by_every_member_who_may_read_its_category(world):
    thread = thread_start(
        actor=actor(world, "referent"),
        person=world.person,
        kind=ThreadKind.SHARING,
        subject="Retour à domicile",
        body="Retour prévu lundi.",
    )
    for member in ("referent", "health_care_team", "social_care_team", "other_consent", "carer", "legal_guardian"):
        assert thread.pk in visible(world, member), member
    # The GP's consent covers identity, medical and plan: not messages.
    assert thread.pk not in visible(world, "health_consent")
    assert thread.pk not in visible(world, "outsider")
    assert thread.pk not in visible(world, "analyst")


def test_nobody_outside_the_circle_can_be_a_recipient(world):
    other_circle = build_circle()  # a real member, of another person's circle
    with pytest.raises(ValidationError, match="n'est pas membre actif·ve du cercle de soins de cette personne"):
        thread_start(
            actor=actor(world, "referent"),
            person=world.person,
            kind=ThreadKind.EXCHANGE,
            subject="Test",
            body="Bonjour",
            recipients=[world.members["nurse"], other_circle.members["nurse"]],
        )
    with pytest.raises(ValidationError, match="au moins un·e destinataire"):
        exchange(world, to=())
    assert not Thread.objects.exists() and not Message.objects.exists()


def test_an_ended_member_cannot_be_a_recipient(world):
    today = timezone.localdate()
    CircleMember.objects.filter(pk=world.members["nurse"].pk).update(
        start=today - timedelta(days=30), end=today - timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="membre actif·ve"):
        exchange(world)


def test_a_medical_exchange_only_to_recipients_allowed_to_read_medical_data(world):
    with pytest.raises(ValidationError, match="ne peut pas lire les données médicales"):
        exchange(world, author="health_consent", to=("nurse", "educator"), category=m.MEDICAL)
    thread = exchange(world, author="health_consent", to=("nurse",), category=m.MEDICAL)
    assert thread.category == m.MEDICAL
    assert thread.pk in visible(world, "health_care_team")


def test_a_consent_that_does_not_cover_messages_forbids_writing(world):
    with pytest.raises(PermissionDenied, match="ne couvre pas les messages"):
        exchange(world, author="health_consent", to=("nurse",))


def test_the_author_must_be_allowed_to_write_the_category(world):
    # The educator (social) may not write medical data.
    with pytest.raises(PermissionDenied, match="ne peut pas modifier"):
        exchange(world, author="social_care_team", to=("nurse",), category=m.MEDICAL)
    with pytest.raises(PermissionDenied):
        exchange(world, author="outsider", to=("nurse",))


def test_attachments_are_checked_and_nothing_is_half_written(world):
    with pytest.raises(ValidationError, match="Type de pièce jointe refusé"):
        exchange(world, attachment=SimpleUploadedFile("x.html", b"<html><script>alert(1)</script>"))
    assert not Thread.objects.exists() and not Attachment.objects.exists()
    thread = exchange(world, attachment=pdf("../../etc/compte\x00rendu.pdf"))
    attachment = Attachment.objects.get(message__thread=thread)
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "compterendu.pdf"
    assert "compte" not in attachment.file.name


def test_read_receipts_and_unread_counts(world):
    thread = exchange(world)
    nurse, gp = actor(world, "health_care_team"), actor(world, "referent")
    assert sel.unread_count(user=nurse.user, organisation=nurse.organisation) == 1
    assert sel.unread_count(user=gp.user, organisation=gp.organisation) == 0  # one's own message is not unread
    _thread, decision = sel.thread_get(user=nurse.user, organisation=nurse.organisation, pk=thread.pk)
    assert thread_read(actor=nurse, thread=thread, decision=decision) == 1
    assert thread_read(actor=nurse, thread=thread, decision=decision) == 0
    receipt = ReadReceipt.objects.get()
    assert receipt.user == nurse.user and receipt.message.thread == thread
    assert sel.unread_count(user=nurse.user, organisation=nurse.organisation) == 0
    message_post(actor=nurse, thread=thread, body="Entendu, je passe à 9 h.")
    assert sel.unread_count(user=gp.user, organisation=gp.organisation) == 1


def test_unread_counts_leak_nothing_invisible(world):
    exchange(world, to=("nurse",))
    educator = actor(world, "social_care_team")
    assert sel.unread_count(user=educator.user, organisation=educator.organisation) == 0
    assert sel.inbox(user=educator.user, organisation=educator.organisation) == []


def test_leaving_the_circle_ends_access_old_and_new(world):
    thread = exchange(world)
    nurse = actor(world, "health_care_team")
    today = timezone.localdate()
    CircleMember.objects.filter(pk=world.members["nurse"].pk).update(
        start=today - timedelta(days=30), end=today - timedelta(days=1)
    )
    message_post(actor=actor(world, "referent"), thread=thread, body="Nouveau message après le départ.")
    assert visible(world, "health_care_team") == set()
    assert sel.unread_count(user=nurse.user, organisation=nurse.organisation) == 0
    with pytest.raises(PermissionDenied):
        message_post(actor=nurse, thread=thread, body="Encore moi")
    # Not notified of what was posted after leaving.
    assert Notification.objects.filter(recipient=nurse.user).count() == 1


def test_an_objection_hides_the_exchange_at_once(world):
    thread = exchange(world)
    objection_record(
        actor=world.referent, person=world.person, expressed_by="la personne", member=world.members["nurse"]
    )
    assert thread.pk not in visible(world, "health_care_team")


def test_recipients_are_notified_without_the_content(world):
    exchange(world, to=("nurse", "educator"), subject="Plaie du talon", body="Escarre stade 2.")
    notifications = Notification.objects.filter(kind="messaging.message_new")
    assert {n.recipient for n in notifications} == {
        world.subjects["health_care_team"].user,
        world.subjects["social_care_team"].user,
    }
    for notification in notifications:
        text = notification.subject + notification.body
        assert "Plaie" not in text and "Escarre" not in text and "Morvan" not in text
        assert "A. M." in text


def test_every_write_and_read_is_traced_with_the_policy_rule(world):
    thread = exchange(world, attachment=pdf())
    subject = f"persons.person:{world.person.pk}"
    entries = AccessLogEntry.objects.filter(subject=subject, object_type__startswith="messaging.")
    assert {(e.action, e.object_type, e.ground) for e in entries} >= {
        ("create", "messaging.thread", "care_team"),
        ("create", "messaging.message", "care_team"),
    }
    nurse = actor(world, "health_care_team")
    _thread, decision = sel.thread_get(user=nurse.user, organisation=nurse.organisation, pk=thread.pk)
    thread_read(actor=nurse, thread=thread, decision=decision)
    assert entries.filter(action="read", object_type="messaging.thread", ground="care_team").exists()


def test_a_sharing_is_a_person_event_for_the_followers(world):
    nurse = actor(world, "health_care_team")
    thread_start(actor=nurse, person=world.person, kind=ThreadKind.SHARING, subject="Chute", body="Chute sans gravité.")
    notifications = Notification.objects.filter(kind="messaging.message_new")
    # The referent follows the person by default; the author is never notified of their own message.
    assert world.subjects["referent"].user in {n.recipient for n in notifications}
    assert nurse.user not in {n.recipient for n in notifications}
    for notification in notifications:
        assert "Chute" not in notification.subject + notification.body


def test_a_member_who_is_not_a_participant_cannot_post_in_an_exchange(world):
    thread = exchange(world, to=("nurse",))
    with pytest.raises(PermissionDenied, match="réservé à ses destinataires"):
        message_post(actor=actor(world, "social_care_team"), thread=thread, body="Je m'invite")
    assert thread.messages.count() == 1


def test_a_medical_sharing_is_hidden_from_members_who_may_not_read_medical_data(world):
    thread = thread_start(
        actor=actor(world, "health_care_team"),
        person=world.person,
        kind=ThreadKind.SHARING,
        category=m.MEDICAL,
        subject="Traitement",
        body="Adaptation du traitement.",
    )
    assert thread.pk in visible(world, "health_care_team")
    assert thread.pk in visible(world, "health_consent")  # consent covers medical data
    assert thread.pk in visible(world, "legal_guardian")
    for other in ("referent", "social_care_team", "other_consent", "carer", "trusted_person"):
        assert thread.pk not in visible(world, other), other
    educator = actor(world, "social_care_team")
    assert sel.unread_count(user=educator.user, organisation=educator.organisation) == 0


def test_a_sharing_has_no_named_recipients(world):
    with pytest.raises(ValidationError, match="pas de destinataires nommés"):
        thread_start(
            actor=actor(world, "referent"),
            person=world.person,
            kind=ThreadKind.SHARING,
            subject="x",
            body="y",
            recipients=[world.members["nurse"]],
        )
