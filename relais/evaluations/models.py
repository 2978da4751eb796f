"""Evaluation forms and their filled responses, stored as FHIR Questionnaire and QuestionnaireResponse JSON.

A ``FormDefinition`` holds a Questionnaire loaded from a JSON file (``load_forms``): adding a grid needs no code.
Its data category (the sharing matrix of the care circle judges every read and write by it) and its optional
scorer come from extensions of the Questionnaire itself (see ``engine.py``). A ``FormResponse`` is one evaluation
of one person; the computed score is stored with the details a user needs to check it.
"""

from django.db import models

from relais.pathway.access import matrix as m

CATEGORY_CHOICES = [(code, label) for code, label in m.CATEGORIES.items()]


class FormDefinition(models.Model):
    key = models.SlugField("identifiant", max_length=64, unique=True)  # the Questionnaire.id
    url = models.CharField("URL canonique", max_length=300, blank=True)
    version = models.CharField("version", max_length=32, blank=True)
    title = models.CharField("titre", max_length=200)
    category = models.CharField("catégorie de données", max_length=10, choices=CATEGORY_CHOICES)
    scorer = models.CharField("calcul du score", max_length=32, blank=True)
    active = models.BooleanField("proposée", default=True)
    questionnaire = models.JSONField("Questionnaire FHIR")
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = "grille d'évaluation"
        verbose_name_plural = "grilles d'évaluation"

    def __str__(self) -> str:
        return self.title


class ResponseStatus(models.TextChoices):
    IN_PROGRESS = "in-progress", "Brouillon"
    COMPLETED = "completed", "Terminée"


class FormResponse(models.Model):
    definition = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="responses")
    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="evaluations")
    status = models.CharField("statut", max_length=12, choices=ResponseStatus.choices)
    response = models.JSONField("QuestionnaireResponse FHIR")
    score = models.IntegerField("score", null=True, blank=True)  # e.g. the GIR
    score_label = models.CharField("résultat", max_length=100, blank=True)
    score_details = models.JSONField("détail du calcul", default=dict, blank=True)
    author = models.CharField("auteur", max_length=300)
    author_user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    author_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["person", "-updated_at"])]
        verbose_name = "évaluation"

    def __str__(self) -> str:
        return f"{self.definition.title} ({self.get_status_display()})"
