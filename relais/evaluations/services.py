"""Writes of the evaluations app: loading a grid (a FHIR Questionnaire), saving a filled grid for a person.

Saving asks the care circle's policy for the grid's data category (write), validates every answer (French errors
naming the question), computes the score when the grid is completed and traces the write in the access log with
the rule that allowed it. A completed evaluation is not edited any more: a new one is filled instead.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from relais.pathway.access import EventKind, allow, event_post, trace
from relais.pathway.access import matrix as m

from . import engine
from .models import FormDefinition, FormResponse, ResponseStatus
from .scoring import SCORERS


def definition_values(questionnaire: Any) -> dict[str, Any]:
    """The FormDefinition fields of a Questionnaire, after checking it (used by the data migration too)."""
    engine.parse_questionnaire(questionnaire)
    scorer = engine.extension(questionnaire, engine.SCORER_EXTENSION) or ""
    if scorer and scorer not in SCORERS:
        raise ValidationError(
            {"questionnaire": f"extension : calcul « {scorer} » inconnu (disponibles : {', '.join(SCORERS)})."}
        )
    return {
        "url": str(questionnaire.get("url", "")),
        "version": str(questionnaire.get("version", "")),
        "title": str(questionnaire["title"]).strip(),
        "category": engine.extension(questionnaire, engine.CATEGORY_EXTENSION, "valueCode"),
        "scorer": scorer,
        "active": questionnaire.get("status", "active") == "active",
        "questionnaire": questionnaire,
    }


@transaction.atomic
def form_definition_load(*, questionnaire: Any) -> FormDefinition:
    """Create or replace the grid with this Questionnaire id (loading the same file twice changes nothing)."""
    values = definition_values(questionnaire)
    definition, _created = FormDefinition.objects.update_or_create(key=questionnaire["id"], defaults=values)
    return definition


def canonical(definition: FormDefinition) -> str:
    base = definition.url or f"Questionnaire/{definition.key}"
    return f"{base}|{definition.version}" if definition.version else base


@transaction.atomic
def evaluation_save(
    *,
    actor,
    person,
    definition: FormDefinition,
    raw: dict[str, str],
    complete: bool,
    response: FormResponse | None = None,
) -> FormResponse:
    decision = allow(actor=actor, person=person, category=definition.category, action=m.WRITE)
    if response is not None:
        response = FormResponse.objects.select_for_update().get(pk=response.pk)
        if response.person_id != person.pk or response.definition_id != definition.pk:
            raise ValueError("The draft belongs to another person or grid.")
        if response.status == ResponseStatus.COMPLETED:
            raise ValidationError(
                "Cette évaluation est terminée : elle ne se modifie plus, remplissez une nouvelle grille."
            )
    elif not definition.active:
        raise ValidationError(f"La grille « {definition.title} » n'est plus proposée.")
    fields = engine.parse_questionnaire(definition.questionnaire)
    answers = engine.read_answers(fields, raw, complete=complete)
    score = None
    if complete and definition.scorer:
        try:
            score = SCORERS[definition.scorer](answers)
        except (KeyError, ValueError) as exc:
            raise ValidationError(f"Calcul du résultat impossible : {exc}") from None
    now = timezone.now()
    status = ResponseStatus.COMPLETED if complete else ResponseStatus.IN_PROGRESS
    document = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": canonical(definition),
        "status": status.value,
        "subject": {"reference": f"Patient/{person.pk}"},
        "authored": timezone.localtime(now).isoformat(),
        "author": {"display": actor.public_label},
        "item": engine.response_items(fields, answers),
    }
    if score is not None:
        document["extension"] = [
            {
                "url": engine.SCORE_EXTENSION,
                "extension": [
                    {"url": "scorer", "valueString": definition.scorer},
                    {"url": "value", "valueInteger": score.value},
                    {"url": "label", "valueString": score.label},
                ],
            }
        ]
    is_new = response is None
    response = response or FormResponse(definition=definition, person=person)
    response.status = status
    response.response = document
    response.score = score.value if score else None
    response.score_label = score.label if score else ""
    response.score_details = score.details if score else {}
    response.author = actor.public_label
    response.author_user = getattr(actor, "user", None)
    response.author_organisation = getattr(actor, "organisation", None)
    response.completed_at = now if complete else None
    response.save()
    # No result in the access log: its history is shown to circle managers and proxies who may not read it.
    detail = f"{definition.title} ({status.label.lower()})"
    if complete:  # the record's chronology shows it, under the grid's category (no notification for this kind)
        event_post(
            actor=actor,
            person=person,
            kind=EventKind.EVALUATION,
            title=f"Évaluation : {definition.title}"[:200],
            body=f"Résultat : {score.label}" if score else "",
            occurred_at=now,
            category=definition.category,
        )
    trace(
        actor=actor,
        action="create" if is_new else "update",
        obj=response,
        person=person,
        decision=decision,
        detail=detail,
    )
    return response
