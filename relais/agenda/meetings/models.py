"""Concertation meetings (réunions de concertation pluriprofessionnelles) around a person's care circle.

A circle manager (referent or coordinator) convenes members of the person's circle: a ``Meeting`` (when, where or
the video link, the agenda) and one ``Invitation`` per member, which carries the member's answer (present or absent)
and, after the meeting, whether they attended. The conclusions come in two parts judged apart by the sharing matrix:
``conclusions`` (category PLAN: every invitee reads them) and ``medical_conclusions`` (MEDICAL: health professionals
only). Each decision turned into an action of the shared plan is a ``MeetingAction`` pointing to its ``PlanTask``.
Imported by the agenda app's ``models.py``. See docs/decisions/0046-concertation-meetings.md.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Q

from relais.territory.timezones import organisation_zone, zone_label


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    HELD = "held", "Tenue, conclusions enregistrées"


class Meeting(models.Model):
    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField("objet", max_length=200)
    starts_at = models.DateTimeField("date et heure")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=60)
    place = models.CharField("lieu", max_length=300, blank=True)
    video_link = models.URLField("lien de visioconférence", max_length=500, blank=True)
    agenda_items = models.TextField("ordre du jour", help_text="Un point par ligne.")
    status = models.CharField("état", max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="organisation qui convoque"
    )
    convened_by = models.CharField("convoquée par", max_length=300)
    convened_by_user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    conclusions = models.TextField("conclusions", blank=True)
    medical_conclusions = models.TextField("conclusions médicales", blank=True)
    concluded_at = models.DateTimeField("conclusions enregistrées le", null=True, blank=True)
    concluded_by = models.CharField("conclusions enregistrées par", max_length=300, blank=True)

    class Meta:
        verbose_name = "réunion de concertation"
        verbose_name_plural = "réunions de concertation"
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["person", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(place="") | ~Q(video_link=""), name="meeting_place_or_link"),
            models.CheckConstraint(
                condition=Q(video_link="") | Q(video_link__startswith="https://"), name="meeting_link_https"
            ),
            models.CheckConstraint(condition=Q(status__in=MeetingStatus.values), name="meeting_status_valid"),
            models.CheckConstraint(
                condition=Q(status=MeetingStatus.PLANNED) | Q(concluded_at__isnull=False),
                name="meeting_held_has_conclusion_date",
            ),
        ]

    def __str__(self) -> str:
        return f"réunion de concertation {self.pk}"

    @property
    def zone(self) -> ZoneInfo:
        """The wall clock of the convening organisation's territory (decision 0034)."""
        return organisation_zone(self.organisation)

    @property
    def zone_label(self) -> str:
        return zone_label(self.zone)

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def items(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.agenda_items.splitlines() if line.strip(" -•\t")]


class Answer(models.TextChoices):
    PENDING = "pending", "Sans réponse"
    PRESENT = "present", "Présent·e"
    ABSENT = "absent", "Absent·e"


class Invitation(models.Model):
    """One member of the circle convened to one meeting: their answer, then whether they attended."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey("pathway.CircleMember", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="meeting_invitations")
    answer = models.CharField("réponse", max_length=8, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)
    attended = models.BooleanField("présent·e à la réunion", null=True, blank=True)

    class Meta:
        verbose_name = "convocation"
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="meeting_one_invitation_per_member"),
            models.CheckConstraint(condition=Q(answer__in=Answer.values), name="meeting_answer_valid"),
        ]

    def __str__(self) -> str:
        return f"convocation {self.pk} (réunion {self.meeting_id})"


class MeetingAction(models.Model):
    """A decision of the meeting turned into an action of the shared plan (the action itself lives in the plan)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    task = models.OneToOneField("pathway.PlanTask", on_delete=models.CASCADE, related_name="meeting_action")

    class Meta:
        verbose_name = "décision de la réunion"
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return f"décision {self.pk} (réunion {self.meeting_id})"
