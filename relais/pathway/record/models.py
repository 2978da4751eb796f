"""What the coordination record holds: timeline events, documents, and the shared plan (PPCS) with its tasks.

Each object carries the data category the access policy judges it by (``matrix.CATEGORIES``): a hospital discharge
summary is "medical", a home visit note may be "social". Imported by the app's ``models.py``.
"""

from django.db import models
from django.db.models import F, Q

from relais.pathway import matrix as m

CATEGORY_CHOICES = [(code, label) for code, label in m.CATEGORIES.items()]


class EventKind(models.TextChoices):
    ADMISSION = "admission", "Admission"
    DISCHARGE = "discharge", "Sortie"
    HOSPITAL_STAY = "hospital_stay", "Hospitalisation"
    HOME_VISIT = "home_visit", "Visite à domicile"
    EVALUATION = "evaluation", "Évaluation"
    NOTE = "note", "Note"
    MEETING = "meeting", "Réunion de concertation"
    OTHER = "other", "Autre événement"


class TimelineEvent(models.Model):
    record = models.ForeignKey("pathway.CoordinationRecord", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("nature", max_length=16, choices=EventKind.choices)
    category = models.CharField("catégorie de données", max_length=10, choices=CATEGORY_CHOICES, default=m.SOCIAL)
    occurred_at = models.DateTimeField("date de l'événement")
    title = models.CharField("titre", max_length=200)
    body = models.TextField("détail", blank=True)
    author = models.CharField("auteur", max_length=300)
    author_user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField("origine", max_length=10, default="web")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = "événement du parcours"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid"),
            models.CheckConstraint(condition=Q(category__in=list(m.CATEGORIES)), name="event_category_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.title}"


class DocumentType(models.TextChoices):
    REPORT = "report", "Compte rendu"
    PRESCRIPTION = "prescription", "Prescription"
    EVALUATION = "evaluation", "Évaluation"
    ADMINISTRATIVE = "administrative", "Document administratif"
    OTHER = "other", "Autre document"


class Document(models.Model):
    """An uploaded file. Stored under a random name; the original name is kept, sanitised, for display only."""

    record = models.ForeignKey("pathway.CoordinationRecord", on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("titre", max_length=200)
    doc_type = models.CharField("type", max_length=16, choices=DocumentType.choices)
    category = models.CharField("catégorie de données", max_length=10, choices=CATEGORY_CHOICES, default=m.DOCUMENTS)
    file = models.FileField("fichier", upload_to="pathway/%Y/%m/")
    original_name = models.CharField("nom d'origine", max_length=120)
    content_type = models.CharField("type de contenu vérifié", max_length=80)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.CharField("déposé par", max_length=300)
    uploaded_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = "document"
        constraints = [
            models.CheckConstraint(condition=Q(doc_type__in=DocumentType.values), name="document_type_valid"),
            models.CheckConstraint(condition=Q(category__in=list(m.CATEGORIES)), name="document_category_valid"),
        ]

    def __str__(self) -> str:
        return self.title


class CarePlan(models.Model):
    """The shared plan (plan personnalisé de coordination en santé, PPCS): one per record."""

    record = models.OneToOneField("pathway.CoordinationRecord", on_delete=models.CASCADE, related_name="plan")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "plan personnalisé de coordination"

    def __str__(self) -> str:
        return f"PPCS du dossier {self.record_id}"


class AgreementMethod(models.TextChoices):
    ORAL = "oral", "Accord oral, noté par le ou la professionnel·le"
    WRITTEN = "written", "Accord écrit (document signé)"


class PlanVersion(models.Model):
    """A version of the PPCS as agreed with the person (decision 0040): a frozen copy of the plan's needs, goals and
    actions, who agreed and when, and when the plan is to be reviewed. Never changed once issued; the printable PDF
    is made from `content`, so version 2 prints the same in ten years."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    issued_at = models.DateTimeField("établie le")
    issued_by = models.CharField("établie par", max_length=300)
    agreed_by = models.CharField("accord donné par", max_length=200)
    agreement_method = models.CharField("forme de l'accord", max_length=10, choices=AgreementMethod.choices)
    agreed_on = models.DateField("date de l'accord")
    review_on = models.DateField("à réviser le")
    review_notified_at = models.DateTimeField("rappel de révision envoyé le", null=True, blank=True)
    content = models.JSONField("contenu figé", default=dict)

    class Meta:
        verbose_name = "version du plan personnalisé"
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="plan_version_number_positive"),
            models.CheckConstraint(
                condition=Q(review_on__gt=F("agreed_on")), name="plan_version_review_after_agreement"
            ),
            models.CheckConstraint(
                condition=Q(agreement_method__in=AgreementMethod.values), name="plan_version_method"
            ),
        ]

    def __str__(self) -> str:
        return f"PPCS du dossier {self.plan.record_id}, version {self.number}"


class PlanNeed(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="needs")
    domain = models.CharField("domaine", max_length=80, help_text="Santé, autonomie, logement, vie sociale…")
    description = models.TextField("besoin")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = "besoin"

    def __str__(self) -> str:
        return f"{self.domain} : {self.description[:40]}"


class GoalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposé"
    ACTIVE = "active", "En cours"
    ACHIEVED = "achieved", "Atteint"
    CANCELLED = "cancelled", "Abandonné"


class PlanGoal(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    need = models.ForeignKey(PlanNeed, on_delete=models.SET_NULL, null=True, blank=True, related_name="goals")
    description = models.TextField("objectif")
    target_date = models.DateField("échéance", null=True, blank=True)
    status = models.CharField("statut", max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = "objectif"
        constraints = [models.CheckConstraint(condition=Q(status__in=GoalStatus.values), name="goal_status_valid")]

    def __str__(self) -> str:
        return self.description[:60]


class TaskStatus(models.TextChoices):
    TODO = "todo", "À faire"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Faite"
    CANCELLED = "cancelled", "Annulée"


class PlanTask(models.Model):
    """An action of the plan, assigned to a member of the circle or to an organisation of the circle."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="tasks")
    goal = models.ForeignKey(PlanGoal, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks")
    title = models.CharField("action", max_length=200)
    description = models.TextField("détail", blank=True)
    assignee_member = models.ForeignKey(
        "pathway.CircleMember", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    assignee_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField("échéance", null=True, blank=True)
    status = models.CharField("statut", max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO)
    created_by = models.CharField("créée par", max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField("faite le", null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = "action du plan"
        verbose_name_plural = "actions du plan"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status_valid"),
            models.CheckConstraint(
                condition=Q(assignee_member__isnull=False, assignee_organisation__isnull=True)
                | Q(assignee_member__isnull=True, assignee_organisation__isnull=False),
                name="task_one_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.DONE) | Q(completed_at__isnull=False), name="task_done_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskComment(models.Model):
    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="comments")
    author = models.CharField("auteur", max_length=300)
    body = models.TextField("commentaire")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "at", "pk"]
        verbose_name = "commentaire"

    def __str__(self) -> str:
        return f"commentaire {self.pk} sur l'action {self.task_id}"
