"""Hospital movements (decision 0045): a person's stay in hospital as one structured row, from the entry to the
discharge. Its facts (where, since when, planned discharge, discharged to where and when) are social data that the
whole circle is told of; its medical content (the reason for admission, the discharge summary, a medical document)
follows the sharing matrix's medical cell. Imported by the app's ``models.py``.
"""

from django.db import models
from django.db.models import F, Q


class Destination(models.TextChoices):
    """Where the person goes on discharge (words for screens; FHIR ``dischargeDisposition`` in fhir/movement.py)."""

    HOME = "home", "Retour à domicile"
    ESMS = "esms", "Établissement ou service médico-social (ESMS)"
    OTHER_HOSPITAL = "other_hospital", "Autre établissement de santé"
    REHABILITATION = "rehabilitation", "Soins médicaux et de réadaptation (SMR, ex-SSR)"
    HOME_HOSPITAL = "home_hospital", "Hospitalisation à domicile (HAD)"
    OTHER = "other", "Autre destination"


class HospitalMovement(models.Model):
    """One hospital stay: entry, planned discharge, discharge. Dates are local calendar days (Paris or the
    organisation's zone), as hospitals and professionals speak of them."""

    record = models.ForeignKey("pathway.CoordinationRecord", on_delete=models.CASCADE, related_name="movements")
    hospital = models.CharField("établissement de santé", max_length=200)
    hospital_finess = models.CharField("FINESS de l'établissement", max_length=9, blank=True)
    ward = models.CharField("service", max_length=200, blank=True)
    admitted_on = models.DateField("entrée le")
    planned_discharge_on = models.DateField("sortie prévue le", null=True, blank=True)
    discharged_on = models.DateField("sortie le", null=True, blank=True)
    destination = models.CharField("destination à la sortie", max_length=16, choices=Destination.choices, blank=True)
    destination_detail = models.CharField("précision sur la destination", max_length=200, blank=True)
    # Medical content: read and written per the sharing matrix's medical cell, never in a notification.
    reason = models.TextField("motif d'hospitalisation", blank=True)
    discharge_summary = models.ForeignKey(
        "pathway.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The sending system's identifier of the stay (e.g. the NDA): a re-post with it updates the same movement.
    identifier_system = models.CharField(max_length=200, blank=True)
    identifier_value = models.CharField(max_length=100, blank=True)
    home_return_planned_at = models.DateTimeField("actions de retour à domicile créées le", null=True, blank=True)
    source = models.CharField("origine", max_length=10, default="web")
    recorded_by = models.CharField("noté par", max_length=300)
    recorded_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["record", "-admitted_on", "-pk"]
        verbose_name = "mouvement hospitalier"
        verbose_name_plural = "mouvements hospitaliers"
        constraints = [
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=F("admitted_on")),
                name="movement_discharge_not_before_entry",
                violation_error_message="La sortie ne peut pas précéder l'entrée.",
            ),
            models.CheckConstraint(
                condition=Q(planned_discharge_on__isnull=True) | Q(planned_discharge_on__gte=F("admitted_on")),
                name="movement_planned_discharge_not_before_entry",
                violation_error_message="La sortie prévue ne peut pas précéder l'entrée.",
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True, destination="")
                | Q(discharged_on__isnull=False) & Q(destination__in=Destination.values),
                name="movement_discharge_has_destination",
                violation_error_message="Une sortie a une destination ; pas de destination sans sortie.",
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=False) | Q(home_return_planned_at__isnull=True),
                name="movement_home_return_after_discharge",
                violation_error_message="Les actions de retour à domicile suivent une sortie.",
            ),
            models.CheckConstraint(
                condition=~Q(hospital=""),
                name="movement_hospital_named",
                violation_error_message="Nommez l'établissement de santé.",
            ),
            models.CheckConstraint(
                condition=Q(identifier_system="", identifier_value="")
                | ~Q(identifier_system="") & ~Q(identifier_value=""),
                name="movement_identifier_whole",
                violation_error_message="Un identifiant de séjour a un système et une valeur.",
            ),
            models.UniqueConstraint(
                fields=["record", "identifier_system", "identifier_value"],
                condition=~Q(identifier_value=""),
                name="movement_identifier_unique",
                violation_error_message="Ce séjour (même identifiant) est déjà enregistré dans le dossier.",
            ),
        ]

    def __str__(self) -> str:
        return f"séjour à {self.hospital} à partir du {self.admitted_on:%d/%m/%Y}"

    @property
    def in_hospital(self) -> bool:
        return self.discharged_on is None


def movements_merge(*, theirs, mine) -> None:
    """Persons merge (``circle/merge.py``): the duplicate's hospital stays join the kept record, except a stay the
    kept record already holds under the same identifier (the same message posted on both), which stays behind."""
    taken = set(
        HospitalMovement.objects.filter(record=mine)
        .exclude(identifier_value="")
        .values_list("identifier_system", "identifier_value")
    )
    for row in HospitalMovement.objects.filter(record=theirs):
        if not row.identifier_value or (row.identifier_system, row.identifier_value) not in taken:
            HospitalMovement.objects.filter(pk=row.pk).update(record=mine)
