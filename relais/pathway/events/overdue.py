"""The daily tick of the shared plan (``pathway_tick``): an overdue action is a person event, notified once."""

from __future__ import annotations

from django.db import transaction

from relais.notifications.models import Notification
from relais.pathway import matrix as m
from relais.pathway.events.services import person_event_emit
from relais.pathway.notification_kinds import TASK_OVERDUE
from relais.pathway.record.models import PlanTask, TaskStatus


def overdue_tasks_notify(*, today) -> dict:
    """ "Task overdue" for each open task past its due date, once per task (a task some follower was already
    notified of is skipped; one nobody could be notified of is tried again the next day)."""
    tasks = (
        PlanTask.objects.filter(status__in=[TaskStatus.TODO, TaskStatus.IN_PROGRESS], due_date__lt=today)
        .select_related("plan__record__person")
        .order_by("pk")
    )
    summary = {"day": today.isoformat(), "overdue_tasks": 0, "emitted": 0, "already_notified": 0, "notifications": 0}
    for task in tasks:
        summary["overdue_tasks"] += 1
        key = f"{TASK_OVERDUE.code}:{task._meta.label_lower}:{task.pk}"
        if Notification.objects.filter(dedup_key=key).exists():
            summary["already_notified"] += 1
            continue
        with transaction.atomic():
            result = person_event_emit(
                kind=TASK_OVERDUE.code,
                person=task.plan.record.person,
                actor=None,
                obj=task,
                category=m.PLAN,
                summary=f"Action en retard : échéance du {task.due_date:%d/%m/%Y} dépassée",
            )
        summary["emitted"] += 1
        summary["notifications"] += len(result.notified)
    return summary
