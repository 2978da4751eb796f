"""Every write to a person's record goes through these two: the policy's decision or a refusal (``allow``), and
the access-log entry grounded on the rule that allowed it (``trace``).

Below the services, the subscriptions and the tools around the circle, so that each may use them without importing
the others.
"""

from __future__ import annotations

from datetime import datetime, time

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from relais.audit.models import AccessLogEntry
from relais.audit.services import access_log_list_record, access_log_record, access_log_record_many

from . import matrix as m
from .policy import Decision, decide


def subject_of(person) -> str:
    return f"persons.person:{person.pk}"


def trace(*, actor, action: str, obj, person, decision: Decision, detail: str = "") -> None:
    """One access-log entry on the person, grounded on the rule that allowed the access."""
    access_log_record(
        actor=actor, action=action, obj=obj, subject=subject_of(person), ground=decision.rule, detail=detail
    )


def trace_listed(*, actor, rows, detail: str) -> int:
    """The persons a list shows (``rows``: ``(record, person, decision)``), one access-log entry each, at most once a
    day per user, organisation, list and person: opening the list again the same day adds nothing (decision 0044).
    Two queries whatever the number of rows. Returns the number of entries written."""
    rows = list(rows)
    user, organisation = getattr(actor, "user", None), getattr(actor, "organisation", None)
    if not rows:
        return 0
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    already = set(
        AccessLogEntry.objects.filter(
            user_id=getattr(user, "pk", None),
            organisation_id=getattr(organisation, "pk", None),
            detail=detail,
            at__gte=midnight,
            subject__in=[subject_of(person) for _record, person, _decision in rows],
        ).values_list("subject", flat=True)
    )
    fresh = [
        {"obj": record, "subject": subject_of(person), "ground": decision.rule, "detail": detail}
        for record, person, decision in rows
        if subject_of(person) not in already
    ]
    return len(access_log_record_many(actor=actor, action="read", rows=fresh))


def trace_list(*, actor, object_type: str, rows, detail: str) -> None:
    """A list shown: ONE access-log entry for the list (decision 0047), each row (obj, person id, decision) kept
    with its own ground and readable from the person's history."""
    access_log_list_record(
        actor=actor,
        object_type=object_type,
        rows=[(f"persons.person:{person_id}", obj.pk, decision.rule) for obj, person_id, decision in rows],
        detail=detail,
    )


def allow(*, actor, person, category: str, action: str = m.WRITE) -> Decision:
    """The policy's decision for the actor on ``category`` of the person's record; PermissionDenied with its
    sentence when refused."""
    decision = decide(
        user=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        person=person,
        category=category,
        action=action,
    )
    if not decision.allowed:
        raise PermissionDenied(decision.message)
    return decision
