"""The public face of the coordination record for the tools around the care circle (agenda, messaging, evaluations).

They import from ``relais.pathway`` through this module only (tests/architecture checks it), so the record's
internals (how the policy reads the circle, how events find their followers, how services are split) may change
without touching them. What they get:

- the vocabulary of the sharing matrix: ``matrix`` (data categories, READ/WRITE);
- the policy: ``decide`` and its ``Decision``, ``allow`` (decide or refuse), ``active_memberships``; for many
  records at once ``decide_many`` and ``active_memberships_in``;
- the record and the circle: ``CoordinationRecord``, ``CircleMember``, ``MemberKind``, ``record_get``,
  ``records_for``;
- tracing an access on the person: ``trace``; a list of persons shown: ``trace_list`` (one entry);
- writing to the timeline: ``event_post`` with ``EventKind``;
- the circle's managers and the shared plan's actions (concertation meetings): ``may_manage_circle``,
  ``plan_task_add``;
- person events: ``PersonEventKind``, ``person_event_kind_register``, ``person_event_emit``, ``initials``;
- attachments: ``uploads`` (size, type sniffing, safe names);
- the web plumbing of the record's pages: ``acting``, ``who``, ``run_service``, ``form_errors``;
- FHIR: ``fhir_common`` (policy check, read tracing, references and paging of the record's resources).
"""

from relais.pathway import matrix
from relais.pathway.circle.models import CircleMember, CoordinationRecord, MemberKind
from relais.pathway.circle.selectors import record_get, records_for
from relais.pathway.events.kinds import PersonEventKind, person_event_kind_register
from relais.pathway.events.services import initials, person_event_emit
from relais.pathway.fhir import common as fhir_common
from relais.pathway.guard import allow, trace, trace_list
from relais.pathway.policy import (
    Decision,
    active_memberships,
    active_memberships_in,
    decide,
    decide_many,
    may_manage_circle,
)
from relais.pathway.record import uploads
from relais.pathway.record.models import EventKind
from relais.pathway.record.services import event_post, plan_task_add
from relais.pathway.screens.views_common import acting, form_errors, run_service, who

__all__ = [
    "CircleMember",
    "CoordinationRecord",
    "Decision",
    "EventKind",
    "MemberKind",
    "PersonEventKind",
    "acting",
    "active_memberships",
    "active_memberships_in",
    "allow",
    "decide",
    "decide_many",
    "event_post",
    "fhir_common",
    "form_errors",
    "initials",
    "matrix",
    "may_manage_circle",
    "person_event_emit",
    "person_event_kind_register",
    "plan_task_add",
    "record_get",
    "records_for",
    "run_service",
    "trace",
    "trace_list",
    "uploads",
    "who",
]
