"""Reads of notifications: a user only ever sees their own."""

from django.db.models import QuerySet

from relais.accounts.models import Organisation

from .models import Delivery, Notification, OrganisationNotificationSetting, UserNotificationPreference
from .registry import all_kinds


def notification_list_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def organisation_kind_settings(*, organisation: Organisation) -> list[tuple]:
    """(kind, enabled) for every registered kind, in code order."""
    disabled = set(
        OrganisationNotificationSetting.objects.filter(organisation=organisation, enabled=False).values_list(
            "kind", flat=True
        )
    )
    return [(kind, kind.code not in disabled) for kind in all_kinds()]


def organisation_kind_enabled(*, organisation: Organisation | None, kind: str) -> bool:
    if organisation is None:
        return True
    return not OrganisationNotificationSetting.objects.filter(
        organisation=organisation, kind=kind, enabled=False
    ).exists()


def user_delivery(*, user, kind: str = "") -> str:
    """The user's choice for ``kind``, else their default, else an e-mail at once."""
    choices = dict(
        UserNotificationPreference.objects.filter(user=user, kind__in={kind, ""}).values_list("kind", "delivery")
    )
    return choices.get(kind) or choices.get("") or Delivery.IMMEDIATE


def user_kind_preferences(*, user) -> list[tuple]:
    """(kind, the user's choice for it or "" when it follows their default) for every registered kind."""
    chosen = dict(UserNotificationPreference.objects.filter(user=user).exclude(kind="").values_list("kind", "delivery"))
    return [(kind, chosen.get(kind.code, "")) for kind in all_kinds()]
