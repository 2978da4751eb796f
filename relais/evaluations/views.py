"""Evaluation screens: a person's evaluations, filling a grid, the result with how it was computed.

Every page asks the care circle's policy through ``selectors``: a person or an evaluation the user may not read is
a 404 exactly like a missing id. Each page traces what it shows in the access log, grounded on the deciding rule.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from relais.pathway.access import CoordinationRecord, acting, trace

from . import engine
from . import selectors as sel
from .models import FormDefinition, FormResponse, ResponseStatus
from .services import evaluation_save


def _record_url(person) -> str | None:
    record = CoordinationRecord.objects.filter(person=person).first()
    return reverse("pathway:record", args=[record.pk]) if record else None


@login_required
def person_evaluations(request, person_pk: int):
    actor = acting(request)
    person, identity = sel.person_or_404(actor, person_pk)
    visible, refusals = sel.evaluations_for(actor, person)
    trace(actor=actor, action="read", obj=person, person=person, decision=identity, detail="liste des évaluations")
    for response, decision in visible:
        trace(
            actor=actor,
            action="read",
            obj=response,
            person=person,
            decision=decision,
            detail=f"liste des évaluations : {response.definition.title}",
        )
    context = {
        "person": person,
        "evaluations": [r for r, _d in visible],
        "refusals": refusals,
        "definitions": sel.fillable_definitions(actor, person),
        "record_url": _record_url(person),
    }
    return render(request, "evaluations/person_evaluations.html", context)


@login_required
def evaluation_fill(request, person_pk: int, key: str):
    actor = acting(request)
    person, identity = sel.person_or_404(actor, person_pk)
    definition = get_object_or_404(FormDefinition, key=key)
    draft = _draft(actor, request, person, definition)
    # Who may not write the grid's category (or a retired grid without a draft) finds nothing here, like a bad id.
    if not sel.may_write(actor, person, definition) or (draft is None and not definition.active):
        raise Http404
    fields = engine.parse_questionnaire(definition.questionnaire)
    errors: dict[str, str] = {}
    general: list[str] = []
    if request.method == "POST":
        raw = engine.raw_from_post(fields, request.POST)
        complete = request.POST.get("action") == "complete"
        try:
            response = evaluation_save(
                actor=actor, person=person, definition=definition, raw=raw, complete=complete, response=draft
            )
        except PermissionDenied as exc:
            general.append(str(exc))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {k: " ".join(v.messages if hasattr(v, "messages") else v) for k, v in exc.message_dict.items()}
            else:
                general.extend(exc.messages)
        else:
            if complete:
                messages.success(request, "Évaluation enregistrée.")
                return redirect("evaluations:detail", pk=response.pk)
            messages.success(request, "Brouillon enregistré.")
            return redirect(f"{reverse('evaluations:fill', args=[person.pk, key])}?brouillon={response.pk}")
    else:
        raw = engine.raw_from_response(draft.response.get("item")) if draft else {}
        trace(
            actor=actor,
            action="read",
            obj=person,
            person=person,
            decision=identity,
            detail=f"grille à remplir : {definition.title}",
        )
    context = {
        "person": person,
        "definition": definition,
        "fields": fields,
        "values": raw,
        "errors": errors,
        "general_errors": general,
        "error_fields": [f for f in engine.walk(fields) if f.link_id in errors],
        "draft": draft,
    }
    return render(request, "evaluations/fill.html", context, status=400 if errors or general else 200)


def _draft(actor, request, person, definition) -> FormResponse | None:
    pk = request.GET.get("brouillon")
    if not pk:
        return None
    if not pk.isdigit():
        raise Http404
    response, _decision = sel.evaluation_or_404(actor, int(pk))
    if response.person_id != person.pk or response.definition_id != definition.pk:
        raise Http404
    if response.status != ResponseStatus.IN_PROGRESS:
        raise Http404
    return response


@login_required
def evaluation_detail(request, pk: int):
    actor = acting(request)
    response, decision = sel.evaluation_or_404(actor, pk)
    person = response.person
    fields = engine.parse_questionnaire(response.definition.questionnaire)
    answers = engine.read_answers(fields, engine.raw_from_response(response.response.get("item")), complete=False)
    trace(
        actor=actor,
        action="read",
        obj=response,
        person=person,
        decision=decision,
        detail=response.definition.title,  # never the result: the access history is shown to non-readers
    )
    context = {
        "person": person,
        "evaluation": response,
        "rows": engine.labelled(fields, answers),
        "details": response.score_details,
        "why": decision.message,
    }
    return render(request, "evaluations/detail.html", context)
