"""Admission requests (one row per person × ESMS site), their submissions, unit statuses and the transition log.

Imported by the app's ``models.py`` so Django registers them in the ``orientation`` app. The allowed status codes in the
check constraints are generated from ``requests/statuses.py`` (the workflow's tests check they are the same codes).
See docs/decisions/0014-admission-requests.md.
"""

from datetime import UTC, date, datetime

from django.db import models
from django.db.models import Q

from relais.audit.append_only import AppendOnlyModel
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf


def _codes(*groups) -> list[str]:
    """Lists in code order: the check constraints (and so the migrations) are built from them."""
    return sorted({code for group in groups for code in group}, key=int)


ESMS_STATUSES = _codes(st.ESMS_STATUSES)
UNIT_STATUSES = _codes(st.UNIT_STATUSES)
# A request is "open" unless ended: final (37, 48) or closed (44, 46, 49; the orientation may reactivate them).
ESMS_ENDED = _codes(st.ESMS_ENDED)
UNIT_ENDED = _codes(st.UNIT_FINAL, st.UNIT_CLOSED)
OPEN_REQUEST = ~Q(status__in=ESMS_ENDED)
# No admission date before Relais's reference data begins (decision 0043).
EARLIEST_DATE = date(2000, 1, 1)
EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


class Source(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    FHIR = "fhir", "FHIR"
    SYSTEM = "system", "Système"


class AdmissionSubmission(models.Model):
    """One "send" of requests: the client's idempotency key, unique per creator (a double submit finds it back)."""

    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="+")
    creator = models.CharField("émetteur", max_length=40, help_text="user:<id>, api:<id> ou org:<id>.")
    idempotency_key = models.CharField("clé d'idempotence", max_length=64)
    fingerprint = models.CharField("empreinte de la demande", max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "envoi de demandes d'admission"
        constraints = [
            models.UniqueConstraint(fields=["creator", "idempotency_key"], name="submission_key_unique_per_creator"),
            models.CheckConstraint(condition=~Q(idempotency_key=""), name="submission_key_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.creator} {self.idempotency_key}"


class AdmissionRequest(models.Model):
    """The (person, ESMS site) pair and its JDV_J252 status."""

    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="admission_requests")
    decision = models.ForeignKey(
        OrientationDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    site = models.ForeignKey("offer.Site", on_delete=models.PROTECT, related_name="admission_requests")
    submission = models.ForeignKey(
        AdmissionSubmission, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    wish_rank = models.PositiveSmallIntegerField("rang du souhait")
    status = models.CharField("statut (TRE_R357)", max_length=4)
    status_reason = models.CharField("motif (TRE_R358)", max_length=4, blank=True)
    stay_on_list = models.BooleanField("rester sur la liste si admis·e ailleurs", default=False)
    created_by = models.CharField("créée par", max_length=300)
    created_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The identifier the sending system gave (SI-SDO notification, FHIR Task), for idempotent imports.
    external_ref = models.CharField("référence externe", max_length=100, null=True, blank=True, unique=True)
    last_reminder_at = models.DateTimeField("dernière relance", null=True, blank=True)
    # Sent to an ESMS the decision does not cover (category, care mode, age): who chose to, when and why (0033).
    derogation_reason = models.TextField("justification de la dérogation", blank=True)
    derogation_by = models.CharField("dérogation décidée par", max_length=300, blank=True)
    derogation_at = models.DateTimeField("dérogation décidée le", null=True, blank=True)
    # Set by the ESMS's admission team (``requests/schedule.admission_request_dates_set``, decision 0043); each change
    # is a ``RequestDatesChange`` row.
    planned_entry_on = models.DateField("date d'entrée prévue", null=True, blank=True)
    interview_at = models.DateTimeField("entretien de pré-admission", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "wish_rank", "pk"]
        verbose_name = "demande d'admission"
        verbose_name_plural = "demandes d'admission"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ESMS_STATUSES), name="request_status_j252"),
            models.CheckConstraint(condition=Q(wish_rank__gte=1), name="request_wish_rank_positive"),
            models.UniqueConstraint(fields=["person", "site"], condition=OPEN_REQUEST, name="request_open_unique_site"),
            models.UniqueConstraint(
                fields=["person", "wish_rank"], condition=OPEN_REQUEST, name="request_open_unique_rank"
            ),
            # A derogation is whole: a justification, who and when, or nothing.
            models.CheckConstraint(
                condition=Q(derogation_reason="", derogation_by="", derogation_at__isnull=True)
                | (~Q(derogation_reason="") & ~Q(derogation_by="") & Q(derogation_at__isnull=False)),
                name="request_derogation_whole",
            ),
            # Dates not absurd (a year typed "0202"); the rules against the reception and today are the service's.
            models.CheckConstraint(
                condition=Q(planned_entry_on__isnull=True) | Q(planned_entry_on__gte=EARLIEST_DATE),
                name="request_planned_entry_sane",
            ),
            models.CheckConstraint(
                condition=Q(interview_at__isnull=True) | Q(interview_at__gte=EARLIEST_MOMENT),
                name="request_interview_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"demande {self.pk} ({self.status}) — {self.site_id}"

    @property
    def is_open(self) -> bool:
        return self.status not in ESMS_ENDED

    @property
    def has_derogation(self) -> bool:
        return bool(self.derogation_reason)


class UnitRequestStatus(models.Model):
    """The (person, unit) pair of a request and its JDV_J253 status (unit of the request's site: services check)."""

    request = models.ForeignKey(AdmissionRequest, on_delete=models.CASCADE, related_name="unit_statuses")
    unit = models.ForeignKey("offer.Unit", on_delete=models.PROTECT, related_name="request_statuses")
    status = models.CharField("statut (TRE_R357)", max_length=4)
    status_reason = models.CharField("motif (TRE_R358)", max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["request", "unit"]
        verbose_name = "statut de la demande dans une unité"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=UNIT_STATUSES), name="unitrequest_status_j253"),
            models.UniqueConstraint(fields=["request", "unit"], name="unitrequest_unique"),
        ]

    def __str__(self) -> str:
        return f"demande {self.request_id} unité {self.unit_id} ({self.status})"


class StatusTransition(AppendOnlyModel):
    """Who changed which status, when, why and through which channel. Append-only."""

    request = models.ForeignKey(AdmissionRequest, on_delete=models.PROTECT, related_name="transitions")
    unit = models.ForeignKey("offer.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    level = models.CharField("niveau", max_length=4, choices=[(wf.ESMS, "ESMS"), (wf.UNIT, "Unité")])
    from_status = models.CharField("de", max_length=4, blank=True, help_text="Vide : création.")
    to_status = models.CharField("vers", max_length=4)
    reason = models.CharField("motif", max_length=4, blank=True)
    actor_kind = models.CharField("type d'acteur", max_length=12, choices=[(k, k) for k in wf.ACTOR_KINDS])
    actor_label = models.CharField("qui", max_length=300)
    user_id = models.BigIntegerField(null=True, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField("date", db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    comment = models.CharField("commentaire", max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "changement de statut"
        # The territory view looks for the first admission (to_status 71) of each request.
        indexes = [models.Index(fields=["level", "to_status", "request"], name="transition_level_status")]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=wf.LEVELS), name="transition_level_valid"),
            models.CheckConstraint(condition=Q(actor_kind__in=wf.ACTOR_KINDS), name="transition_actor_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="transition_source_valid"),
            models.CheckConstraint(
                condition=Q(level=wf.ESMS, unit__isnull=True, to_status__in=ESMS_STATUSES)
                | Q(level=wf.UNIT, unit__isnull=False, to_status__in=UNIT_STATUSES),
                name="transition_status_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status} ({self.actor_label}, {self.at:%d/%m/%Y %H:%M})"


class RequestDatesChange(AppendOnlyModel):
    """A change of a request's planned entry date or pre-admission interview: the values before and after, who, when.
    Append-only; shown with the status changes in the request's history (decision 0043)."""

    request = models.ForeignKey(AdmissionRequest, on_delete=models.PROTECT, related_name="dates_changes")
    planned_entry_on = models.DateField("date d'entrée prévue", null=True, blank=True)
    interview_at = models.DateTimeField("entretien de pré-admission", null=True, blank=True)
    previous_planned_entry_on = models.DateField("date d'entrée prévue avant", null=True, blank=True)
    previous_interview_at = models.DateTimeField("entretien de pré-admission avant", null=True, blank=True)
    actor_label = models.CharField("qui", max_length=300)
    user_id = models.BigIntegerField(null=True, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField("date", db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    comment = models.CharField("commentaire", max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "changement des dates d'admission"
        constraints = [
            models.CheckConstraint(condition=Q(source__in=Source.values), name="dateschange_source_valid"),
        ]

    def __str__(self) -> str:
        return f"dates de la demande {self.request_id} ({self.actor_label}, {self.at:%d/%m/%Y %H:%M})"
