"""The team inbox of a coordination service (decision 0044): what arrives for the service as a whole, that any member of
the team may take (« Je prends »), with counts:

- records the service holds (its latest referent was of the service) without an active referent now (the referent
  left the circle or the service);
- plan actions entrusted to the service itself (``PlanTask.assignee_organisation``), not yet to one of its members;
- messages posted to a record (« partage au dossier »), addressed to nobody in particular, not yet read.

Only in the records where the user is an active member of the circle for the service, and only what the care-circle
policy lets the user read there (``decide_many``): a team member outside a circle sees nothing of that person.
A fixed number of queries, whatever the number of records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from relais.accounts.models import Membership
from relais.messaging.selectors import unread_by_record
from relais.pathway import matrix as m
from relais.pathway.circle.eligibility import professional_eligibility
from relais.pathway.circle.models import CircleMember, CircleRole, CoordinationRecord
from relais.pathway.policy import active_memberships_in, decide_many
from relais.pathway.record.models import PlanTask
from relais.pathway.record.selectors import OPEN_TASK_STATUSES


@dataclass
class TeamInbox:
    records_to_take: list = field(default_factory=list)  # CoordinationRecord, with .decision
    tasks: list = field(default_factory=list)  # PlanTask, with .is_overdue and .decision
    shared: list = field(default_factory=list)  # (CoordinationRecord, unread count)

    @property
    def count(self) -> int:
        return len(self.records_to_take) + len(self.tasks) + len(self.shared)

    def shown(self):
        """(record, person, decision) of every person the inbox names, for the access log."""
        seen = {}
        for record in self.records_to_take + [task.plan.record for task in self.tasks] + [r for r, _n in self.shared]:
            seen.setdefault(record.pk, (record, record.person, record.decision))
        return list(seen.values())


def _referents(record_ids) -> tuple[set[int], dict[int, int]]:
    """Among ``record_ids``: those with an active referent still eligible (an active membership of their service in a
    role and profession the care-team rule accepts, decision 0031), and the organisation of each record's latest
    referent (the service that holds it, ``handover.holding_service``)."""
    today = timezone.localdate()
    role = Membership.objects.filter(
        user=OuterRef("user"), organisation=OuterRef("organisation"), is_active=True, user__is_active=True
    ).values("role")[:1]
    referents = (
        CircleMember.objects.filter(record_id__in=record_ids, circle_role=CircleRole.REFERENT)
        .annotate(membership_role=Subquery(role))
        .select_related("user", "organisation")
        .order_by("start", "pk")
    )
    active, holders = set(), {}
    for member in referents:
        holders[member.record_id] = member.organisation_id
        if member.start > today or (member.end is not None and member.end < today) or member.membership_role is None:
            continue
        if professional_eligibility(
            ground=member.ground,
            kind=member.organisation.kind,
            role=member.membership_role,
            category=member.user.professional_category,
        ):
            active.add(member.record_id)
    return active, holders


def team_inbox(*, user, organisation) -> TeamInbox:
    inbox = TeamInbox()
    if user is None or organisation is None:
        return inbox
    mine = active_memberships_in(user=user, organisation=organisation, records=None).values("record_id")
    records = CoordinationRecord.objects.filter(pk__in=mine, closed_at__isnull=True)
    decisions = decide_many(user=user, organisation=organisation, records=records)
    allowed = [pk for pk, d in decisions.items() if d[m.IDENTITY].allowed]
    if not allowed:
        return inbox
    with_referent, holders = _referents(allowed)
    unread = unread_by_record(
        user=user, organisation=organisation, decisions={pk: decisions[pk] for pk in allowed}, sharing_only=True
    )
    named = {pk for pk in allowed if pk not in with_referent} | set(unread)
    shown = {r.pk: r for r in CoordinationRecord.objects.filter(pk__in=named).select_related("person")}
    for record in shown.values():
        record.decision = decisions[record.pk][m.IDENTITY]
    by_name = sorted(shown.values(), key=lambda r: (r.person.search_key, r.pk))
    inbox.records_to_take = [
        r
        for r in by_name
        if r.pk not in with_referent and holders.get(r.pk, r.opened_by_organisation_id) == organisation.pk
    ]
    inbox.shared = [(r, unread[r.pk]) for r in by_name if r.pk in unread]
    plan_readable = [pk for pk in allowed if decisions[pk][m.PLAN].allowed]
    tasks = (
        PlanTask.objects.filter(
            assignee_organisation=organisation, status__in=OPEN_TASK_STATUSES, plan__record_id__in=plan_readable
        )
        .select_related("plan__record__person")
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )
    today = timezone.localdate()
    for task in tasks:
        task.is_overdue = task.due_date is not None and task.due_date < today
        task.plan.record.decision = decisions[task.plan.record_id][m.IDENTITY]
        inbox.tasks.append(task)
    return inbox
