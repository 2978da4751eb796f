"""Reminders an orientation officer sends from the work list: the ESMS of the chosen persons' unanswered requests.

The same notice as the daily reminders (``tasks.notify_reminder``, kind ``orientation.request_reminder``), to the
same people (the admission staff of each request's site). A request reminded in the last ``MANUAL_REMINDER_GAP``
(by hand or by the daily job) is not reminded again; a reminder by hand also spaces the daily one
(``last_reminder_at``). The notices leave after the commit, from the worker (decision 0042).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from relais.jobs.services import after_commit
from relais.orientation import policy
from relais.orientation.follow_up.services import unanswered_since
from relais.orientation.follow_up.tasks import NOTIFY_RETRIES, notify_reminder
from relais.orientation.follow_up.work_list import unanswered_requests
from relais.orientation.requests.models import AdmissionRequest

MANUAL_REMINDER_GAP = timedelta(days=3)


@dataclass(frozen=True)
class RemindersSent:
    requests: int  # reminded now
    sites: int  # distinct ESMS reminded
    persons: int  # distinct persons concerned
    recent: int  # left out: reminded less than MANUAL_REMINDER_GAP ago

    @property
    def message(self) -> str:
        if not self.requests and not self.recent:
            return "Aucune demande sans réponse à relancer pour les personnes choisies."
        parts = []
        if self.requests:
            s = "s" if self.requests > 1 else ""
            parts.append(
                f"{self.requests} relance{s} envoyée{s} à {self.sites} établissement{'s' if self.sites > 1 else ''} "
                f"({self.persons} personne{'s' if self.persons > 1 else ''})"
            )
        if self.recent:
            s = "s" if self.recent > 1 else ""
            parts.append(
                f"{self.recent} demande{s} déjà relancée{s} depuis moins de {MANUAL_REMINDER_GAP.days} jours, "
                f"non relancée{s}"
            )
        return " ; ".join(parts) + "."


@transaction.atomic
def admission_requests_remind(*, actor, person_ids: list[int], days: int) -> RemindersSent:
    """Remind the ESMS of the requests of ``person_ids`` the actor sees and that are unanswered for ``days`` days
    (``work_list.unanswered_requests``); other persons' ids are ignored, as out of scope."""
    if not policy.may_send_requests(actor):
        raise PermissionDenied("Votre rôle ne permet pas de relancer les établissements.")
    today, now = timezone.localdate(), timezone.now()
    due = unanswered_requests(actor, max(days, 1), today).filter(person_id__in=person_ids).values("pk")
    rows = list(AdmissionRequest.objects.select_for_update().filter(pk__in=due).order_by("pk"))
    fresh = [r for r in rows if r.last_reminder_at is None or r.last_reminder_at <= now - MANUAL_REMINDER_GAP]
    if fresh:
        AdmissionRequest.objects.filter(pk__in=[r.pk for r in fresh]).update(last_reminder_at=now)
        after_commit(requests_reminder_notify, [r.pk for r in fresh], today.isoformat(), max(days, 1))
    return RemindersSent(
        requests=len(fresh),
        sites=len({r.site_id for r in fresh}),
        persons=len({r.person_id for r in fresh}),
        recent=len(rows) - len(fresh),
    )


@db_task(retries=NOTIFY_RETRIES, retry_delay=60)
def requests_reminder_notify(request_ids: list[int], day: str, days: int) -> None:
    """The notices of reminders sent by hand, queued after the commit; a request answered meanwhile is skipped, and
    the dedup key makes a retry a no-op."""
    still = unanswered_since(AdmissionRequest.objects.filter(pk__in=request_ids), timezone.now())
    for request in still.select_related("person", "site__legal_entity", "site__organisation").order_by("pk"):
        since = timezone.localdate(request.last_change)
        notify_reminder(request, since=since, day=date.fromisoformat(day), days=days)
