"""Every write to a person's record goes through these two: the policy's decision or a refusal (``allow``), and
the access-log entry grounded on the rule that allowed it (``trace``).

Below the services, the subscriptions and the tools around the circle, so that each may use them without importing
the others.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from relais.audit.services import access_log_list_record, access_log_record

from . import matrix as m
from .policy import Decision, decide


def subject_of(person) -> str:
    return f"persons.person:{person.pk}"


def trace(*, actor, action: str, obj, person, decision: Decision, detail: str = "") -> None:
    """One access-log entry on the person, grounded on the rule that allowed the access."""
    access_log_record(
        actor=actor, action=action, obj=obj, subject=subject_of(person), ground=decision.rule, detail=detail
    )


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
