"""The shared plan (PPCS) of a record, and "Mes tâches" across every person the user may still see.

The plan is the PLAN category of the policy: its page is a 404 for whoever may not read it, and each page view is
traced. Overdue tasks carry a CSS class and the words "En retard" (never colour alone).
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.accounts.models import Organisation
from relais.pathway import guard
from relais.pathway import matrix as m
from relais.pathway.circle import selectors as circle_sel
from relais.pathway.policy import decide
from relais.pathway.record import selectors as sel
from relais.pathway.record import services as rs
from relais.pathway.screens.forms import CommentForm, GoalForm, NeedForm, TaskForm, TaskStatusForm
from relais.pathway.screens.views_common import acting, form_errors, plan_access, run_service, who
from relais.pathway.screens.views_plan_versions import plan_versions_context


def plan_detail(request, pk: int):
    access = plan_access(request, pk)
    record = access.record
    plan = sel.plan_for(record)
    members = circle_sel.circle_members(record)
    writable = decide(**who(request), person=record.person, category=m.PLAN, action=m.WRITE)
    context = {
        "record": record,
        "person": record.person,
        "plan": plan,
        "tasks": list(plan.tasks.all()) if plan else [],
        "may_write": writable.allowed,
        "write_refusal": writable,
        "need_form": NeedForm(auto_id="besoin-%s"),
        "goal_form": GoalForm(plan=plan, auto_id="objectif-%s"),
        "task_form": TaskForm(plan=plan, members=members, auto_id="nouvelle-action-%s"),
        "status_choices": TaskStatusForm.base_fields["status"].choices,
    }
    context.update(plan_versions_context(request, record))
    guard.trace(
        actor=acting(request),
        action="read",
        obj=record,
        person=record.person,
        decision=access.decisions[m.PLAN],
        detail="consultation du plan personnalisé",
    )
    return render(request, "pathway/plan.html", context)


def _back(pk: int) -> str:
    return reverse("pathway:plan", args=[pk])


@require_POST
def need_add(request, pk: int):
    access = plan_access(request, pk)
    form = NeedForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=_back(pk))
    return run_service(
        request,
        lambda: rs.plan_need_add(actor=acting(request), person=access.record.person, **form.cleaned_data),
        success="Le besoin est ajouté au plan.",
        back=_back(pk),
    )


@require_POST
def goal_add(request, pk: int):
    access = plan_access(request, pk)
    form = GoalForm(request.POST, plan=sel.plan_for(access.record))
    if not form.is_valid():
        return form_errors(request, form, back=_back(pk))
    return run_service(
        request,
        lambda: rs.plan_goal_add(actor=acting(request), person=access.record.person, **form.cleaned_data),
        success="L'objectif est ajouté au plan.",
        back=_back(pk),
    )


@require_POST
def task_add(request, pk: int):
    access = plan_access(request, pk)
    record = access.record
    form = TaskForm(request.POST, plan=sel.plan_for(record), members=circle_sel.circle_members(record))
    if not form.is_valid():
        return form_errors(request, form, back=_back(pk))
    data = dict(form.cleaned_data)
    kind, _sep, ident = data.pop("assignee").partition(":")
    if kind == "m":
        data["assignee_member"] = record.members.get(pk=ident)
    else:
        data["assignee_organisation"] = Organisation.objects.get(pk=ident)
    return run_service(
        request,
        lambda: rs.plan_task_add(actor=acting(request), person=record.person, **data),
        success="L'action est ajoutée au plan.",
        back=_back(pk),
    )


def _task_back(request, task) -> str:
    # Back to "Mes tâches" when the form was posted from there.
    if request.POST.get("from") == "mes-taches":
        return reverse("pathway:my_tasks")
    return _back(task.plan.record_id) + f"#action-{task.pk}"


@require_POST
def task_status(request, task_pk: int):
    task, _decision = sel.task_get(**who(request), pk=task_pk)
    form = TaskStatusForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=_task_back(request, task))
    return run_service(
        request,
        lambda: rs.plan_task_status_set(actor=acting(request), task=task, status=form.cleaned_data["status"]),
        success="Le statut de l'action est mis à jour.",
        back=_task_back(request, task),
    )


@require_POST
def task_comment(request, task_pk: int):
    task, _decision = sel.task_get(**who(request), pk=task_pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=_task_back(request, task))
    return run_service(
        request,
        lambda: rs.plan_task_comment_add(actor=acting(request), task=task, body=form.cleaned_data["body"]),
        success="Le commentaire est ajouté.",
        back=_task_back(request, task),
    )


def my_tasks(request):
    tasks = sel.my_tasks(**who(request))
    guard.trace_list(  # one entry for the list; each person in it with the rule that lets me see the plan
        actor=acting(request),
        object_type="pathway.coordinationrecord",
        rows=[(task.plan.record, task.plan.record.person_id, task.decision) for task in tasks],
        detail="liste « Mes tâches »",
    )
    context = {
        "tasks": tasks,
        "overdue_count": sum(1 for t in tasks if t.is_overdue),
        "status_choices": TaskStatusForm.base_fields["status"].choices,
    }
    return render(request, "pathway/my_tasks.html", context)
