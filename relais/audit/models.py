"""The access log: one append-only, hash-chained record of every access to personal data.

Entries hold identifiers and labels, never foreign keys: the log must stay
exactly as written even when users or organisations are later removed.
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
    seq = models.PositiveBigIntegerField("n°", unique=True)
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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = "entrée du journal des accès"
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AccessAction.values), name="accesslog_action_valid"),
            models.CheckConstraint(condition=~models.Q(ground=""), name="accesslog_ground_required"),
        ]

    def __str__(self) -> str:
        return f"n° {self.seq} {self.action} {self.object_type}:{self.object_id} par {self.actor_label}"


class ChainHead(models.Model):
    """The last link of the chain: locked while appending, so that entries form one line."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="chainhead_singleton")]

    def __str__(self) -> str:
        return f"tête de chaîne n° {self.last_seq}"
