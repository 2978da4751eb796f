"""Reads of concertation meetings, scoped to the actor (decision 0046).

A meeting belongs to the person's plan: whoever may read the person's PLAN sees it (the invitees, and the other
members of the circle), anyone else gets a 404 exactly like a missing id. Inside, each part is judged by the sharing
matrix: the medical conclusions only for whoever may read MEDICAL. The caller traces the reads it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from relais.pathway.access import (
    CoordinationRecord,
    Decision,
    MemberKind,
    active_memberships,
    decide,
    may_manage_circle,
)
from relais.pathway.access import matrix as m

from .models import Invitation, Meeting, MeetingStatus


@dataclass
class MeetingView:
    """A meeting as one actor may see it."""

    meeting: Meeting
    decision: Decision  # PLAN read: the ground of the read, for the access log
    medical: Decision  # MEDICAL read: the medical conclusions, or the policy's sentence
    mine: Invitation | None  # the actor's own invitation
    may_manage: bool  # a circle manager: concludes

    @property
    def may_answer(self) -> bool:
        return (
            self.mine is not None
            and self.meeting.status == MeetingStatus.PLANNED
            and self.meeting.starts_at > timezone.now()
        )

    @property
    def may_conclude(self) -> bool:
        return (
            self.may_manage
            and self.meeting.status == MeetingStatus.PLANNED
            and self.meeting.starts_at <= timezone.now()
        )


def _who(actor) -> dict:
    return {"user": getattr(actor, "user", None), "organisation": getattr(actor, "organisation", None)}


def plan_reader(actor, person) -> Decision:
    """The PLAN read decision on ``person``; a 404 when refused (non-members, objections…)."""
    decision = decide(**_who(actor), person=person, category=m.PLAN)
    if not decision.allowed:
        raise Http404("Personne introuvable.")
    return decision


def may_convene(actor, person) -> Decision:
    return may_manage_circle(**_who(actor), person=person)


def meeting_get(actor, pk: int) -> MeetingView:
    meeting = Meeting.objects.select_related("person", "organisation").filter(pk=pk).first()
    if meeting is None:
        raise Http404("Réunion introuvable.")
    decision = decide(**_who(actor), person=meeting.person, category=m.PLAN)
    if not decision.allowed:
        raise Http404("Réunion introuvable.")
    record = CoordinationRecord.objects.get(person=meeting.person)
    mine_ids = active_memberships(**_who(actor), record=record).values("pk")
    return MeetingView(
        meeting=meeting,
        decision=decision,
        medical=decide(**_who(actor), person=meeting.person, category=m.MEDICAL),
        mine=meeting.invitations.filter(member_id__in=mine_ids).first(),
        may_manage=may_convene(actor, meeting.person).allowed,
    )


def invitations_of(meeting: Meeting) -> list[Invitation]:
    return list(meeting.invitations.select_related("member__user", "member__organisation").order_by("pk"))


def meetings_of(person) -> list[Meeting]:
    """The person's meetings, next first then the past ones (call after ``plan_reader``)."""
    rows = list(Meeting.objects.filter(person=person).select_related("organisation").order_by("-starts_at", "-pk"))
    now = timezone.now()
    return sorted((m for m in rows if m.starts_at >= now), key=lambda m: m.starts_at) + [
        m for m in rows if m.starts_at < now
    ]


def invitable_members(person) -> list:
    """Active members of the person's circle with a Relais account, who may read the plan today."""
    record = CoordinationRecord.objects.filter(person=person).first()
    if record is None:
        return []
    today = timezone.localdate()
    members = (
        record.members.filter(user__isnull=False, start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return [
        member
        for member in members
        if decide(user=member.user, organisation=member.organisation, person=person, category=m.PLAN).allowed
    ]


def my_meetings(actor, *, since=None) -> list[tuple[Invitation, Decision]]:
    """The actor's invitations to meetings ending after ``since`` (default: now), on persons whose plan the actor may
    still read, soonest first: what "Mon agenda" lists."""
    user = getattr(actor, "user", None)
    if user is None:
        return []
    since = since or timezone.now()
    mine = Q(member__organisation=actor.organisation) if actor.organisation else Q(member__organisation__isnull=True)
    rows = (
        Invitation.objects.filter(user=user)
        .filter(mine | Q(member__kind=MemberKind.PROXY))
        .filter(meeting__starts_at__gte=since - timedelta(hours=8))
        .select_related("meeting__person", "meeting__organisation")
        .order_by("meeting__starts_at", "pk")
    )
    result, decisions = [], {}
    for invitation in rows:
        meeting = invitation.meeting
        if meeting.starts_at + timedelta(minutes=meeting.duration_minutes) < since:
            continue
        if meeting.person_id not in decisions:
            decisions[meeting.person_id] = decide(**_who(actor), person=meeting.person, category=m.PLAN)
        if decisions[meeting.person_id].allowed:
            result.append((invitation, decisions[meeting.person_id]))
    return result
