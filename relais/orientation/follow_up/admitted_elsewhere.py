"""Admitted elsewhere: a person's other open requests close (46 "admission impossible entérinée" + 119 "admis·e
dans un autre ESMS"), in the same transaction as the admission, unless kept on the list (decision 0033).

``other_requests_close`` runs inside ``admission.admit.admission_admit``'s transaction: if the admission fails,
nothing is closed. The ESMS concerned (and the senders) are notified after the commit by a queued task
(``follow_up/tasks.admitted_elsewhere_notify``, which calls ``notify_closed``). The daily ``orientation_tick`` keeps
the same closing as a safety net for admissions recorded by other paths (FHIR Task in, plain status changes to
71/43/47 without ``admission_admit``).
"""

from __future__ import annotations

from relais.audit.services import access_log_record
from relais.jobs.services import after_commit
from relais.orientation.decisions.services import unit_pairs_remove
from relais.orientation.follow_up.tasks import admitted_elsewhere_notify
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import AdmissionRequest, Source
from relais.orientation.requests.services import GROUND, admission_request_transition

ADMITTED_ELSEWHERE_STATUS, ADMITTED_ELSEWHERE_REASON = st.ADMISSION_IMPOSSIBLE_CONFIRMED, st.REASON_ADMITTED_ELSEWHERE
# The statuses the system may close with 46: the pending ones (and 45, an impossibility not yet confirmed).
CLOSABLE_BY_SYSTEM = tuple(
    sorted(s for (s, t), who in wf.ESMS_TRANSITIONS.items() if t == ADMITTED_ELSEWHERE_STATUS and wf.SYSTEM in who)
)


def other_requests_closable(request: AdmissionRequest) -> list[AdmissionRequest]:
    """The person's other requests an admission through ``request`` would close (unless kept), by wish rank."""
    return list(
        AdmissionRequest.objects.filter(person_id=request.person_id, status__in=CLOSABLE_BY_SYSTEM)
        .exclude(pk=request.pk)
        .select_related("site")
        .order_by("wish_rank", "pk")
    )


def request_close_admitted_elsewhere(*, request: AdmissionRequest, comment: str) -> int:
    """46 + 119 for the ESMS pair, 180 + 95 for its pending unit pairs (119 is not allowed on 180); a system act.
    Runs in the caller's transaction. Returns the number of unit pairs removed."""
    removed = unit_pairs_remove(actor=None, request=request, reason=st.REASON_AUTOMATIC_CANCELLATION)
    admission_request_transition(
        actor=None,
        request=request,
        target=ADMITTED_ELSEWHERE_STATUS,
        reason=ADMITTED_ELSEWHERE_REASON,
        system=True,
        source=Source.SYSTEM,
        comment=comment,
    )
    return removed


def other_requests_close(*, actor, admitted: AdmissionRequest, keep_ids=None) -> list[AdmissionRequest]:
    """Close the other open requests of the person just admitted through ``admitted``, except those whose id is in
    ``keep_ids`` (default: those the person asked to keep, ``stay_on_list``). A kept request is marked
    ``stay_on_list`` so the daily follow-up leaves it too. Notifications leave after the commit. Returns the closed."""
    candidates = other_requests_closable(admitted)
    keep = {r.pk for r in candidates if r.stay_on_list} if keep_ids is None else {int(i) for i in keep_ids}
    closed = []
    for request in candidates:
        if request.pk in keep:
            if not request.stay_on_list:
                AdmissionRequest.objects.filter(pk=request.pk).update(stay_on_list=True)
                access_log_record(
                    actor=actor,
                    action="update",
                    obj=request,
                    subject=f"persons.person:{request.person_id}",
                    ground=GROUND,
                    detail=f"gardée sur la liste à l'admission dans « {admitted.site.name} »",
                )
            continue
        request_close_admitted_elsewhere(
            request=request,
            comment=f"Admission dans un autre ESMS, prononcée par {actor.label if actor else 'le système'}",
        )
        closed.append(request)
    if closed:
        after_commit(admitted_elsewhere_notify, [r.pk for r in closed])
    return closed
