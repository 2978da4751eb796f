"""Reads of the evaluations app, every one judged by the care circle's policy (identity to see the person, the
grid's data category to see an evaluation). What may not be read is a 404 or left out, with the policy's sentence."""

from __future__ import annotations

from django.http import Http404

from relais.pathway.access import Decision, decide
from relais.pathway.access import matrix as m
from relais.persons.models import Person

from .models import FormDefinition, FormResponse


def _decide(actor, person, category: str, action: str = m.READ) -> Decision:
    return decide(
        user=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        person=person,
        category=category,
        action=action,
    )


def person_or_404(actor, person_pk: int) -> tuple[Person, Decision]:
    person = Person.objects.filter(pk=person_pk).first()
    decision = _decide(actor, person, m.IDENTITY) if person is not None else None
    if decision is None or not decision.allowed:
        raise Http404
    return person, decision


def evaluations_for(actor, person) -> tuple[list[tuple[FormResponse, Decision]], list[dict]]:
    """The person's evaluations the actor may read (with the deciding rule), and one refusal per refused data
    category of the grids, whether or not the person has such an evaluation (so that the notice leaks nothing)."""
    responses = list(FormResponse.objects.filter(person=person).select_related("definition"))
    # Judge every category a grid may carry, not only those of the person's evaluations: a refusal shown only
    # when such an evaluation exists would tell that it exists.
    categories = set(FormDefinition.objects.values_list("category", flat=True)) | {
        r.definition.category for r in responses
    }
    decisions = {c: _decide(actor, person, c) for c in categories}
    visible = [(r, decisions[r.definition.category]) for r in responses if decisions[r.definition.category]]
    refusals = [
        {"category": m.CATEGORIES[c], "message": d.message} for c, d in sorted(decisions.items()) if not d.allowed
    ]
    return visible, refusals


def evaluation_or_404(actor, pk: int) -> tuple[FormResponse, Decision]:
    response = FormResponse.objects.select_related("definition", "person").filter(pk=pk).first()
    if response is None:
        raise Http404
    decision = _decide(actor, response.person, response.definition.category)
    if not decision.allowed:
        raise Http404
    return response, decision


def may_write(actor, person, definition: FormDefinition) -> bool:
    return _decide(actor, person, definition.category, m.WRITE).allowed


def fillable_definitions(actor, person) -> list[FormDefinition]:
    return [d for d in FormDefinition.objects.filter(active=True) if may_write(actor, person, d)]
