"""The coordination record of a person and its care circle: members, their ground of access, consents, objections.

Invariants that fit one row are database checks; the rules that decide access are in ``policy.py`` only.
See docs/decisions/0019-care-circle-policy.md.
"""

from django.db import models
from django.db.models import Q


class CoordinationRecord(models.Model):
    person = models.OneToOneField("persons.Person", on_delete=models.PROTECT, related_name="coordination_record")
    opened_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="ouvert par"
    )
    opened_by = models.CharField("ouvert par (personne)", max_length=300)
    opened_at = models.DateTimeField("ouvert le", auto_now_add=True)
    closed_at = models.DateTimeField("clos le", null=True, blank=True)

    class Meta:
        verbose_name = "dossier de coordination"
        verbose_name_plural = "dossiers de coordination"

    def __str__(self) -> str:
        return f"dossier de coordination de la personne {self.person_id}"


class MemberKind(models.TextChoices):
    PROFESSIONAL = "professional", "Professionnel·le"
    PROXY = "proxy", "Proche"


class CircleRole(models.TextChoices):
    REFERENT = "referent", "Référent·e"
    COORDINATOR = "coordinator", "Coordinateur·rice"
    MEMBER = "member", "Membre"


class ProxyRole(models.TextChoices):
    TRUSTED_PERSON = "trusted_person", "Personne de confiance"
    LEGAL_GUARDIAN = "legal_guardian", "Représentant·e légal·e (tuteur·rice)"
    CARER = "carer", "Aidant·e"


class Ground(models.TextChoices):
    CARE_TEAM = "care_team", "Équipe de soins (CSP L1110-12)"
    CONSENT = "consent", "Consentement de la personne"
    LEGAL = "legal", "Représentation légale ou désignation par la personne"


class CircleMember(models.Model):
    record = models.ForeignKey(CoordinationRecord, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField("nature", max_length=12, choices=MemberKind.choices)
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    circle_role = models.CharField("rôle dans le cercle", max_length=12, choices=CircleRole.choices, blank=True)
    proxy_role = models.CharField("qualité du proche", max_length=16, choices=ProxyRole.choices, blank=True)
    display_name = models.CharField("nom affiché", max_length=200, blank=True, help_text="Pour un proche sans compte.")
    # A proxy's name parts and phone: the ANS RelatedPerson profile (CDS_FrRelatedPerson) needs a family name and a
    # telecom; members added before these fields have only ``display_name`` (decision 0051).
    family_name = models.CharField("nom", max_length=100, blank=True)
    given_name = models.CharField("prénom", max_length=100, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    ground = models.CharField("fondement de l'accès", max_length=10, choices=Ground.choices)
    # Same care team: the person must be informed beforehand (L1110-12); the date is recorded here.
    person_informed_at = models.DateTimeField("personne informée le", null=True, blank=True)
    start = models.DateField("début")
    end = models.DateField("fin", null=True, blank=True)
    added_by = models.CharField("ajouté·e par", max_length=300)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "kind", "pk"]
        verbose_name = "membre du cercle de soins"
        verbose_name_plural = "membres du cercle de soins"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=MemberKind.PROFESSIONAL, user__isnull=False, organisation__isnull=False)
                & ~Q(circle_role="")
                & Q(proxy_role="")
                & Q(ground__in=[Ground.CARE_TEAM, Ground.CONSENT])
                | Q(kind=MemberKind.PROXY, ground=Ground.LEGAL, circle_role="") & ~Q(proxy_role=""),
                name="member_kind_fields",
            ),
            models.CheckConstraint(
                condition=~Q(ground=Ground.CARE_TEAM) | Q(person_informed_at__isnull=False),
                name="member_care_team_informed",
            ),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="member_period"),
        ]

    def __str__(self) -> str:
        return f"membre {self.pk} du dossier {self.record_id}"


class ConsentMethod(models.TextChoices):
    ORAL = "oral", "Oral, noté par le professionnel"
    WRITTEN = "written", "Écrit signé"
    ELECTRONIC = "electronic", "Électronique"


class Consent(models.Model):
    """The person's (or their legal guardian's) consent to share with one member outside the care team."""

    member = models.ForeignKey(CircleMember, on_delete=models.CASCADE, related_name="consents")
    scope = models.JSONField("catégories couvertes", default=list)
    method = models.CharField("recueilli", max_length=10, choices=ConsentMethod.choices)
    given_by = models.CharField("donné par", max_length=200, help_text="La personne, ou son représentant légal.")
    collected_by = models.CharField("recueilli par", max_length=300)
    collected_at = models.DateTimeField("recueilli le")
    revoked_at = models.DateTimeField("retiré le", null=True, blank=True)
    revoked_by = models.CharField("retiré par", max_length=300, blank=True)

    class Meta:
        ordering = ["member", "-collected_at", "pk"]
        verbose_name = "consentement"
        constraints = [
            models.CheckConstraint(condition=Q(method__in=ConsentMethod.values), name="consent_method_valid"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_by=""), name="consent_revocation_signed"
            ),
        ]

    def __str__(self) -> str:
        return f"consentement {self.pk} (membre {self.member_id})"

    @property
    def scope_labels(self) -> list[str]:
        """The categories it covers, in words and in the matrix's order (shown on the circle)."""
        from relais.pathway.matrix import CATEGORIES

        return [label for code, label in CATEGORIES.items() if code in (self.scope or ())]


class Objection(models.Model):
    """The person objects to sharing with one member of the care team, or with all of it (member null)."""

    record = models.ForeignKey(CoordinationRecord, on_delete=models.CASCADE, related_name="objections")
    member = models.ForeignKey(CircleMember, on_delete=models.CASCADE, null=True, blank=True, related_name="objections")
    expressed_by = models.CharField("exprimée par", max_length=200)
    recorded_by = models.CharField("enregistrée par", max_length=300)
    at = models.DateTimeField("le")
    withdrawn_at = models.DateTimeField("levée le", null=True, blank=True)

    class Meta:
        ordering = ["record", "-at", "pk"]
        verbose_name = "opposition"

    def __str__(self) -> str:
        return f"opposition {self.pk} (dossier {self.record_id})"
