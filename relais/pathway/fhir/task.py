"""Task for the actions of the shared plan (PPCS), category "plan": one part of the FHIR type Task.

The SI-SDO status changes of admission requests are the other part; ``relais.fhir.shared`` serves both as one type:
ids ``plan-<n>`` are plan actions (``PLAN_TASK_PART``), plain numbers SI-SDO status changes. ``read`` returns None for
any other id, ``search`` the plan tasks the actor may see.

Mapping: title → description, detail → note, status (todo→requested, in_progress→in-progress, done→completed,
cancelled→cancelled), assignee → owner (a member, or the organisation), due date → restriction.period.end,
plan → basedOn CarePlan, goal → focus Goal, comments → note.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.fhir.shared import TypePart
from relais.pathway.circle.models import CircleMember
from relais.pathway.record.models import CarePlan, PlanGoal, PlanTask, TaskComment, TaskStatus

from .. import matrix as m
from . import common as c

PLAN_TASK_ID = re.compile(r"^plan-([0-9]{1,12})$")
SEARCH_PARAMS = [
    SearchParam("patient", "reference", "Patient/<id> : les actions du plan de cette personne."),
    SearchParam("status", "token", "requested, in-progress, completed, cancelled."),
]
_STATUS = {
    TaskStatus.TODO: "requested",
    TaskStatus.IN_PROGRESS: "in-progress",
    TaskStatus.DONE: "completed",
    TaskStatus.CANCELLED: "cancelled",
}
_FROM_STATUS = {fhir: status for status, fhir in _STATUS.items()}


def is_plan_task_id(resource_id: str) -> bool:
    return bool(PLAN_TASK_ID.match(resource_id or ""))


def to_fhir(task: PlanTask) -> dict[str, Any]:
    plan = task.plan
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": f"plan-{task.pk}",
        "meta": c.profiled(c.TASK_PROFILE),
        "basedOn": [{"reference": f"CarePlan/{plan.pk}"}],
        "status": _STATUS.get(task.status, "requested"),
        "intent": "plan",
        "description": task.title,
        "for": {"reference": f"Patient/{plan.record.person_id}"},
        "authoredOn": c.instant(task.created_at),
        "lastModified": c.instant(task.updated_at),
    }
    if task.goal_id:
        resource["focus"] = {"reference": f"Goal/{task.goal_id}"}
    if task.assignee_member_id:
        resource["owner"] = c.member_reference(task.assignee_member)
    else:
        resource["owner"] = c.organisation_reference(task.assignee_organisation)
    if task.completed_at:
        resource["executionPeriod"] = {"end": c.instant(task.completed_at)}
    if task.due_date:
        resource["restriction"] = {"period": {"end": task.due_date.isoformat()}}
    notes = ([{"text": task.description}] if task.description else []) + [
        {"authorString": comment.author, "time": c.instant(comment.at), "text": comment.body}
        for comment in task.comments.all()
    ]
    if notes:
        resource["note"] = notes
    return resource


def _queryset():
    return PlanTask.objects.select_related(
        "plan__record__person", "assignee_member__user", "assignee_organisation"
    ).prefetch_related("comments")


def read(actor, resource_id: str) -> dict[str, Any] | None:
    match = PLAN_TASK_ID.match(resource_id or "")
    task = _queryset().filter(pk=int(match.group(1))).first() if match else None
    if task is None or not c.allowed_read(actor, task.plan.record.person, m.PLAN, task, "FHIR Task read"):
        return None
    return to_fhir(task)


def search(actor, params, offset: int, count: int):
    persons = c.visible_persons(actor, m.PLAN, c.patient_ids(params))
    tasks = list(_queryset().filter(plan__record__person__in=persons).order_by("pk"))
    for value in params.get("status", []):
        wanted = {_FROM_STATUS.get(v.strip()) for v in value.split(",")}
        tasks = [t for t in tasks if t.status in wanted]
    shown = c.page(tasks, offset, count)
    for task in shown:
        person = task.plan.record.person
        c.trace(actor, c.ask(actor, person, m.PLAN), task, person.pk, "FHIR Task search")
    return [to_fhir(t) for t in shown], len(tasks)


def _owner_member(person, owner: dict[str, Any]) -> CircleMember | None:
    """The member an ``owner`` names: its member identifier, its RelatedPerson, or (as Relais sends them) a
    professional's PractitionerRole by RPPS or Relais user id, among the person's current members."""
    identifier = owner.get("identifier") or {}
    members = CircleMember.objects.filter(record__person=person)
    system, value = identifier.get("system"), identifier.get("value") or ""
    if system == c.MEMBER_SYSTEM:
        return members.filter(pk=c.number(value) or 0).first()
    if owner.get("reference", "").startswith("RelatedPerson/"):
        return members.filter(pk=c.number(owner["reference"].partition("/")[2]) or 0, kind="proxy").first()
    current = members.filter(end__isnull=True, kind="professional")
    if system == c.USER_SYSTEM and c.number(value):
        return current.filter(user_id=int(value)).first()
    if system == c.RPPS_SYSTEM and value:
        return current.filter(user__rpps=value.removeprefix("8")).first()
    return None


def _notes(resource: dict[str, Any]) -> tuple[str, list[tuple[str, str, Any]]]:
    """The detail (a note without author) and the comments (author, text, time) of a received Task."""
    detail, comments = "", []
    for note in resource.get("note") or []:
        text = (note.get("text") or "").strip()
        if note.get("authorString") and text:
            comments.append((note["authorString"][:300], text, parse_datetime(note.get("time") or "")))
        elif text and not detail:
            detail = text
    return detail, comments


@transaction.atomic
def create(actor, resource: dict[str, Any]) -> dict[str, Any]:
    """A new action of the plan: ``for`` the person, ``owner`` a member (identifier urn:relais:care-circle-member,
    a RelatedPerson, a professional's PractitionerRole) or an organisation of the circle (Organization/<id> as
    /fhir/Organization serves it, or its FINESS identifier); its status, detail and comments (``note``) when given,
    so that a Task Relais sent comes back the same."""
    person, decision = c.person_for_write(actor, resource.get("for"), "Task.for", m.PLAN)
    plan, _created = CarePlan.objects.get_or_create(record=person.coordination_record)
    title = (resource.get("description") or "").strip()
    if not title:
        raise FhirError(422, "required", "Task.description : l'action est requise.", expression="Task.description")
    owner = resource.get("owner") or {}
    member = _owner_member(person, owner)
    organisation = None
    named = c.organisation_from_reference(owner) if member is None else None
    if named is not None and CircleMember.objects.filter(record__person=person, organisation=named).exists():
        organisation = named
    if member is None and organisation is None:
        raise FhirError(
            422, "invalid", "Task.owner : un membre ou une organisation du cercle de soins.", expression="Task.owner"
        )
    goal = None
    if (resource.get("focus") or {}).get("reference", "").startswith("Goal/"):
        goal = PlanGoal.objects.filter(pk=c.reference_id(resource["focus"], "Goal", "Task.focus"), plan=plan).first()
    due = ((resource.get("restriction") or {}).get("period") or {}).get("end")
    status = _FROM_STATUS.get(resource.get("status"), TaskStatus.TODO)
    completed = parse_datetime(((resource.get("executionPeriod") or {}).get("end")) or "")
    detail, comments = _notes(resource)
    task = PlanTask.objects.create(
        plan=plan,
        goal=goal,
        title=title[:200],
        description=detail,
        assignee_member=member,
        assignee_organisation=organisation,
        due_date=parse_date(due[:10]) if due else None,
        status=status,
        completed_at=(completed or timezone.now()) if status == TaskStatus.DONE else completed,
        created_by=actor.public_label,
    )
    for author, body, at in comments:
        comment = TaskComment.objects.create(task=task, author=author, body=body)
        if at is not None:  # ``at`` is set on creation: keep the time the comment was written
            TaskComment.objects.filter(pk=comment.pk).update(at=at)
    c.trace(actor, decision, task, person.pk, "FHIR Task create", action="create")
    return to_fhir(task)


PLAN_TASK_PART = TypePart(
    name="plan",
    owns_id=is_plan_task_id,
    read=read,
    search=search,
    search_params=tuple(SEARCH_PARAMS),
    create=create,  # every posted Task the SI-SDO part does not claim
    profile=c.TASK_PROFILE,
    documentation="et les actions du plan personnalisé de coordination (id plan-<n>).",
)
