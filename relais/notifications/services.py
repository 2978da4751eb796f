"""Writes of notifications: send (in Relais, e-mail at once or for the digest), read, settings, the daily digest.

E-mail is not a secure channel: callers put no medical data and as little personal data as possible in the
subject and body (initials and a link to Relais, where access rules apply). See decision 0018.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from relais.accounts.models import Membership, Organisation, User
from relais.accounts.roles import Role
from relais.jobs.services import after_commit
from relais.territory.timezones import local_today, organisation_zone

from .models import (
    Delivery,
    DigestSent,
    Notification,
    OrganisationNotificationSetting,
    UserNotificationPreference,
)
from .registry import IN_APP, get_kind
from .selectors import organisation_kind_enabled, user_delivery

logger = logging.getLogger(__name__)

# Who may switch a kind off for the whole organisation.
SETTINGS_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR})
SUBJECT_PREFIX = "[Relais] "


def members_with_roles(*, organisation: Organisation, roles: Iterable[str]) -> list[User]:
    memberships = Membership.objects.filter(
        organisation=organisation, role__in=list(roles), is_active=True, user__is_active=True
    ).select_related("user")
    return sorted({m.user for m in memberships}, key=lambda user: user.pk)


def _absolute(link: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{link}" if link.startswith("/") else link


def _email_after_commit(notification: Notification, subject: str, text: str) -> None:
    """The e-mail leaves once the caller's transaction commits, from the worker (retried there on failure): a
    rolled-back write sends nothing and a slow mail server never holds a request. ``emailed_at`` is set when sent."""
    from .tasks import notification_email

    after_commit(notification_email, notification.pk, SUBJECT_PREFIX + subject, text)


def notification_send(
    *,
    kind: str,
    organisation: Organisation | None,
    recipients: Iterable[User] | None = None,
    roles: Iterable[str] | None = None,
    subject: str,
    body: str = "",
    link: str = "",
    dedup_key: str,
    in_app_only: bool = False,
    fields: dict | None = None,
) -> list[Notification]:
    """Notify ``recipients`` (or the members of ``organisation`` holding ``roles``, or the kind's default roles)
    unless the organisation switched the kind off or the recipient chose "off" for it. A recipient who already has
    ``dedup_key`` is skipped, so calling twice for the same event notifies once. ``in_app_only``: no e-mail
    (a subscription's channel); ``fields``: extra Notification fields (person, subscription, category, event_at).
    Returns the notifications created."""
    definition = get_kind(kind)
    if not dedup_key:
        raise ValueError("A notification needs a dedup key.")
    if not organisation_kind_enabled(organisation=organisation, kind=kind):
        return []
    if recipients is None:
        if organisation is None:
            raise ValueError("Without recipients, a notification needs an organisation and roles.")
        recipients = members_with_roles(organisation=organisation, roles=roles or definition.default_roles)
    users = [user for user in {u.pk: u for u in recipients}.values() if user.is_active]
    already = set(
        Notification.objects.filter(recipient__in=users, dedup_key=dedup_key).values_list("recipient_id", flat=True)
    )
    created = []
    for user in users:
        if user.pk in already:
            continue
        delivery = user_delivery(user=user, kind=kind)
        if delivery == Delivery.OFF:  # the user's opt-out for this kind
            continue
        if definition.channel == IN_APP or in_app_only:
            delivery = Delivery.IN_APP
        notification = Notification(
            **(fields or {}),
            recipient=user,
            organisation=organisation,
            kind=kind,
            subject=subject[:200],
            body=body,
            link=link[:300],
            dedup_key=dedup_key[:200],
            digest=delivery == Delivery.DIGEST and definition.digestable,
        )
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:  # a concurrent run notified this user first
            continue
        if delivery != Delivery.IN_APP and not notification.digest:
            _email_after_commit(notification, subject, f"{body}\n\n{_absolute(link)}" if link else body)
        created.append(notification)
    return created


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionDenied("Cette notification ne vous est pas adressée.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def user_notification_preference_set(*, user: User, delivery: str, kind: str = "") -> UserNotificationPreference:
    if delivery not in Delivery.values:
        raise ValidationError({"delivery": "Choix d'envoi inconnu."})
    if delivery == Delivery.OFF and not kind:
        raise ValidationError({"delivery": "« Ne pas me notifier » se choisit type par type."})
    if kind:
        get_kind(kind)
    preference, _ = UserNotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"delivery": delivery}
    )
    return preference


@transaction.atomic
def user_notification_preference_clear(*, user: User, kind: str) -> int:
    """Back to the user's default for ``kind`` (deletes the per-kind row)."""
    get_kind(kind)
    deleted, _ = UserNotificationPreference.objects.filter(user=user, kind=kind).delete()
    return deleted


@transaction.atomic
def organisation_notification_setting_set(*, actor, kind: str, enabled: bool) -> OrganisationNotificationSetting:
    """Switch a kind on or off for the actor's organisation (its administrators and directors only)."""
    if actor is None or actor.user is None or actor.role not in SETTINGS_ROLES:
        raise PermissionDenied("Seuls l'administration et la direction de l'organisation règlent ses notifications.")
    get_kind(kind)
    setting, _ = OrganisationNotificationSetting.objects.update_or_create(
        organisation=actor.organisation, kind=kind, defaults={"enabled": enabled}
    )
    return setting


def _end_of(day: date, zone=None) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)


def user_zone(user_id: int):
    """A user's zone: the one of the organisation they act for by default (their first membership, like the actor)."""
    return user_zones([user_id])[user_id]


def user_zones(user_ids) -> dict:
    """``user_zone`` for many users in one query (the digest's recipients)."""
    ids = list(user_ids)
    first = {}
    for membership in (
        Membership.objects.filter(user_id__in=ids, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("user_id", "organisation__name")
    ):
        first.setdefault(membership.user_id, membership.organisation)
    return {user_id: organisation_zone(first.get(user_id)) for user_id in ids}


def notifications_digest_send(*, day: date | None = None, now: datetime | None = None) -> dict:
    """Send each user one e-mail gathering their digest notifications created up to the end of their day.
    The day is ``day`` when given (an operator's re-run), else today *in the user's zone* (decision 0034): the job
    runs at 06:45 Paris time, and a user of an organisation in La Réunion or the Antilles gets the digest of their
    own day. At most one digest per user and day (``DigestSent``): running it twice sends nothing the second time."""
    pending = Notification.objects.filter(digest=True, emailed_at__isnull=True)
    label = day.isoformat() if day else "local"
    summary = {"day": label, "digests": 0, "notifications": 0, "skipped_already_sent": 0, "failed": 0}
    recipients = sorted(set(pending.values_list("recipient_id", flat=True)))
    zones = user_zones(recipients)
    for user_id in recipients:
        zone = zones[user_id]
        user_day = day or local_today(zone, now)
        if DigestSent.objects.filter(user_id=user_id, day=user_day).exists():
            summary["skipped_already_sent"] += 1
            continue
        try:
            count = _digest_one(user_id, user_day, pending.filter(created_at__lt=_end_of(user_day, zone)))
        except IntegrityError:  # another run sent it meanwhile
            summary["skipped_already_sent"] += 1
            continue
        except Exception:  # mail server down: nothing marked, tomorrow's run retries
            logger.exception("digest to user %s failed", user_id)
            summary["failed"] += 1
            continue
        summary["digests"] += 1
        summary["notifications"] += count
    return summary


@transaction.atomic
def _digest_one(user_id: int, day: date, pending) -> int:
    user = User.objects.get(pk=user_id)
    items = list(pending.filter(recipient_id=user_id).order_by("created_at", "pk").select_for_update())
    DigestSent.objects.create(user=user, day=day, count=len(items))
    lines = [f"Vos notifications Relais du {day:%d/%m/%Y} ({len(items)}) :", ""]
    for item in items:
        lines.append(f"- {item.subject}")
        if item.link:
            lines.append(f"  {_absolute(item.link)}")
    lines += ["", "Vous recevez ce récapitulatif car vous l'avez choisi dans « Mes notifications »."]
    # Sent by the worker after commit; it marks the items e-mailed once sent. If it finally fails, the items stay
    # unmarked and go into the next day's digest (DigestSent is per day).
    from .tasks import digest_email

    subject, text, ids = f"{SUBJECT_PREFIX}Récapitulatif du {day:%d/%m/%Y}", "\n".join(lines), [i.pk for i in items]
    after_commit(digest_email, user.email, subject, text, ids)
    return len(items)
