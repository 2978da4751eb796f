"""Secure messaging inside the care circle: threads per person, messages, attachments, read receipts.

Two kinds of thread, kept apart in the model and on screen:

- an **exchange** (« échange ») is addressed to named members of the circle: only its participants (the author and
  the recipients, recorded as circle memberships) see it;
- a **sharing** (« partage au dossier ») is posted to the record: every member who may read its data category sees it.

Both carry the data category the policy judges them by (``messages`` by default, ``medical`` for a clinical
exchange, ...). Who sees what is decided at read time by ``relais.pathway.policy.decide``: a member whose membership
ended sees nothing any more, old or new. See docs/decisions/0021-secure-messaging.md.
"""

from django.db import models
from django.db.models import Q

from relais.pathway.access import matrix as m

CATEGORY_CHOICES = [(code, label) for code, label in m.CATEGORIES.items()]


class ThreadKind(models.TextChoices):
    EXCHANGE = "exchange", "Échange avec des destinataires nommés"
    SHARING = "sharing", "Partage au dossier (tout le cercle autorisé)"


class Thread(models.Model):
    record = models.ForeignKey("pathway.CoordinationRecord", on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField("nature", max_length=10, choices=ThreadKind.choices)
    category = models.CharField("catégorie de données", max_length=10, choices=CATEGORY_CHOICES, default=m.MESSAGES)
    subject = models.CharField("objet", max_length=200)
    created_by = models.CharField("ouvert par", max_length=300)
    created_by_user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("ouvert le", auto_now_add=True)
    last_message_at = models.DateTimeField("dernier message le", db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        verbose_name = "fil de messages"
        verbose_name_plural = "fils de messages"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ThreadKind.values), name="thread_kind_valid"),
            models.CheckConstraint(condition=Q(category__in=list(m.CATEGORIES)), name="thread_category_valid"),
        ]

    def __str__(self) -> str:
        return f"fil {self.pk} ({self.kind}) du dossier {self.record_id}"


class ParticipantRole(models.TextChoices):
    AUTHOR = "author", "Auteur·rice"
    RECIPIENT = "recipient", "Destinataire"


class Participant(models.Model):
    """A membership of the circle taking part in an exchange. Bound to the membership, not to the user: a member who
    leaves and is later added again (a new membership) does not get the old exchanges back."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey("pathway.CircleMember", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("rôle", max_length=10, choices=ParticipantRole.choices)

    class Meta:
        ordering = ["thread", "role", "pk"]
        verbose_name = "participant·e"
        constraints = [models.UniqueConstraint(fields=["thread", "member"], name="participant_unique")]

    def __str__(self) -> str:
        return f"membre {self.member_id} dans le fil {self.thread_id}"


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    body = models.TextField("message")
    author = models.CharField("auteur·rice", max_length=300)
    author_user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "message"

    def __str__(self) -> str:
        return f"message {self.pk} du fil {self.thread_id}"


class Attachment(models.Model):
    """A file joined to a message: stored under a random name after the checks of ``pathway.uploads``."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("fichier", upload_to="messaging/%Y/%m/")
    original_name = models.CharField("nom d'origine", max_length=120)
    content_type = models.CharField("type de contenu vérifié", max_length=80)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["message", "pk"]
        verbose_name = "pièce jointe"

    def __str__(self) -> str:
        return f"pièce jointe {self.pk} ({self.original_name})"


class ReadReceipt(models.Model):
    """Who read a message, and when (the first time): shown to its author."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reader = models.CharField("lu par", max_length=300)
    read_at = models.DateTimeField("lu le", auto_now_add=True)

    class Meta:
        ordering = ["message", "read_at", "pk"]
        verbose_name = "accusé de lecture"
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="receipt_once_per_user")]

    def __str__(self) -> str:
        return f"message {self.message_id} lu par {self.user_id}"
