"""The daily automatic follow-up (``orientation_tick``): admitted elsewhere, reminders, decision expiry.

Each step selects what is due, then acts item by item, each in its own transaction through the status services
(actor ``None`` with ``system=True``): a failing item is reported and the others go on. Running it twice the same
day changes nothing the second time: the closed requests are no longer pending, expired decisions no longer
valid, ``last_reminder_at`` spaces reminders, and each notification has a dedup key.
See docs/decisions/0018-follow-up-and-notifications.md.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone

from relais.orientation import notification_kinds as notices
from relais.orientation.decisions.models import DecisionStatus, OrientationDecision
from relais.orientation.decisions.services import orientation_decision_expire
from relais.orientation.follow_up.admitted_elsewhere import CLOSABLE_BY_SYSTEM, request_close_admitted_elsewhere
from relais.orientation.follow_up.tasks import notify_closed, notify_reminder
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import AdmissionRequest, StatusTransition, UnitRequestStatus

REMINDER_DAYS = 10


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _now_for(today: date) -> datetime:
    """The moment recorded for ``today``: now when it is today, else the start of that day (``--today``)."""
    return timezone.now() if today == timezone.localdate() else _start_of(today)


# --- selections (reads) -------------------------------------------------------------------------------------------


def admitted_elsewhere_due() -> list[AdmissionRequest]:
    """Pending requests of persons settled in another ESMS (``ESMS_SETTLED``: admitted, in trial or entered, not
    asking to move), sent before that admission, not kept on the list. A request sent after the admission (a wish to
    move) is the person's choice and stays."""
    first_admission = (
        StatusTransition.objects.filter(
            level=wf.ESMS, to_status__in=st.ESMS_SETTLED, request__status__in=st.ESMS_SETTLED
        )
        .values("request_id", "request__person_id")
        .annotate(at=Min("at"))
    )
    admitted_at: dict[int, datetime] = {}
    admitted_ids = set()
    for row in first_admission:
        admitted_ids.add(row["request_id"])
        person = row["request__person_id"]
        admitted_at[person] = max(row["at"], admitted_at.get(person, row["at"]))
    candidates = (
        AdmissionRequest.objects.filter(person_id__in=admitted_at, status__in=CLOSABLE_BY_SYSTEM, stay_on_list=False)
        .exclude(pk__in=admitted_ids)
        .select_related("person", "site__legal_entity", "site__organisation")
        .order_by("pk")
    )
    return [request for request in candidates if request.created_at <= admitted_at[request.person_id]]


def unanswered_cutoff(today: date, days: int) -> datetime:
    """The moment before which a request's last change makes it unanswered for ``days`` days on ``today``."""
    return _start_of(today - timedelta(days=days - 1))


def unanswered_since(requests, cutoff: datetime):
    """The one definition of an unanswered request, for the daily reminders and the MDPH work list: sent and not
    answered (``ESMS_AWAITING_ANSWER``: not read, or read or contacted without a decision), its last ESMS-level
    change before ``cutoff`` (annotated as ``last_change``)."""
    last_change = StatusTransition.objects.filter(request=OuterRef("pk"), level=wf.ESMS).order_by("-at", "-pk")
    return (
        requests.filter(status__in=st.ESMS_AWAITING_ANSWER)
        .annotate(last_change=Subquery(last_change.values("at")[:1]))
        .filter(last_change__lt=cutoff)
    )


def reminders_due(today: date) -> list[AdmissionRequest]:
    """Requests unread or unanswered for ``REMINDER_DAYS`` days (since their last ESMS-level change), not reminded
    in the last ``REMINDER_DAYS`` days."""
    cutoff = unanswered_cutoff(today, REMINDER_DAYS)
    return list(
        unanswered_since(AdmissionRequest.objects.all(), cutoff)
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lt=cutoff))
        .select_related("person", "site__legal_entity", "site__organisation")
        .order_by("pk")
    )


def decisions_expired_due(today: date) -> list[OrientationDecision]:
    return list(
        OrientationDecision.objects.filter(status=DecisionStatus.VALID, validity_end__lt=today)
        .select_related("person", "organisation")
        .order_by("pk")
    )


# --- actions ------------------------------------------------------------------------------------------------------


def _error(summary: dict, step: str, obj, error: Exception) -> None:
    message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    summary["errors"].append({"step": step, "id": obj.pk, "message": message})


def step_admitted_elsewhere(summary: dict, *, dry_run: bool) -> None:
    for request in admitted_elsewhere_due():
        if dry_run:
            summary["admitted_elsewhere"] += 1
            summary["unit_pairs_removed"] += UnitRequestStatus.objects.filter(
                request=request, status__in=st.UNIT_PENDING
            ).count()
            continue
        try:
            with transaction.atomic():
                summary["unit_pairs_removed"] += request_close_admitted_elsewhere(
                    request=request, comment="Admission dans un autre ESMS"
                )
        except (ValidationError, PermissionDenied) as error:  # changed since selected (e.g. admitted meanwhile)
            _error(summary, "admitted_elsewhere", request, error)
            continue
        summary["admitted_elsewhere"] += 1
        summary["notifications"] += notify_closed(request)


def step_reminders(summary: dict, *, today: date, dry_run: bool) -> None:
    moment = _now_for(today)
    for request in reminders_due(today):
        summary["reminders"] += 1
        if dry_run:
            continue
        since = timezone.localdate(request.last_change)
        with transaction.atomic():
            AdmissionRequest.objects.filter(pk=request.pk).update(last_reminder_at=moment)
            summary["notifications"] += notify_reminder(request, since=since, day=today, days=REMINDER_DAYS)


def step_expiry(summary: dict, *, today: date, dry_run: bool) -> None:
    kind = notices.DECISION_EXPIRED.code
    for decision in decisions_expired_due(today):
        if dry_run:
            summary["decisions_expired"] += 1
            continue
        try:
            cascade = orientation_decision_expire(decision=decision, today=today)
        except ValidationError as error:
            _error(summary, "expiry", decision, error)
            continue
        summary["decisions_expired"] += 1
        summary["requests_closed_by_expiry"] += len(cascade.closed)
        summary["unit_pairs_removed"] += cascade.unit_pairs
        summary["notifications"] += _notify_expiry(kind, decision, cascade.closed)


def _notify_expiry(kind: str, decision: OrientationDecision, closed: list[AdmissionRequest]) -> int:
    initials = notices.initials(decision.person)
    end = f"{decision.validity_end:%d/%m/%Y}"
    count = 0
    for request in closed:
        count += len(
            notices.notify_esms(
                kind=kind,
                request=request,
                subject=f"Décision arrivée à échéance — demande n° {request.pk} close ({initials})",
                body=(
                    f"La décision d'orientation de {initials} a pris fin le {end} ; la demande n° {request.pk} "
                    f"adressée à « {request.site.name} » est close (« {st.status_word(st.NOTIFICATION_CANCELLED)} », "
                    f"motif « {st.reason_word(st.REASON_DECISION_CLOSED_BY_MDPH)} »)."
                ),
                dedup_key=f"{kind}:request:{request.pk}",
            )
        )
    # The senders of the decision's requests and the organisation that issued it: one notice each per decision.
    senders = {(decision.organisation, None)} | {
        (r.created_by_organisation, r.created_by_user)
        for r in decision.requests.select_related("created_by_organisation", "created_by_user")
    }
    body = (
        f"La décision d'orientation n° {decision.pk} de {initials} a pris fin le {end}. "
        f"{len(closed)} demande(s) en attente ont été close(s). Un renouvellement permet de les réactiver."
    )
    for organisation, user in sorted(senders, key=lambda pair: (getattr(pair[0], "pk", 0), getattr(pair[1], "pk", 0))):
        count += len(
            notices.notify_sender(
                kind=kind,
                organisation=organisation,
                user=user,
                person_id=decision.person_id,
                subject=f"Décision d'orientation arrivée à échéance ({initials})",
                body=body,
                dedup_key=f"{kind}:decision:{decision.pk}",
            )
        )
    return count


def orientation_tick(*, today: date | None = None, dry_run: bool = False) -> dict:
    """Run the three steps for ``today`` (default: the local date) and return the summary."""
    today = today or timezone.localdate()
    summary = {
        "today": today.isoformat(),
        "dry_run": dry_run,
        "admitted_elsewhere": 0,
        "decisions_expired": 0,
        "requests_closed_by_expiry": 0,
        "unit_pairs_removed": 0,
        "reminders": 0,
        "notifications": 0,
        "errors": [],
    }
    # Admitted elsewhere first: a request of an admitted person closes with 119 rather than as an expiry.
    step_admitted_elsewhere(summary, dry_run=dry_run)
    step_expiry(summary, today=today, dry_run=dry_run)
    step_reminders(summary, today=today, dry_run=dry_run)
    return summary
