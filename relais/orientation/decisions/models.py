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


class DocumentKind(models.TextChoices):
    """The CDA documents of the SI-SDO (ESMSDocumentReference.type, LOINC; invariant regle-Type). An SDO document
    reference without a type is kept as OTHER."""

    INDIVIDUAL_AND_DECISION = "57830-2", "Document Individu et décision"
    EVALUATION = "51848-0", "Document évaluation"
    OTHER = "", "Document de la décision"


class DecisionDocument(models.Model):
    """A document of an orientation decision received through the SI-SDO exchange (FHIR DocumentReference in):
    the CDA « Individu et décision » or « Évaluation ». The bytes are kept as sent; decision 0050."""

    decision = models.ForeignKey(OrientationDecision, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("type", max_length=10, choices=DocumentKind.choices, blank=True)
    title = models.CharField("titre", max_length=300)
    content_type = models.CharField("format", max_length=100)
    language = models.CharField("langue", max_length=10, blank=True)
    data = models.BinaryField("contenu")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    author_display = models.CharField("auteur (tel que transmis)", max_length=300, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decision", "pk"]
        verbose_name = "document de décision"
        verbose_name_plural = "documents de décision"
        constraints = [models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_valid")]

    def __str__(self) -> str:
        return f"{self.title} (décision {self.decision_id})"


class DecisionConsent(models.Model):
    """The person's agreement collected by an ESMS for a decision's documents (FHIR ESMSConsent in), decision 0050."""

    decision = models.ForeignKey(OrientationDecision, on_delete=models.PROTECT, related_name="consents")
    site = models.ForeignKey("offer.Site", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("statut FHIR", max_length=20)
    policy_rule = models.CharField("règle (OPTIN, OPTOUT…)", max_length=20, blank=True)
    collected_on = models.DateField("recueilli le")
    source = models.CharField("source (meta.source)", max_length=300)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decision", "pk"]
        verbose_name = "accord pour les documents d'une décision"
        verbose_name_plural = "accords pour les documents d'une décision"

    def __str__(self) -> str:
        return f"accord {self.status} du {self.collected_on} (décision {self.decision_id})"
