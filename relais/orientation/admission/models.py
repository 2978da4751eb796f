"""The person's admission file (one per person, common to every ESMS it is sent to).

The file has an administrative part, readable by whoever may read the person's requests, and a medical part (GIR,
care needs) that only health professionals of a receiving ESMS and the medical part's author may read
(``policy.can_read_medical``). See docs/decisions/0015-admission-file-and-policy.md.
"""

from django.db import models
from django.db.models import Q


class Urgency(models.IntegerChoices):
    """How urgent the person's situation is, as judged by the file's author; a component of the priority score."""

    NONE = 0, "Pas d'urgence particulière"
    MODERATE = 1, "Situation à surveiller"
    HIGH = 2, "Situation urgente"
    CRITICAL = 3, "Situation critique (rupture imminente)"


class LivingSituation(models.TextChoices):
    HOME = "home", "À domicile"
    HOME_ALONE = "home_alone", "À domicile, seul·e"
    HOSPITAL = "hospital", "Hospitalisé·e"
    ESMS = "esms", "Accueilli·e dans un autre ESMS"
    NO_SOLUTION = "no_solution", "Sans solution (à domicile sans accompagnement)"
    OTHER = "other", "Autre"


class AdmissionFile(models.Model):
    person = models.OneToOneField("persons.Person", on_delete=models.PROTECT, related_name="admission_file")
    # Administrative part.
    living_situation = models.CharField(
        "situation actuelle", max_length=20, choices=LivingSituation.choices, default=LivingSituation.HOME
    )
    urgency = models.PositiveSmallIntegerField("urgence", choices=Urgency.choices, default=Urgency.NONE)
    urgency_reason = models.CharField("motif de l'urgence", max_length=300, blank=True)
    wishes = models.TextField("souhaits de la personne", blank=True)
    expected_entry = models.DateField("date d'entrée souhaitée", null=True, blank=True)
    commune = models.ForeignKey(
        "territory.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="commune de résidence",
        help_text="Sert au calcul des distances.",
    )
    author = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Medical part.
    gir = models.PositiveSmallIntegerField("GIR", null=True, blank=True)
    care_needs = models.TextField("besoins de soins", blank=True)
    medical_notes = models.TextField("éléments médicaux", blank=True)
    medical_author = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    medical_updated_at = models.DateTimeField("volet médical mis à jour le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "dossier d'admission"
        verbose_name_plural = "dossiers d'admission"
        constraints = [
            models.CheckConstraint(condition=Q(gir__isnull=True) | Q(gir__gte=1, gir__lte=6), name="file_gir_1_6"),
            models.CheckConstraint(condition=Q(urgency__gte=0, urgency__lte=3), name="file_urgency_valid"),
            models.CheckConstraint(
                condition=Q(urgency__lte=1) | ~Q(urgency_reason=""), name="file_urgency_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"dossier d'admission de la personne {self.person_id}"
