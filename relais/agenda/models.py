"""Agendas, opening slots and appointments around the care circle (issue #6, item 3).

An agenda belongs to a professional (user × organisation) or to an organisation (no user). Weekly openings generate
slots; a slot carries its type (in person, home visit, teleconsultation with its https video link). An appointment
books one slot for one person: the partial unique constraint ``agenda_one_booking_per_slot`` is the last line of
defence against double booking (the service also locks the slot row). See docs/decisions/0022-agenda.md. Times are
wall-clock times of the agenda's organisation's territory (``Agenda.zone``, decision 0034).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import F, Q

from relais.agenda.meetings.models import Invitation, Meeting, MeetingAction  # noqa: F401  concertation (0046)
from relais.territory.timezones import organisation_zone, zone_label


class SlotKind(models.TextChoices):
    IN_PERSON = "in_person", "Au cabinet / dans l'établissement"
    HOME_VISIT = "home_visit", "Visite à domicile"
    TELECONSULTATION = "teleconsultation", "Téléconsultation"


class Agenda(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="agendas")
    owner = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agendas",
        help_text="Vide pour l'agenda d'une organisation.",
    )
    label = models.CharField("intitulé", max_length=200)
    active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "agenda"
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "organisation"], condition=Q(owner__isnull=False), name="agenda_one_per_professional"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def zone(self) -> ZoneInfo:
        """Where its appointments happen: openings, slots, reminders and notices use this wall clock (0034)."""
        return organisation_zone(self.organisation)

    @property
    def zone_label(self) -> str:
        """ "heure de La Réunion" beside times shown outside Europe/Paris; empty in Paris time."""
        return zone_label(self.zone)


class Opening(models.Model):
    """A weekly opening (e.g. every Tuesday 9:00-12:00, 30-minute slots) between two dates."""

    agenda = models.ForeignKey(Agenda, on_delete=models.CASCADE, related_name="openings")
    weekday = models.PositiveSmallIntegerField(
        "jour de la semaine",
        choices=[
            (0, "lundi"),
            (1, "mardi"),
            (2, "mercredi"),
            (3, "jeudi"),
            (4, "vendredi"),
            (5, "samedi"),
            (6, "dimanche"),
        ],
    )
    start_time = models.TimeField("de")
    end_time = models.TimeField("à")
    duration_minutes = models.PositiveSmallIntegerField("durée d'un créneau (minutes)")
    kind = models.CharField("type", max_length=20, choices=SlotKind.choices)
    video_link = models.URLField("lien de visioconférence", max_length=500, blank=True)
    first_day = models.DateField("à partir du")
    last_day = models.DateField("jusqu'au")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ouverture hebdomadaire"
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="agenda_opening_weekday"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="agenda_opening_times"),
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="agenda_opening_days"),
        ]

    def __str__(self) -> str:
        return f"{self.agenda} : {self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Slot(models.Model):
    agenda = models.ForeignKey(Agenda, on_delete=models.CASCADE, related_name="slots")
    opening = models.ForeignKey(Opening, on_delete=models.SET_NULL, null=True, blank=True, related_name="slots")
    start = models.DateTimeField("début")
    end = models.DateTimeField("fin")
    kind = models.CharField("type", max_length=20, choices=SlotKind.choices)
    video_link = models.URLField("lien de visioconférence", max_length=500, blank=True)
    withdrawn_at = models.DateTimeField("retiré le", null=True, blank=True)

    class Meta:
        verbose_name = "créneau"
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["agenda", "start"])]
        constraints = [
            models.UniqueConstraint(fields=["agenda", "start"], name="agenda_slot_unique_start"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="agenda_slot_end_after_start"),
            models.CheckConstraint(
                condition=~Q(kind=SlotKind.TELECONSULTATION) | Q(video_link__startswith="https://"),
                name="agenda_teleconsultation_has_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agenda} {self.start:%Y-%m-%d %H:%M}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Réservé"
    CANCELLED = "cancelled", "Annulé"
    RESCHEDULED = "rescheduled", "Déplacé"


class Appointment(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="appointments")
    status = models.CharField("statut", max_length=12, choices=AppointmentStatus.choices, default="booked")
    purpose = models.CharField("objet", max_length=200, blank=True, help_text="Sans donnée médicale.")
    booked_by = models.CharField("réservé par", max_length=300)
    booked_by_user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    booked_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancelled_by = models.CharField("annulé par", max_length=300, blank=True)
    cancel_reason = models.CharField("motif d'annulation", max_length=300, blank=True)
    rescheduled_to = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_from"
    )
    reminder_sent_at = models.DateTimeField("rappel envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["slot__start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["slot"], condition=Q(status="booked"), name="agenda_one_booking_per_slot"),
            models.CheckConstraint(
                condition=Q(status="booked") | ~Q(cancel_reason=""), name="agenda_cancel_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"RDV {self.pk} ({self.get_status_display()})"
