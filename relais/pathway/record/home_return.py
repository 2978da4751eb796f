"""The "retour à domicile" checklist (decision 0045): on a discharge home, the actions of a data file (J+1 call,
medication reconciliation, J+7 call…) become actions of the shared plan, owned by the record's referent, with due
dates counted from the discharge day. Once per movement: ``HospitalMovement.home_return_planned_at`` is set in the
same transaction, under the movement's row lock taken by the caller.

The checklist is data, not code: ``home_return.json`` next to this module, or the file named by the
RELAIS_HOME_RETURN_CHECKLIST setting (same shape), read once per process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone

from relais.pathway.circle.models import CircleMember, CircleRole, MemberKind
from relais.pathway.circle.selectors import member_ineligibility
from relais.pathway.guard import trace
from relais.pathway.record.models import CarePlan, PlanTask
from relais.pathway.record.movements import Destination, HospitalMovement

DEFAULT_FILE = Path(__file__).with_name("home_return.json")


@dataclass(frozen=True)
class ChecklistAction:
    key: str
    title: str
    description: str
    days_after_discharge: int


def checklist_path() -> Path:
    return Path(getattr(settings, "RELAIS_HOME_RETURN_CHECKLIST", "") or DEFAULT_FILE)


@cache
def _read(path: Path) -> tuple[ChecklistAction, ...]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        actions = tuple(
            ChecklistAction(
                key=str(item["key"]),
                title=str(item["title"]).strip()[:200],
                description=str(item.get("description", "")).strip(),
                days_after_discharge=int(item["days_after_discharge"]),
            )
            for item in data["actions"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f"Liste « retour à domicile » illisible ({path}) : {exc!r}.") from None
    keys = [a.key for a in actions]
    if len(keys) != len(set(keys)) or any(not a.title or not 0 <= a.days_after_discharge <= 90 for a in actions):
        raise ImproperlyConfigured(
            f"Liste « retour à domicile » ({path}) : clés uniques, titres non vides, délais de 0 à 90 jours."
        )
    return actions


def checklist() -> tuple[ChecklistAction, ...]:
    return _read(checklist_path())


def referent_of(record) -> CircleMember | None:
    """The record's active, still eligible referent (the owner of the checklist's actions), if any."""
    today = timezone.localdate()
    members = record.members.filter(kind=MemberKind.PROFESSIONAL, circle_role=CircleRole.REFERENT, start__lte=today)
    members = members.filter(Q(end__isnull=True) | Q(end__gte=today)).select_related("user", "organisation")
    return next((member for member in members.order_by("pk") if not member_ineligibility(member)), None)


def home_return_plan(*, actor, movement: HospitalMovement, person, decision) -> list[PlanTask]:
    """The checklist's actions for a discharge home, once; [] when not a discharge home, already done, or when the
    record has no eligible referent (the movement stays unplanned, so a later save tries again)."""
    if movement.home_return_planned_at or movement.discharged_on is None or movement.destination != Destination.HOME:
        return []
    referent = referent_of(movement.record)
    if referent is None:
        return []
    plan, _created = CarePlan.objects.get_or_create(record=movement.record)
    tasks = []
    for action in checklist():
        task = PlanTask(
            plan=plan,
            title=action.title,
            description=f"{action.description}\n(Retour à domicile du {movement.discharged_on:%d/%m/%Y}.)".strip(),
            assignee_member=referent,
            due_date=movement.discharged_on + timedelta(days=action.days_after_discharge),
            created_by=f"Liste « retour à domicile », sortie notée par {actor.public_label}"[:300],
        )
        task.full_clean()
        task.save()
        trace(
            actor=actor,
            action="create",
            obj=task,
            person=person,
            decision=decision,
            detail="action de retour à domicile",
        )
        tasks.append(task)
    movement.home_return_planned_at = timezone.now()
    movement.save(update_fields=["home_return_planned_at"])
    return tasks
