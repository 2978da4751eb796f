"""Versions of the shared plan (PPCS) agreed with the person, and the reminder of their review date (decision 0040).

The plan itself changes every day (an action done, a goal added); what the person agreed to is a *version*: a frozen
copy of the needs, goals and actions, with who agreed, when and how, and the date the plan is to be reviewed. Issuing
one is the circle managers' act (referent, coordinators), like managing the circle; reading and printing one follows
the PLAN category of the policy, like the plan page.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from relais.notifications.services import notification_send
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, CircleRole
from relais.pathway.guard import trace
from relais.pathway.notification_kinds import PLAN_REVIEW_DUE
from relais.pathway.record.models import AgreementMethod, CarePlan, PlanVersion
from relais.pathway.record.services import _plan, _require_manager

# A PPCS is reviewed at least once a year; a later date is a typo or a plan nobody will read again.
LONGEST_REVIEW = timedelta(days=366)
FLOOR = date(1900, 1, 1)


def _referents(record, today: date):
    return (
        CircleMember.objects.filter(record=record, circle_role=CircleRole.REFERENT, start__lte=today)
        .exclude(end__lt=today)
        .select_related("user", "organisation")
    )


def _assignee(task) -> str:
    if task.assignee_member_id:
        member = task.assignee_member
        who = member.user.get_full_name() if member.user_id else member.display_name
        return f"{who} ({member.organisation})" if member.organisation_id else who
    return str(task.assignee_organisation) if task.assignee_organisation_id else ""


def plan_snapshot(plan: CarePlan) -> dict:
    """What a version freezes: the person's identity traits printed on the PPCS, the referent, needs, goals and their
    actions (actions without a goal last), each with its status in words."""
    person = plan.record.person
    referent = _referents(plan.record, timezone.localdate()).first()
    tasks = list(plan.tasks.select_related("assignee_member__user", "assignee_member__organisation", "goal"))

    def task_row(task) -> dict:
        return {
            "title": task.title,
            "detail": task.description,
            "assignee": _assignee(task),
            "due": task.due_date.isoformat() if task.due_date else "",
            "status": task.get_status_display(),
        }

    goals = []
    for goal in plan.goals.all().order_by("created_at", "pk"):
        goals.append(
            {
                "description": goal.description,
                "need": goal.need.description if goal.need_id else "",
                "target": goal.target_date.isoformat() if goal.target_date else "",
                "status": goal.get_status_display(),
                "tasks": [task_row(t) for t in tasks if t.goal_id == goal.pk],
            }
        )
    return {
        "person": {
            "family_name": person.family_name,
            "used_name": person.used_name,
            "first_names": person.first_names,
            "birth_date": person.birth_date.isoformat(),
        },
        "referent": (
            f"{referent.user.get_full_name()} ({referent.organisation})" if referent and referent.user_id else ""
        ),
        "needs": [{"domain": n.domain, "description": n.description} for n in plan.needs.all().order_by("pk")],
        "goals": goals,
        "other_tasks": [task_row(t) for t in tasks if t.goal_id is None],
    }


def _check_dates(agreed_on: date, review_on: date, today: date) -> None:
    if agreed_on > today:
        raise ValidationError(
            {"agreed_on": f"La date de l'accord ({agreed_on:%d/%m/%Y}) ne peut pas être dans le futur."}
        )
    if agreed_on < FLOOR:
        raise ValidationError({"agreed_on": f"La date de l'accord ({agreed_on:%d/%m/%Y}) : vérifiez l'année."})
    if review_on <= today:
        raise ValidationError({"review_on": f"La date de révision ({review_on:%d/%m/%Y}) doit être à venir."})
    if review_on > today + LONGEST_REVIEW:
        raise ValidationError(
            {"review_on": f"La date de révision ({review_on:%d/%m/%Y}) : un PPCS se révise au moins une fois par an."}
        )


@transaction.atomic
def plan_version_issue(
    *, actor, person, agreed_by: str, agreement_method: str, agreed_on: date, review_on: date
) -> PlanVersion:
    """Freeze the plan as the person agreed to it, as version n + 1. Circle managers only."""
    decision = _require_manager(actor, person)
    if agreement_method not in AgreementMethod.values:
        raise ValidationError({"agreement_method": "Choisissez la forme de l'accord de la personne."})
    if not (agreed_by or "").strip():
        raise ValidationError({"agreed_by": "Indiquez qui a donné son accord (la personne, son ou sa représentant·e)."})
    _check_dates(agreed_on, review_on, timezone.localdate())
    plan = CarePlan.objects.select_for_update().get(pk=_plan(person).pk)
    if not (plan.goals.exists() or plan.tasks.exists() or plan.needs.exists()):
        raise ValidationError(
            "Le plan est vide : ajoutez au moins un besoin, un objectif ou une action avant de le faire valider."
        )
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        issued_at=timezone.now(),
        issued_by=actor.public_label,
        agreed_by=agreed_by.strip(),
        agreement_method=agreement_method,
        agreed_on=agreed_on,
        review_on=review_on,
        content=plan_snapshot(plan),
    )
    trace(
        actor=actor,
        action="create",
        obj=version,
        person=person,
        decision=decision,
        detail=f"version {number} du plan personnalisé (accord du {agreed_on:%d/%m/%Y})",
    )
    return version


def plan_reviews_due_notify(*, today: date) -> dict:
    """Remind the referent of each record whose latest PPCS version reaches its review date (once per version)."""
    latest = PlanVersion.objects.values("plan").annotate(n=Max("number"))
    due = (
        PlanVersion.objects.filter(review_on__lte=today, review_notified_at__isnull=True)
        .select_related("plan__record__person")
        .order_by("pk")
    )
    latest_numbers = {row["plan"]: row["n"] for row in latest}
    summary = {"day": today.isoformat(), "reviews_due": 0, "notifications": 0, "without_referent": 0}
    for version in due:
        if latest_numbers.get(version.plan_id) != version.number:
            continue  # a newer version was agreed since: its own date counts
        summary["reviews_due"] += 1
        record = version.plan.record
        referents = list(_referents(record, today).filter(user__isnull=False))
        if not referents:
            summary["without_referent"] += 1
            continue
        with transaction.atomic():
            for member in referents:
                sent = notification_send(
                    kind=PLAN_REVIEW_DUE.code,
                    organisation=member.organisation,
                    recipients=[member.user],
                    subject=f"PPCS à réviser : version {version.number} à revoir le {version.review_on:%d/%m/%Y}",
                    body=(
                        f"La version {version.number} du plan personnalisé de coordination, validée le "
                        f"{version.agreed_on:%d/%m/%Y}, arrive à sa date de révision. Revoyez le plan avec la personne "
                        "et faites valider une nouvelle version."
                    ),
                    link=reverse("pathway:plan", args=[record.pk]),
                    dedup_key=f"{PLAN_REVIEW_DUE.code}:{version.pk}",
                    fields={"person": record.person, "category": m.PLAN},
                )
                summary["notifications"] += len(sent)
            PlanVersion.objects.filter(pk=version.pk).update(review_notified_at=timezone.now())
    return summary
