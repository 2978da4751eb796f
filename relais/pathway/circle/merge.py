"""Persons merge hook: the duplicate's coordination record and care circle follow the kept person.

One record per person. When only the duplicate has one, it moves. When both have one, the duplicate's record is
emptied into the kept one and closed (it stays, empty, with the merged record, as history):

- its members move, except those already active in the kept circle (same user for the same organisation, or the
  same proxy): then their consents, objections, plan tasks and message participations go to that existing member,
  and the now idle membership stays in the closed record;
- its objections, timeline events, documents, hospital stays (``movements_merge``) and message threads move;
- its shared plan moves when the kept record has none, otherwise its needs, goals and tasks join the kept plan.
"""

from django.apps import apps
from django.utils import timezone

from relais.pathway.circle.models import CircleMember, Consent, CoordinationRecord, MemberKind, Objection
from relais.pathway.record.models import CarePlan, Document, PlanGoal, PlanNeed, PlanTask, TimelineEvent
from relais.pathway.record.movements import movements_merge


def _key(member: CircleMember) -> tuple:
    if member.kind == MemberKind.PROFESSIONAL:
        return (member.kind, member.user_id, member.organisation_id)
    return (member.kind, member.user_id, member.display_name.casefold(), member.proxy_role)


def _active(members, today):
    return [m for m in members if m.start <= today and (m.end is None or m.end >= today)]


def circle_merge_hook(*, actor, keep, duplicate) -> None:
    theirs = CoordinationRecord.objects.select_for_update().filter(person=duplicate).first()
    if theirs is None:
        return
    mine = CoordinationRecord.objects.select_for_update().filter(person=keep).first()
    if mine is None:
        CoordinationRecord.objects.filter(pk=theirs.pk).update(person=keep)
        return
    Participant = apps.get_model("messaging", "Participant")
    today = timezone.localdate()
    existing = {_key(m): m for m in _active(mine.members.all(), today)}
    for member in theirs.members.all():
        same = existing.get(_key(member)) if member in _active([member], today) else None
        if same is None:
            CircleMember.objects.filter(pk=member.pk).update(record=mine)
            continue
        Consent.objects.filter(member=member).update(member=same)
        Objection.objects.filter(member=member).update(member=same)
        PlanTask.objects.filter(assignee_member=member).update(assignee_member=same)
        Participant.objects.filter(member=member).update(member=same)
    Objection.objects.filter(record=theirs).update(record=mine)
    for model in (TimelineEvent, Document, apps.get_model("messaging", "Thread")):
        model.objects.filter(record=theirs).update(record=mine)
    movements_merge(theirs=theirs, mine=mine)
    their_plan = CarePlan.objects.filter(record=theirs).first()
    if their_plan is not None:
        my_plan = CarePlan.objects.filter(record=mine).first()
        if my_plan is None:
            CarePlan.objects.filter(pk=their_plan.pk).update(record=mine)
        else:
            for model in (PlanNeed, PlanGoal, PlanTask):
                model.objects.filter(plan=their_plan).update(plan=my_plan)
    if theirs.closed_at is None:
        CoordinationRecord.objects.filter(pk=theirs.pk).update(closed_at=timezone.now())
