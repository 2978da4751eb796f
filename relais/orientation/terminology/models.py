"""SI-SDO terminology tables: code systems with their official URLs, concepts, value sets, status → reason rules.

Filled only by ``load_sdo_terminology`` from the national files (TRE_R357, TRE_R358, JDV_J250..J253, ASS_A32);
no code is typed by hand. See docs/decisions/0013-sdo-workflow.md.
"""

from django.db import models


class CodeSystem(models.Model):
    url = models.URLField("URL officielle", max_length=300, unique=True)
    name = models.CharField("nom", max_length=200)
    version = models.CharField(max_length=50, blank=True)
    oid = models.CharField("OID", max_length=100, blank=True)

    class Meta:
        verbose_name = "système de codes"
        verbose_name_plural = "systèmes de codes"
        ordering = ["name"]

    def __str__(self):
        return self.name


class SystemAlias(models.Model):
    """Another URL seen in ``Coding.system`` for a code system (value set URL, NOS folder form), without trailing /."""

    url = models.CharField(max_length=300, unique=True)
    code_system = models.ForeignKey(CodeSystem, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name = "alias d'URL de système de codes"
        verbose_name_plural = "alias d'URL de systèmes de codes"
        ordering = ["url"]

    def __str__(self):
        return self.url


class Concept(models.Model):
    code_system = models.ForeignKey(CodeSystem, on_delete=models.PROTECT, related_name="concepts")
    code = models.CharField(max_length=20)
    display = models.CharField("libellé", max_length=300)

    class Meta:
        verbose_name = "concept"
        ordering = ["code_system", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code_system", "code"], name="orientation_concept_unique_code"),
            models.CheckConstraint(condition=~models.Q(code=""), name="orientation_concept_code_not_empty"),
        ]

    def __str__(self):
        return f"{self.code} {self.display}"


class ValueSet(models.Model):
    class Kind(models.TextChoices):
        STATUS = "status", "Statut"
        REASON = "reason", "Motif"

    class Level(models.TextChoices):
        ESMS = "esms", "ESMS"
        UNIT = "unit", "Unité"

    url = models.URLField("URL officielle", max_length=300, unique=True)
    name = models.CharField("nom", max_length=200)
    version = models.CharField(max_length=50, blank=True)
    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    level = models.CharField("niveau", max_length=10, choices=Level.choices)
    concepts = models.ManyToManyField(Concept, related_name="value_sets", blank=True)

    class Meta:
        verbose_name = "jeu de valeurs"
        verbose_name_plural = "jeux de valeurs"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "level"], name="orientation_valueset_one_per_kind_level"),
            models.CheckConstraint(condition=models.Q(kind__in=["status", "reason"]), name="orientation_valueset_kind"),
            models.CheckConstraint(condition=models.Q(level__in=["esms", "unit"]), name="orientation_valueset_level"),
        ]

    def __str__(self):
        return self.name


class StatusReasonRule(models.Model):
    """ASS_A32: ``reason`` (TRE_R358) may justify ``status`` (TRE_R357); a status with rules requires one of them."""

    status = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="reason_rules")
    reason = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="status_rules")

    class Meta:
        verbose_name = "motif autorisé pour un statut"
        verbose_name_plural = "motifs autorisés par statut"
        ordering = ["status", "reason"]
        constraints = [models.UniqueConstraint(fields=["status", "reason"], name="orientation_rule_unique")]

    def __str__(self):
        return f"{self.status.code} → {self.reason.code}"
