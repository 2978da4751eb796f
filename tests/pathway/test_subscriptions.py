"""Notifications around the person: subscriptions, defaults, the policy per recipient, opt-outs, digest, the tick."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from relais.audit.models import AccessLogEntry
from relais.notifications.models import Delivery, Notification, Subscription, SubscriptionStatus
from relais.notifications.services import notifications_digest_send, user_notification_preference_set
from relais.pathway import matrix as m
from relais.pathway.circle.services import consent_revoke, objection_record
from relais.pathway.events.services import person_event_emit
from relais.pathway.events.subscriptions import followers, subscription_off, subscription_set, subscription_state
from relais.pathway.record.models import EventKind, TaskStatus
from relais.pathway.record.services import event_post, plan_goal_add, plan_task_add, plan_task_status_set

from .fhir.circle import build_circle


@pytest.fixture
def world(db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    settings.SITE_URL = "https://relais.example.org"
    return build_circle()


def actor(world, key):
    return world.subjects[key].actor


def notified(kind=None):
    rows = Notification.objects.all() if kind is None else Notification.objects.filter(kind=kind)
    return {n.recipient_id for n in rows}


def user_id(world, key):
    return world.subjects[key].user.pk


def post(world, key, kind=EventKind.DISCHARGE, category=m.SOCIAL, title="Retour à domicile"):
    return event_post(actor=actor(world, key), person=world.person, kind=kind, title=title, category=category)


def test_referent_and_task_assignee_follow_by_default_and_the_author_is_not_notified(world):
    keys = {(f.user.pk, f.subscription) for f in followers(person=world.person, kind="pathway.discharge")}
    assert keys == {(user_id(world, "referent"), None), (user_id(world, "health_care_team"), None)}
    post(world, "health_care_team")  # the nurse, assigned to a task, is the author
    assert notified("pathway.discharge") == {user_id(world, "referent")}
    assert subscription_state(actor=actor(world, "referent"), person=world.person)["default_reason"]


def test_a_medical_event_never_notifies_an_educator_nor_a_social_referent(world):
    for key in ("social_care_team", "health_consent"):
        subscription_set(actor=actor(world, key), person=world.person)
    result = event_post(
        actor=actor(world, "health_care_team"),
        person=world.person,
        kind=EventKind.HOSPITAL_STAY,
        title="Hospitalisation en cardiologie",
        category=m.MEDICAL,
    )
    assert result.pk
    medical = Notification.objects.filter(category=m.MEDICAL)
    assert {n.recipient_id for n in medical} == {user_id(world, "health_consent")}  # the GP: consent covers it
    # The educator and the coordinator are told that the stay happened, never its medical title (decision 0045).
    facts = Notification.objects.filter(category=m.SOCIAL)
    assert {n.recipient_id for n in facts} == {user_id(world, "social_care_team"), user_id(world, "referent")}
    assert all("cardiologie" not in n.body + n.subject for n in facts)


def test_consent_scope_and_revocation_are_read_at_each_event(world):
    subscription_set(actor=actor(world, "health_consent"), person=world.person)
    post(world, "health_care_team", category=m.SOCIAL)  # the GP's consent does not cover social data
    assert user_id(world, "health_consent") not in notified()
    post(world, "health_care_team", kind=EventKind.ADMISSION, category=m.MEDICAL)
    assert user_id(world, "health_consent") in notified("pathway.admission")
    consent_revoke(actor=world.referent, consent=world.consent, revoked_by="la personne")
    post(world, "health_care_team", kind=EventKind.HOSPITAL_STAY, category=m.MEDICAL)
    assert user_id(world, "health_consent") not in notified("pathway.hospital_stay")


def test_an_objection_stops_notifications_at_once(world):
    subscription_set(actor=actor(world, "social_care_team"), person=world.person)
    post(world, "referent", kind=EventKind.ADMISSION)
    assert user_id(world, "social_care_team") in notified("pathway.admission")
    objection_record(
        actor=world.referent, person=world.person, expressed_by="la personne", member=world.members["educator"]
    )
    post(world, "referent")
    assert user_id(world, "social_care_team") not in notified("pathway.discharge")


def test_ended_membership_notifies_nothing_even_with_a_subscription(world):
    subscription_set(actor=actor(world, "social_care_team"), person=world.person)
    member = world.members["educator"]
    member.start = timezone.localdate() - timedelta(days=3)
    member.end = timezone.localdate() - timedelta(days=1)
    member.save()
    post(world, "referent")
    assert user_id(world, "social_care_team") not in notified()


def test_per_user_opt_out_per_kind(world):
    referent = world.subjects["referent"].user
    user_notification_preference_set(user=referent, kind="pathway.discharge", delivery=Delivery.OFF)
    post(world, "health_care_team")
    post(world, "health_care_team", kind=EventKind.ADMISSION)
    assert notified("pathway.discharge") == set()
    assert notified("pathway.admission") == {referent.pk}
    with pytest.raises(ValidationError):  # "off" is chosen kind by kind, never as the default
        user_notification_preference_set(user=referent, delivery=Delivery.OFF)


def test_unsubscribing_ends_the_default_and_kinds_filter(world):
    subscription_off(actor=actor(world, "referent"), person=world.person)
    post(world, "health_care_team")
    assert notified() == set()
    assert subscription_state(actor=actor(world, "referent"), person=world.person)["subscribed"] is False
    subscription_set(actor=actor(world, "referent"), person=world.person, kinds=["pathway.admission"])
    post(world, "health_care_team", title="Autre sortie")
    assert notified() == set()
    post(world, "health_care_team", kind=EventKind.ADMISSION)
    assert notified("pathway.admission") == {user_id(world, "referent")}
    with pytest.raises(ValidationError, match="inconnu"):
        subscription_set(actor=actor(world, "referent"), person=world.person, kinds=["pathway.nope"])


def test_only_circle_members_subscribe(world):
    for key in ("outsider", "analyst"):
        with pytest.raises(PermissionDenied):
            subscription_set(actor=actor(world, key), person=world.person)
    assert not Subscription.objects.exists()


def test_emails_carry_initials_and_a_link_never_the_title(world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # e-mails leave after the commit
        post(world, "health_care_team", title="Sortie après chute, fracture du col")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "A. M." in message.subject and "Sortie" in message.subject
    assert "fracture" not in message.body and "Morvan" not in message.body
    assert f"/parcours/personnes/{world.person.pk}/" in message.body


def test_in_app_channel_and_digest_preference(world, django_capture_on_commit_callbacks):
    subscription_set(actor=actor(world, "health_consent"), person=world.person, channel="in_app")
    gp, referent = world.subjects["health_consent"].user, world.subjects["referent"].user
    user_notification_preference_set(user=referent, delivery=Delivery.DIGEST)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post(world, "health_care_team", kind=EventKind.HOME_VISIT, category=m.MEDICAL)
    assert Notification.objects.filter(recipient=gp, emailed_at__isnull=True, digest=False).exists()
    assert Notification.objects.filter(recipient=referent, digest=True).count() == 0  # medical: referent refused
    with django_capture_on_commit_callbacks(execute=True):
        post(world, "health_care_team", kind=EventKind.DISCHARGE, category=m.SOCIAL)
    assert Notification.objects.filter(recipient=referent, digest=True).count() == 1
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        summary = notifications_digest_send(day=timezone.localdate())
    assert summary["digests"] == 1 and len(mail.outbox) == 1 and "Sortie" in mail.outbox[0].body


def test_plan_writes_notify_task_and_plan_changes(world):
    educator_member = world.members["educator"]
    task = plan_task_add(
        actor=actor(world, "referent"), person=world.person, title="Atelier mémoire", assignee_member=educator_member
    )
    assert notified("pathway.task_new") == {user_id(world, "social_care_team"), user_id(world, "health_care_team")}
    plan_goal_add(actor=actor(world, "referent"), person=world.person, description="Sortir deux fois par semaine")
    plan_task_status_set(actor=actor(world, "social_care_team"), task=task, status=TaskStatus.IN_PROGRESS)
    plan_task_status_set(actor=actor(world, "social_care_team"), task=task, status=TaskStatus.DONE)
    changes = Notification.objects.filter(kind="pathway.plan_changed")
    # The referent wrote the goal (the author is not notified), then two status changes, each its own event.
    assert changes.filter(recipient=world.subjects["referent"].user).count() == 2
    assert changes.filter(recipient=world.subjects["social_care_team"].user).count() == 1  # the goal only


def test_emitting_twice_the_same_event_notifies_once_and_is_traced(world):
    event = post(world, "health_care_team")
    nurse = actor(world, "health_care_team")
    again = person_event_emit(kind="pathway.discharge", person=world.person, actor=nurse, obj=event, category=m.SOCIAL)
    assert again.notified == [] and Notification.objects.count() == 1
    entry = AccessLogEntry.objects.filter(object_type="notifications.notification").get()
    assert entry.ground.startswith("subscription:care_team")
    assert entry.subject == f"persons.person:{world.person.pk}"
    with pytest.raises(ValueError):
        person_event_emit(kind="pathway.nope", person=world.person, actor=None, obj=event, category=m.SOCIAL)


def test_pathway_tick_notifies_overdue_tasks_once(world):
    world.task.due_date = timezone.localdate() - timedelta(days=1)
    world.task.save()
    out = StringIO()
    call_command("pathway_tick", stdout=out)
    first = json.loads(out.getvalue())
    assert first["overdue_tasks"] == 1 and first["emitted"] == 1 and first["notifications"] == 2
    assert notified("pathway.task_overdue") == {user_id(world, "referent"), user_id(world, "health_care_team")}
    out = StringIO()
    call_command("pathway_tick", stdout=out)
    second = json.loads(out.getvalue())
    assert second["already_notified"] == 1 and second["emitted"] == 0
    assert Notification.objects.filter(kind="pathway.task_overdue").count() == 2


def test_subscription_views(world, client):
    url = reverse("pathway:subscription", args=[world.record.pk])
    client.force_login(world.subjects["outsider"].user)
    assert client.get(url).status_code == 404
    client.force_login(world.subjects["social_care_team"].user)
    page = client.get(reverse("pathway:record", args=[world.record.pk]))
    assert url in page.content.decode()
    assert "Vous ne suivez pas" in client.get(url).content.decode()
    update = reverse("pathway:subscription_update", args=[world.record.pk])
    client.post(update, {"action": "on", "kinds": ["pathway.discharge"], "channel": "in_app"})
    row = Subscription.objects.get(user=world.subjects["social_care_team"].user)
    assert row.kinds == ["pathway.discharge"] and row.channel == "in_app" and row.status == SubscriptionStatus.ACTIVE
    client.post(update, {"action": "off"})
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.OFF


def test_preferences_page_lists_kinds_and_switches_one_off(world, client):
    user = world.subjects["referent"].user
    client.force_login(user)
    url = reverse("notifications:preferences")
    assert "Sortie de la personne" in client.get(url).content.decode()
    client.post(url, {"kind": "pathway.discharge", "delivery": "off"})
    assert user.notification_preferences.get(kind="pathway.discharge").delivery == "off"
    client.post(url, {"kind": "pathway.discharge", "delivery": ""})
    assert not user.notification_preferences.filter(kind="pathway.discharge").exists()
    response = client.post(url, {"kind": "pathway.nope", "delivery": "off"}, follow=True)
    assert "inconnu" in response.content.decode()


def test_a_proxy_follows_by_user_and_an_ended_subscription_notifies_nothing(world):
    carer = actor(world, "carer")  # acts through the "Familles" organisation, a member of the circle by user
    subscription_set(actor=carer, person=world.person)
    subscription_set(
        actor=actor(world, "legal_guardian"), person=world.person, end=timezone.now() - timedelta(minutes=1)
    )
    plan_goal_add(actor=actor(world, "referent"), person=world.person, description="Garder le lien avec la famille")
    assert user_id(world, "carer") in notified("pathway.plan_changed")
    assert user_id(world, "legal_guardian") not in notified()
