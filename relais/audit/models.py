"""The access log: one append-only record of every access to personal data, hash-chained by a sequencer.

Entries hold identifiers and labels, never foreign keys: the log must stay
exactly as written even when users or organisations are later removed.

A feature's transaction only INSERTs an entry (no lock, nothing read); `seq`, `prev_hash` and `hash` stay NULL until
the sequencer (services.access_log_sequence) fills them once. Database triggers refuse every other UPDATE and every
DELETE (migration 0003). Signed heads outside the database pin the chain (heads.py, docs/decisions/0026).
"""

from django.db import models

from .append_only import AppendOnlyModel


class AccessAction(models.TextChoices):
    READ = "read", "Consultation"
    CREATE = "create", "Création"
    UPDATE = "update", "Modification"
    DELETE = "delete", "Suppression"
    EXPORT = "export", "Export"


class AccessLogEntry(AppendOnlyModel):
    at = models.DateTimeField("date", db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    api_client_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField("qui", max_length=300)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    organisation_label = models.CharField("pour le compte de", max_length=300, blank=True)
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    object_type = models.CharField("type d'objet", max_length=100)
    object_id = models.CharField("identifiant", max_length=64)
    # Whose personal data this is ("accounts.user:12", later "persons.person:7").
    subject = models.CharField("personne concernée", max_length=100, blank=True, db_index=True)
    ground = models.CharField("fondement", max_length=64)
    detail = models.CharField("détail", max_length=300, blank=True)
    # The chain, filled once by the sequencer: position, previous link, SHA-256 of content + position + previous.
    seq = models.PositiveBigIntegerField("n° dans la chaîne", unique=True, null=True, blank=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        # Insertion order: `seq` is not known yet when an entry is written.
        ordering = ["id"]
        verbose_name = "entrée du journal des accès"
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AccessAction.values), name="accesslog_action_valid"),
            models.CheckConstraint(condition=~models.Q(ground=""), name="accesslog_ground_required"),
        ]
        # The sequencer's queue: only the entries still waiting, so finding them never scans the log.
        indexes = [models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="accesslog_unsequenced")]

    def __str__(self) -> str:
        return f"n° {self.pk} {self.action} {self.object_type}:{self.object_id} par {self.actor_label}"

    @property
    def sequenced(self) -> bool:
        return self.seq is not None

    @property
    def is_list(self) -> bool:
        return self.object_type.startswith(LIST_PREFIX)


# A list view writes ONE entry (decision 0047): object_type "list:<model of the rows>", object_id the SHA-256 of what it
# showed (chain.listing_digest), and one AccessLogListing row per record shown. The chain signs the digest; the rows
# give each record its history (indexed by subject) and are checked against the digest by the verification.
LIST_PREFIX = "list:"


class AccessLogListing(AppendOnlyModel):
    """One record shown in a list: whose data (subject), which row (object_id), on which ground. Append-only
    (triggers: migration 0005); its content is pinned by the digest its entry carries in the chain."""

    entry = models.ForeignKey(AccessLogEntry, on_delete=models.PROTECT, related_name="listings", db_index=False)
    subject = models.CharField("personne concernée", max_length=100)
    object_id = models.CharField("identifiant", max_length=64)
    ground = models.CharField("fondement", max_length=64)

    class Meta:
        ordering = ["entry_id", "id"]
        verbose_name = "ligne d'une liste consultée"
        indexes = [
            models.Index(fields=["subject", "entry"], name="accesslisting_subject"),
            models.Index(fields=["entry"], name="accesslisting_entry"),
        ]
        constraints = [models.CheckConstraint(condition=~models.Q(ground=""), name="accesslisting_ground_required")]
