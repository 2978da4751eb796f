"""Matching proposals: what the matching engine suggests (this request, this unit), accepted or refused by the ESMS.

Imported by the app's ``models.py`` so Django registers them in the ``orientation`` app.
See docs/decisions/0016-priority-and-matching.md.
"""

from django.db import models
from django.db.models import Q


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposée"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    WITHDRAWN = "withdrawn", "Retirée (situation changée)"


class MatchProposal(models.Model):
    """A suggestion of the matching engine: this request, this unit. ESMS staff accept or refuse it (a refusal needs
    a reason); accepting never admits anyone by itself."""

    run = models.CharField("calcul", max_length=40, db_index=True, help_text="Identifiant du calcul qui l'a produite.")
    request = models.ForeignKey("orientation.AdmissionRequest", on_delete=models.CASCADE, related_name="proposals")
    unit = models.ForeignKey("offer.Unit", on_delete=models.CASCADE, related_name="proposals")
    score = models.IntegerField("score de priorité")
    explanation = models.JSONField("explication", default=dict)
    status = models.CharField("statut", max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    refusal_reason = models.CharField("motif du refus", max_length=300, blank=True)
    decided_by = models.CharField("décidée par", max_length=300, blank=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "unit", "-score", "pk"]
        verbose_name = "proposition d'appariement"
        verbose_name_plural = "propositions d'appariement"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=ProposalStatus.REFUSED) | ~Q(refusal_reason=""), name="proposal_refusal_reason"
            ),
            models.CheckConstraint(
                condition=Q(status=ProposalStatus.PROPOSED) | Q(decided_at__isnull=False),
                name="proposal_decided_has_date",
            ),
            models.UniqueConstraint(
                fields=["request", "unit"],
                condition=Q(status=ProposalStatus.PROPOSED),
                name="proposal_open_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"proposition {self.pk}: demande {self.request_id} → unité {self.unit_id}"
