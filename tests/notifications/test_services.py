"""Notifications: the registry, sending (roles, dedup, opt-out, e-mail or digest), the daily digest command."""

import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from relais.accounts.roles import OrganisationKind, Role
from relais.jobs.models import JobFailure
from relais.jobs.tasks import EMAIL_RETRIES
from relais.notifications.models import DigestSent, Notification
from relais.notifications.registry import NotificationKind, all_kinds, get_kind, register
from relais.notifications.services import (
    notification_send,
    organisation_notification_setting_set,
    user_notification_preference_set,
)
from relais.notifications.tasks import digest_email

PING = register(NotificationKind(code="tests.ping", label="Test", default_roles=frozenset({Role.ADMISSION_OFFICER})))
URGENT = register(NotificationKind(code="tests.urgent", label="Urgent", digestable=False))
QUIET = register(NotificationKind(code="tests.quiet", label="Dans Relais", channel="in_app"))


@pytest.fixture
def esms(make_organisation, make_member):
    organisation = make_organisation(kind=OrganisationKind.ESMS)
    officer = make_member(organisation, role=Role.ADMISSION_OFFICER)
    director = make_member(organisation, role=Role.DIRECTOR)
    carer = make_member(organisation, role=Role.CARE_PROFESSIONAL)
    return organisation, officer, director, carer


def send(organisation, *, kind="tests.ping", key="event-1", **kw):
    """Send and commit: the e-mails leave after the transaction commits (on_commit callbacks run here)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return notification_send(
            kind=kind, organisation=organisation, subject="Objet", body="Texte", link="/x/", dedup_key=key, **kw
        )


def test_orientation_kinds_register_themselves():
    codes = {kind.code for kind in all_kinds()}
    assert {"orientation.admitted_elsewhere", "orientation.request_reminder", "orientation.decision_expired"} <= codes


def test_registry_refuses_unknown_and_conflicting_kinds():
    with pytest.raises(ValueError, match=r"Type de notification inconnu : « tests\.nope »"):
        get_kind("tests.nope")
    assert register(NotificationKind(code="tests.ping", label="Test", default_roles=PING.default_roles)) == PING
    with pytest.raises(ValueError, match="already registered"):
        register(NotificationKind(code="tests.ping", label="Autre"))
    with pytest.raises(ValueError):
        NotificationKind(code="sans_point", label="x")


def test_default_roles_and_explicit_roles(esms, mailoutbox):
    organisation, (officer, _a), (director, _b), (carer, _c) = esms
    assert [n.recipient for n in send(organisation)] == [officer]
    sent = send(organisation, key="event-2", roles=[Role.DIRECTOR, Role.CARE_PROFESSIONAL])
    assert {n.recipient for n in sent} == {director, carer}
    assert [m.to for m in mailoutbox] == [[officer.email], [director.email], [carer.email]]
    assert all(m.subject == "[Relais] Objet" and "http" in m.body and "/x/" in m.body for m in mailoutbox)
    assert all(n.emailed_at is not None for n in Notification.objects.all())


def test_same_dedup_key_notifies_once(esms, mailoutbox):
    organisation, (officer, _a), *_ = esms
    assert len(send(organisation)) == 1
    assert send(organisation) == []
    assert Notification.objects.filter(recipient=officer).count() == 1 and len(mailoutbox) == 1


def test_organisation_opt_out(esms, make_organisation, make_member):
    organisation, (officer, officer_actor), (_d, director_actor), _c = esms
    with pytest.raises(PermissionDenied):
        organisation_notification_setting_set(actor=officer_actor, kind="tests.ping", enabled=False)
    organisation_notification_setting_set(actor=director_actor, kind="tests.ping", enabled=False)
    assert send(organisation) == []
    other = make_organisation(kind=OrganisationKind.ESMS)
    other_officer, _ = make_member(other, role=Role.ADMISSION_OFFICER)
    assert [n.recipient for n in send(other)] == [other_officer]  # only that organisation opted out
    organisation_notification_setting_set(actor=director_actor, kind="tests.ping", enabled=True)
    assert [n.recipient for n in send(organisation, key="event-3")] == [officer]


def test_in_app_only_kind_and_preference(esms, mailoutbox):
    organisation, (officer, _a), (director, _b), _c = esms
    assert len(send(organisation, kind="tests.quiet", recipients=[officer])) == 1
    user_notification_preference_set(user=director, delivery="in_app")
    assert len(send(organisation, recipients=[director])) == 1
    assert mailoutbox == []
    assert not Notification.objects.filter(digest=True).exists()


def digest(day=None):
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("notifications_digest", *(["--day", day.isoformat()] if day else []), stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_digest_once_per_user_per_day(esms, mailoutbox):
    organisation, (officer, _a), (director, _b), _c = esms
    user_notification_preference_set(user=officer, delivery="digest")
    send(organisation, key="e1")
    send(organisation, key="e2")
    send(organisation, kind="tests.urgent", recipients=[officer], key="e3")  # not digestable: e-mailed at once
    send(organisation, recipients=[director], key="e4")  # director: immediate
    assert [m.to for m in mailoutbox] == [[officer.email], [director.email]]
    mailoutbox.clear()

    summary = digest()
    assert (summary["digests"], summary["notifications"]) == (1, 2)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [officer.email]
    assert "Récapitulatif" in mailoutbox[0].subject and mailoutbox[0].body.count("- Objet") == 2
    assert not Notification.objects.filter(digest=True, emailed_at__isnull=True).exists()

    # A new notification the same day waits: one digest per user and day, even if the command runs again.
    send(organisation, key="e5")
    again = digest()
    assert (again["digests"], again["skipped_already_sent"]) == (0, 1) and len(mailoutbox) == 1
    tomorrow = digest(timezone.localdate() + timedelta(days=1))
    assert tomorrow["digests"] == 1 and len(mailoutbox) == 2
    assert DigestSent.objects.filter(user=officer).count() == 2


def test_digest_failure_is_retried_later_and_visible_to_operators(esms, settings, mailoutbox):
    organisation, (officer, _a), *_ = esms
    user_notification_preference_set(user=officer, delivery="digest")
    send(organisation)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    assert digest()["digests"] == 1
    # The worker's attempt failed: nothing marked as e-mailed, the failure recorded and retried with a delay.
    assert Notification.objects.get(recipient=officer).emailed_at is None
    failure = JobFailure.objects.get()
    assert failure.task_name == "digest_email" and failure.retries_left == EMAIL_RETRIES  # attempts still to come
    assert "ConnectionRefused" in failure.error or "Errno" in failure.error
    (retry,) = HUEY.scheduled()
    assert retry.name == "digest_email"
    # The mail server is back: the retry sends it and marks the notification.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    HUEY.storage.flush_schedule()
    retry.eta = None  # the worker's next attempt, run now rather than at its time
    HUEY.execute(retry)
    assert len(mailoutbox) == 1 and Notification.objects.get(recipient=officer).emailed_at is not None


def test_digest_bad_day(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--day : date invalide"):
        call_command("notifications_digest", "--day", "hier", stdout=io.StringIO())


def test_a_recipient_deactivated_before_the_worker_runs_gets_no_email(esms, mailoutbox):
    organisation, (officer, _a), (director, _b), _c = esms
    user_notification_preference_set(user=director, delivery="digest")
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        notification_send(kind="tests.ping", organisation=organisation, subject="Objet", body="Texte", dedup_key="d")
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    for enqueue in queued:
        enqueue()  # the worker's turn comes after the deactivation
    assert mailoutbox == [] and Notification.objects.get(recipient=officer).emailed_at is None

    send(organisation, recipients=[director], key="d2")  # digest mode: waits for the daily digest
    (waiting,) = Notification.objects.filter(recipient=director)
    director.is_active = False
    director.save(update_fields=["is_active"])
    digest_email.call_local(director.email, "Récapitulatif", "Texte", [waiting.pk])  # the worker's digest task
    assert mailoutbox == []


def test_digest_covers_each_users_own_local_day(make_organisation, make_member, mailoutbox):
    """At 22:30 in Paris it is already tomorrow in La Réunion: each user gets the digest of their own day (0034)."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from relais.notifications.services import notifications_digest_send
    from relais.territory.models import Departement, Region

    Region.objects.get_or_create(code="04", defaults={"name": "La Réunion"})
    Departement.objects.get_or_create(code="974", defaults={"name": "La Réunion", "region_id": "04"})
    paris_org = make_organisation(kind=OrganisationKind.ESMS)
    reunion_org = make_organisation(kind=OrganisationKind.ESMS, departement_id="974")
    paris_user, _ = make_member(paris_org, role=Role.ADMISSION_OFFICER)
    reunion_user, _ = make_member(reunion_org, role=Role.ADMISSION_OFFICER)
    for organisation, user in ((paris_org, paris_user), (reunion_org, reunion_user)):
        user_notification_preference_set(user=user, delivery="digest")
        send(organisation, recipients=[user], key=f"digest-{user.pk}")
    today = timezone.localdate()
    late_evening = datetime.combine(today, time(22, 30), tzinfo=ZoneInfo("Europe/Paris"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        summary = notifications_digest_send(now=late_evening)
    assert summary["digests"] == 2
    assert DigestSent.objects.get(user=paris_user).day == today
    assert DigestSent.objects.get(user=reunion_user).day == today + timedelta(days=1)
    subjects = sorted(message.subject for message in mailoutbox)
    assert any(f"{today + timedelta(days=1):%d/%m/%Y}" in s for s in subjects) and any(
        f"{today:%d/%m/%Y}" in s for s in subjects
    )
