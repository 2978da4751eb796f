"""Notifications (in Relais, and by e-mail at once or in a daily digest), organisation opt-outs, user preferences.

See docs/decisions/0018-follow-up-and-notifications.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Un e-mail à chaque notification"
    DIGEST = "digest", "Un e-mail récapitulatif par jour"
    IN_APP = "in_app", "Pas d'e-mail : seulement dans Relais"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # The organisation the recipient is notified for (the one whose opt-outs applied).
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("type", max_length=80)
    subject = models.CharField("objet", max_length=200)
    body = models.TextField("message", blank=True)
    link = models.CharField("lien", max_length=300, blank=True)
    # Unique per recipient: the same event never notifies the same person twice (the daily tick relies on it).
    dedup_key = models.CharField("clé de dédoublonnage", max_length=200)
    digest = models.BooleanField("pour le récapitulatif quotidien", default=False)
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("lue le", null=True, blank=True)
    emailed_at = models.DateTimeField("envoyée par e-mail le", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "notification"
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedup_key"], name="notification_dedup_per_recipient"),
            models.CheckConstraint(condition=~Q(dedup_key=""), name="notification_dedup_not_empty"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.subject}"


class OrganisationNotificationSetting(models.Model):
    """An organisation's choice for one kind; no row means enabled (alerts are on by default)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="notification_settings"
    )
    kind = models.CharField("type", max_length=80)
    enabled = models.BooleanField("activée", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "réglage de notification de l'organisation"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="notification_setting_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.kind} {'on' if self.enabled else 'off'}"


class UserNotificationPreference(models.Model):
    """How a user receives e-mails. ``kind`` empty: the default for every kind; a row for one kind overrides it
    (the pathway issue will add per-kind choices on top of this)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField("type", max_length=80, blank=True)
    delivery = models.CharField("envoi", max_length=12, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "préférence de notification"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
            models.CheckConstraint(condition=Q(delivery__in=Delivery.values), name="notification_delivery_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind or '*'} {self.delivery}"


class DigestSent(models.Model):
    """One row per user and day a digest went out: ``notifications_digest`` sends at most one per day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField("jour")
    count = models.PositiveIntegerField("notifications")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "récapitulatif envoyé"
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_user_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
