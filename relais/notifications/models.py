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
    # Only meaningful for one kind (a per-kind preference row): the user is not notified of that kind at all.
    OFF = "off", "Ne pas me notifier"


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
    # Set for the events of a person's record (relais.pathway.events.services): the FHIR CommunicationRequest is built
    # from these, and its reads are checked against the policy for ``category`` at read time.
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    subscription = models.ForeignKey(
        "notifications.Subscription", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    category = models.CharField("catégorie de données", max_length=10, blank=True)
    event_at = models.DateTimeField("date de l'événement", null=True, blank=True)

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


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    OFF = "off", "Désactivée"


class SubscriptionChannel(models.TextChoices):
    EMAIL = "email", "E-mail et dans Relais (selon mes préférences)"
    IN_APP = "in_app", "Dans Relais uniquement"


class Subscription(models.Model):
    """A member of a person's care circle follows the events of that person (all kinds, or those in ``kinds``).

    The referent and the members assigned to an open task follow the person by default, without a row; a row with
    status "off" is how they (or anyone) stop following. Who actually receives an event is decided again by the
    care-circle policy at each event (relais.pathway.events.services). See docs/decisions/0020-pathway-notifications.md.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    # The organisation the user acts for in the circle (a proxy without an organisation: null).
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="+")
    kinds = models.JSONField("types suivis", default=list, blank=True, help_text="Vide : tous les types.")
    status = models.CharField(
        "état", max_length=8, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    channel = models.CharField(
        "canal", max_length=8, choices=SubscriptionChannel.choices, default=SubscriptionChannel.EMAIL
    )
    reason = models.CharField("motif", max_length=300, blank=True)
    end = models.DateTimeField("fin", null=True, blank=True)
    source = models.CharField("origine", max_length=10, default="web")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "user", "pk"]
        verbose_name = "abonnement aux événements d'une personne"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "person"],
                condition=Q(organisation__isnull=True),
                name="subscription_unique_without_organisation",
            ),
            models.UniqueConstraint(fields=["user", "organisation", "person"], name="subscription_unique"),
            models.CheckConstraint(condition=Q(status__in=SubscriptionStatus.values), name="subscription_status"),
            models.CheckConstraint(condition=Q(channel__in=SubscriptionChannel.values), name="subscription_channel"),
        ]

    def __str__(self) -> str:
        return f"abonnement {self.pk} : utilisateur {self.user_id} → personne {self.person_id} ({self.status})"

    def follows(self, kind: str) -> bool:
        return self.status == SubscriptionStatus.ACTIVE and (not self.kinds or kind in self.kinds)
