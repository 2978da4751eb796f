"""The admission team's dates on a request: the planned entry date and the pre-admission interview (decision 0043).

Only the ESMS's admission team sets them (``policy.may_process_request``), on a request still in progress
(``statuses.ESMS_IN_PROGRESS``: not ended, not entered yet). The rules, in French for the screens:

- neither date before the request was received (its sending, ``requests.selectors.with_sent_at``, local day);
- neither absurdly far ahead (entry: two years; interview: one year) — a year mistyped;
- the interview takes place on or before the planned entry day.

Each change appends a ``RequestDatesChange`` (before/after, who, when; the request page's history) and an access-log
entry about the person, in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from relais.audit.services import access_log_record
from relais.orientation.policy import may_process_request
from relais.orientation.requests import statuses as st
from relais.orientation.requests.models import AdmissionRequest, RequestDatesChange, Source
from relais.orientation.requests.selectors import with_sent_at

GROUND = "orientation_request"  # the same ground as every other write on a request (requests.services.GROUND)
ENTRY_AHEAD = timedelta(days=730)
INTERVIEW_AHEAD = timedelta(days=365)
# The statuses where the dates may still change: waiting for an answer or a place, or admitted and not entered.
DATES_OPEN = st.ESMS_IN_PROGRESS


def received_on(request: AdmissionRequest) -> date:
    """The local day the ESMS received the request (its sending)."""
    sent_at = with_sent_at(AdmissionRequest.objects.filter(pk=request.pk)).values_list("sent_at", flat=True).get()
    return timezone.localdate(sent_at)


def fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def dates_errors(
    *, received: date, planned_entry_on: date | None, interview_at: datetime | None, today: date
) -> dict[str, list[str]]:
    """The rules above as {field: [messages]} (empty: valid). Pure: the forms show them at their field."""
    errors: dict[str, list[str]] = {}
    if planned_entry_on is not None:
        if planned_entry_on < received:
            errors.setdefault("planned_entry_on", []).append(
                f"La date d'entrée prévue ne peut pas précéder la réception de la demande (le {fr(received)})."
            )
        elif planned_entry_on > today + ENTRY_AHEAD:
            errors.setdefault("planned_entry_on", []).append(
                f"La date d'entrée prévue est à plus de deux ans (après le {fr(today + ENTRY_AHEAD)}) : "
                "vérifiez l'année."
            )
    if interview_at is not None:
        day = timezone.localdate(interview_at)
        if day < received:
            errors.setdefault("interview_at", []).append(
                "L'entretien de pré-admission ne peut pas avoir lieu avant la réception de la demande "
                f"(le {fr(received)})."
            )
        elif day > today + INTERVIEW_AHEAD:
            errors.setdefault("interview_at", []).append(
                f"L'entretien de pré-admission est à plus d'un an (après le {fr(today + INTERVIEW_AHEAD)}) : "
                "vérifiez l'année."
            )
        elif planned_entry_on is not None and day > planned_entry_on:
            errors.setdefault("interview_at", []).append(
                "L'entretien de pré-admission doit avoir lieu au plus tard le jour de l'entrée prévue "
                f"(le {fr(planned_entry_on)})."
            )
    return errors


def _words(planned_entry_on: date | None, interview_at: datetime | None) -> str:
    entry = fr(planned_entry_on) if planned_entry_on else "aucune"
    interview = f"{timezone.localtime(interview_at):%d/%m/%Y à %H:%M}" if interview_at else "aucun"
    return f"entrée prévue : {entry} ; entretien de pré-admission : {interview}"


@transaction.atomic
def admission_request_dates_set(
    *,
    actor,
    request: AdmissionRequest,
    planned_entry_on: date | None,
    interview_at: datetime | None,
    source: str = Source.WEB,
    comment: str = "",
) -> AdmissionRequest:
    """Set (or clear, with None) both dates; unchanged dates write nothing. Refused with a ``ValidationError`` whose
    messages name the field (``planned_entry_on``, ``interview_at``), or ``PermissionDenied`` off the admission team."""
    request = AdmissionRequest.objects.select_for_update().select_related("site__legal_entity").get(pk=request.pk)
    if not may_process_request(actor, request):
        raise PermissionDenied("Seule l'équipe d'admission de l'établissement note les dates d'admission.")
    if request.status not in DATES_OPEN:
        raise ValidationError(
            f"Les dates d'admission ne se notent que sur une demande en cours (celle-ci est « "
            f"{st.status_word(request.status)} »).",
            code="not_in_progress",
        )
    if interview_at is not None and timezone.is_naive(interview_at):
        interview_at = timezone.make_aware(interview_at)
    errors = dates_errors(
        received=received_on(request),
        planned_entry_on=planned_entry_on,
        interview_at=interview_at,
        today=timezone.localdate(),
    )
    if errors:
        raise ValidationError(errors)
    before = (request.planned_entry_on, request.interview_at)
    if before == (planned_entry_on, interview_at):
        return request
    request.planned_entry_on, request.interview_at = planned_entry_on, interview_at
    request.save(update_fields=["planned_entry_on", "interview_at", "updated_at"])
    RequestDatesChange.objects.create(
        request=request,
        planned_entry_on=planned_entry_on,
        interview_at=interview_at,
        previous_planned_entry_on=before[0],
        previous_interview_at=before[1],
        actor_label=actor.public_label,
        user_id=getattr(getattr(actor, "user", None), "pk", None),
        organisation_id=actor.organisation.pk,
        at=timezone.now(),
        source=source,
        comment=comment[:300],
    )
    access_log_record(
        actor=actor,
        action="update",
        obj=request,
        subject=f"persons.person:{request.person_id}",
        ground=GROUND,
        detail=_words(planned_entry_on, interview_at),
    )
    return request
