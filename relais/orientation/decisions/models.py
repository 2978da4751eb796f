"""Orientation decisions: the MDPH's decision (CDAPH) or a request without decision (older persons), with its validity.

Imported by the app's ``models.py`` so Django registers them in the ``orientation`` app; the admission requests
(``requests/models.py``) point to them. See docs/decisions/0014-admission-requests.md.
"""

from django.db import models
from django.db.models import F, Q


class DecisionKind(models.TextChoices):
    MDPH = "mdph", "Décision d'orientation de la CDAPH (MDPH)"
    WITHOUT_DECISION = "without_decision", "Demande sans décision (personnes âgées)"


class DecisionStatus(models.TextChoices):
    VALID = "valid", "En cours de validité"
    EXPIRED = "expired", "Expirée"
    CANCELLED = "cancelled", "Annulée"


class OrientationDecision(models.Model):
    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="orientation_decisions")
    kind = models.CharField("nature", max_length=20, choices=DecisionKind.choices)
    mdph_decision_id = models.CharField("identifiant de la décision MDPH", max_length=64, blank=True)
    decision_date = models.DateField("date de décision", null=True, blank=True)
    validity_start = models.DateField("début de validité", null=True, blank=True)
    validity_end = models.DateField("fin de validité", null=True, blank=True)
    categories = models.JSONField("catégories FINESS orientées", default=list, blank=True)
    care_types = models.JSONField("types de prise en charge", default=list, blank=True)
    rights = models.JSONField("droits ouverts", default=list, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField("statut", max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.VALID)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "-validity_start", "pk"]
        verbose_name = "décision d'orientation"
        verbose_name_plural = "décisions d'orientation"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DecisionKind.values), name="decision_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=DecisionStatus.values), name="decision_status_valid"),
            models.CheckConstraint(
                condition=Q(validity_start__isnull=True)
                | Q(validity_end__isnull=True)
                | Q(validity_end__gte=F("validity_start")),
                name="decision_validity_order",
            ),
            models.CheckConstraint(
                condition=~Q(kind=DecisionKind.MDPH) | (~Q(mdph_decision_id="") & Q(validity_end__isnull=False)),
                name="decision_mdph_id_and_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.mdph_decision_id}".strip()
