"""Reads of the record's content (timeline, documents, shared plan, my tasks), filtered by ``policy.decide``.

Inside a record opened with ``circle.selectors.record_get``, each data category is judged separately: what the user
may not read is left out of lists and counts; a document or a task the user may not read is a 404 like a missing one.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone

from relais.pathway import matrix as m
from relais.pathway.circle.models import CoordinationRecord, MemberKind
from relais.pathway.circle.selectors import RecordAccess
from relais.pathway.policy import Decision, decide
from relais.pathway.record.models import CarePlan, Document, PlanTask, TaskStatus

OPEN_TASK_STATUSES = (TaskStatus.TODO, TaskStatus.IN_PROGRESS)


def events_for(access: RecordAccess, kind: str = ""):
    events = access.record.events.filter(category__in=access.readable)
    return events.filter(kind=kind) if kind else events


def documents_for(access: RecordAccess):
    return access.record.documents.filter(category__in=access.readable)


def document_get(*, user, organisation, pk: int):
    """A document the user may read now (policy asked again, for the document's own category), else a 404."""
    document = Document.objects.select_related("record__person").filter(pk=pk).first()
    if document is None:
        raise Http404("Document introuvable.")
    decision = decide(user=user, organisation=organisation, person=document.record.person, category=document.category)
    if not decision.allowed:
        raise Http404("Document introuvable.")
    return document, decision


def plan_for(record: CoordinationRecord) -> CarePlan | None:
    tasks = PlanTask.objects.select_related("assignee_member__user", "assignee_member__organisation", "goal")
    tasks = tasks.select_related("assignee_organisation").prefetch_related("comments")
    plan = (
        CarePlan.objects.filter(record=record)
        .prefetch_related("needs", "goals__need", Prefetch("tasks", queryset=tasks))
        .first()
    )
    if plan is not None:
        today = timezone.localdate()
        for task in plan.tasks.all():
            task.is_overdue = _overdue(task, today)
    return plan


def _overdue(task: PlanTask, today) -> bool:
    return task.status in OPEN_TASK_STATUSES and task.due_date is not None and task.due_date < today


def task_get(*, user, organisation, pk: int):
    """A task whose plan the user may read, else a 404."""
    task = PlanTask.objects.select_related("plan__record__person").filter(pk=pk).first()
    if task is None:
        raise Http404("Action introuvable.")
    decision = decide(user=user, organisation=organisation, person=task.plan.record.person, category=m.PLAN)
    if not decision.allowed:
        raise Http404("Action introuvable.")
    return task, decision


def my_tasks(*, user, organisation) -> list[PlanTask]:
    """Open tasks assigned to me or to my organisation, on persons whose plan I may still read; overdue first."""
    assigned = Q(assignee_member__user=user) & (
        Q(assignee_member__organisation=organisation) | Q(assignee_member__kind=MemberKind.PROXY)
    )
    if organisation is not None:
        assigned |= Q(assignee_organisation=organisation)
    candidates = (
        PlanTask.objects.filter(assigned, status__in=OPEN_TASK_STATUSES)
        .select_related("plan__record__person", "assignee_member__user", "assignee_organisation")
        .order_by("due_date", "pk")
    )
    decisions: dict[int, Decision] = {}
    today = timezone.localdate()
    tasks = []
    for task in candidates:
        person = task.plan.record.person
        if person.pk not in decisions:
            decisions[person.pk] = decide(user=user, organisation=organisation, person=person, category=m.PLAN)
        task.decision = decisions[person.pk]
        if task.decision.allowed:
            task.is_overdue = _overdue(task, today)
            tasks.append(task)
    return sorted(tasks, key=lambda t: (not t.is_overdue, t.due_date is None, t.due_date or today, t.pk))
