"""Admitted elsewhere: a person's other open requests close (46 "admission impossible entérinée" + 119 "admis·e
dans un autre ESMS"), in the same transaction as the admission, unless kept on the list (decision 0033).

Every path that moves a request's ESMS-level status calls ``admission_request_transition_closing_others`` (the
admission screen through ``admission.admit.admission_admit``, the other status buttons, the orientation side's
changes, the FHIR Task in): when the request makes the person settled (``statuses.ESMS_SETTLED``: admitted 71, trial
43, entered 47) from a status where they were not placed, ``other_requests_close`` runs in the same transaction: if
anything fails, nothing is closed. Intermediate statuses (42, 72…) close nothing. The ESMS concerned (and the
senders) are notified after the commit by a queued task (``follow_up/tasks.admitted_elsewhere_notify``, which calls
``notify_closed``). The daily ``orientation_tick`` keeps the same closing as a safety net (rows written by imports).
"""

from __future__ import annotations

from django.db import transaction

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


def other_requests_close(*, actor, admitted: AdmissionRequest, keep_ids=None, shown_ids=None) -> list[AdmissionRequest]:
    """Close the other open requests of the person just admitted through ``admitted``, except those whose id is in
    ``keep_ids`` (default: those the person asked to keep, ``stay_on_list``). ``shown_ids``: the requests the user
    saw when choosing what to keep (the admission screen); any other one (sent after the page was displayed) is kept,
    never closed unseen. A kept request is marked ``stay_on_list`` so the daily follow-up leaves it too.
    Notifications leave after the commit. Returns the closed."""
    candidates = other_requests_closable(admitted)
    keep = {r.pk for r in candidates if r.stay_on_list} if keep_ids is None else {int(i) for i in keep_ids}
    if shown_ids is not None:
        shown = {int(i) for i in shown_ids}
        keep |= {r.pk for r in candidates if r.pk not in shown}
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
            comment=f"Admission dans un autre ESMS, prononcée par {actor.public_label if actor else 'le système'}",
        )
        closed.append(request)
    if closed:
        after_commit(admitted_elsewhere_notify, [r.pk for r in closed])
    return closed


def settles(source: str | None, target: str) -> bool:
    """Does a change from ``source`` to ``target`` make the person settled (admitted, in trial or entered) when they
    held no place (a change inside the placed statuses, 71 → 43 → 47, or back from 51, settles nobody anew)?"""
    return target in st.ESMS_SETTLED and source not in st.ESMS_PLACED


@transaction.atomic
def admission_request_transition_closing_others(
    *, actor, request: AdmissionRequest, target: str, keep_ids=None, shown_ids=None, **kwargs
) -> AdmissionRequest:
    """``requests.services.admission_request_transition`` (same arguments), then, when the change settles the person
    (``settles``), the person's other open requests closed (46 + 119) in the same transaction except ``keep_ids``
    (default: those marked ``stay_on_list``) and any not in ``shown_ids`` when given; their ESMS notified after the
    commit. The one entry point for ESMS-level status changes: ``tests/orientation/test_orientation_rules_hold.py``
    holds every caller to it."""
    source = AdmissionRequest.objects.select_for_update().filter(pk=request.pk).values_list("status", flat=True)[0]
    request = admission_request_transition(actor=actor, request=request, target=target, **kwargs)
    if settles(source, request.status):
        other_requests_close(actor=actor, admitted=request, keep_ids=keep_ids, shown_ids=shown_ids)
    return request
