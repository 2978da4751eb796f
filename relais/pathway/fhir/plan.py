"""CarePlan and Goal: the shared plan (PPCS), category "plan".

CarePlan (id = plan id): the needs as ``note`` ("domaine : besoin"; FHIR's ``addresses`` wants Condition resources,
which the PPCS needs are not), the goals as ``goal`` references, the actions as ``activity.reference`` to
``Task/plan-<id>`` (see task.py), the circle as ``careTeam``. Goal (id = goal id): description, target date, status.
Create: a CarePlan (with its needs from ``note``) or a Goal, by a member allowed to write the plan.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_date

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.pathway.record.models import CarePlan, GoalStatus, PlanGoal, PlanNeed

from .. import matrix as m
from . import common as c

SEARCH_PARAMS = [SearchParam("patient", "reference", "Patient/<id> : le plan de cette personne.")]
GOAL_SEARCH_PARAMS = [SearchParam("patient", "reference", "Patient/<id> : les objectifs de cette personne.")]
_LIFECYCLE = {
    GoalStatus.PROPOSED: "proposed",
    GoalStatus.ACTIVE: "active",
    GoalStatus.ACHIEVED: "completed",
    GoalStatus.CANCELLED: "cancelled",
}
_FROM_LIFECYCLE = {"proposed": GoalStatus.PROPOSED, "completed": GoalStatus.ACHIEVED, "cancelled": GoalStatus.CANCELLED}
TITLE = "Plan personnalisé de coordination en santé (PPCS)"
NEED_PREFIX = "Besoin : "


def care_plan_resource(plan: CarePlan) -> dict[str, Any]:
    person_id = plan.record.person_id
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "meta": c.profiled(c.CARE_PLAN_PROFILE),
        "status": "active",
        "intent": "plan",
        "title": TITLE,
        "subject": {"reference": f"Patient/{person_id}"},
        "period": {"start": c.instant(plan.record.opened_at)},
        "careTeam": [{"reference": f"CareTeam/{plan.record_id}"}],
    }
    needs = [f"{need.domain} : {need.description}" for need in plan.needs.all()]
    if needs:
        resource["note"] = [{"text": text} for text in needs]
    goals = [{"reference": f"Goal/{goal.pk}"} for goal in plan.goals.all()]
    if goals:
        resource["goal"] = goals
    tasks = [{"reference": {"reference": f"Task/plan-{task.pk}", "display": task.title}} for task in plan.tasks.all()]
    if tasks:
        resource["activity"] = tasks
    return resource


def goal_resource(goal: PlanGoal) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": str(goal.pk),
        "meta": c.profiled(c.GOAL_PROFILE),
        "lifecycleStatus": _LIFECYCLE.get(goal.status, "active"),
        "description": {"text": goal.description},
        "subject": {"reference": f"Patient/{goal.plan.record.person_id}"},
    }
    if goal.status == GoalStatus.ACHIEVED:
        resource["achievementStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/goal-achievement", "code": "achieved"}]
        }
    if goal.target_date:
        resource["target"] = [{"dueDate": goal.target_date.isoformat()}]
    if goal.need_id:
        resource["note"] = [{"text": f"{NEED_PREFIX}{goal.need.domain} : {goal.need.description}"}]
    return resource


def read_care_plan(actor, resource_id: str) -> dict[str, Any] | None:
    plan = CarePlan.objects.filter(pk=c.number(resource_id) or 0).select_related("record__person").first()
    if plan is None or not c.allowed_read(actor, plan.record.person, m.PLAN, plan, "FHIR CarePlan read"):
        return None
    return care_plan_resource(plan)


def search_care_plans(actor, params, offset: int, count: int):
    persons = c.visible_persons(actor, m.PLAN, c.patient_ids(params))
    plans = list(CarePlan.objects.filter(record__person__in=persons).select_related("record__person").order_by("pk"))
    shown = c.page(plans, offset, count)
    for plan in shown:
        person = plan.record.person
        c.trace(actor, c.ask(actor, person, m.PLAN), plan, person.pk, "FHIR CarePlan search")
    return [care_plan_resource(p) for p in shown], len(plans)


def read_goal(actor, resource_id: str) -> dict[str, Any] | None:
    goal = PlanGoal.objects.filter(pk=c.number(resource_id) or 0).select_related("plan__record__person").first()
    if goal is None or not c.allowed_read(actor, goal.plan.record.person, m.PLAN, goal, "FHIR Goal read"):
        return None
    return goal_resource(goal)


def search_goals(actor, params, offset: int, count: int):
    persons = c.visible_persons(actor, m.PLAN, c.patient_ids(params))
    goals = list(PlanGoal.objects.filter(plan__record__person__in=persons).select_related("plan__record__person"))
    shown = c.page(goals, offset, count)
    for goal in shown:
        person = goal.plan.record.person
        c.trace(actor, c.ask(actor, person, m.PLAN), goal, person.pk, "FHIR Goal search")
    return [goal_resource(g) for g in shown], len(goals)


@transaction.atomic
def create_care_plan(actor, resource: dict[str, Any]) -> dict[str, Any]:
    person, decision = c.person_for_write(actor, resource.get("subject"), "CarePlan.subject", m.PLAN)
    record = person.coordination_record
    if CarePlan.objects.filter(record=record).exists():
        raise FhirError(
            422, "duplicate", "CarePlan.subject : cette personne a déjà un PPCS ; ajoutez-y des objectifs (Goal)."
        )
    plan = CarePlan.objects.create(record=record)
    for index, note in enumerate(resource.get("note") or []):
        domain, sep, description = (note.get("text") or "").partition(" : ")
        if not sep or not domain.strip() or not description.strip():
            path = f"CarePlan.note[{index}].text"
            raise FhirError(422, "invalid", f"{path} : « domaine : besoin » attendu.", expression=path)
        PlanNeed.objects.create(plan=plan, domain=domain.strip()[:80], description=description.strip())
    c.trace(actor, decision, plan, person.pk, "FHIR CarePlan create", action="create")
    return care_plan_resource(plan)


@transaction.atomic
def create_goal(actor, resource: dict[str, Any]) -> dict[str, Any]:
    person, decision = c.person_for_write(actor, resource.get("subject"), "Goal.subject", m.PLAN)
    plan, _created = CarePlan.objects.get_or_create(record=person.coordination_record)
    text = ((resource.get("description") or {}).get("text") or "").strip()
    if not text:
        raise FhirError(
            422, "required", "Goal.description.text : l'objectif est requis.", expression="Goal.description"
        )
    due = (resource.get("target") or [{}])[0].get("dueDate")
    need = None
    for note in resource.get("note") or []:  # "Besoin : domaine : besoin", as goal_resource writes it
        domain, _sep, description = (note.get("text") or "").removeprefix(NEED_PREFIX).partition(" : ")
        if (note.get("text") or "").startswith(NEED_PREFIX):
            need = plan.needs.filter(domain=domain.strip(), description=description.strip()).first() or need
    goal = PlanGoal.objects.create(
        plan=plan,
        need=need,
        description=text,
        target_date=parse_date(due) if due else None,
        status=_FROM_LIFECYCLE.get(resource.get("lifecycleStatus"), GoalStatus.ACTIVE),
    )
    c.trace(actor, decision, goal, person.pk, "FHIR Goal create", action="create")
    return goal_resource(goal)
