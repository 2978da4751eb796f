"""Scorers: named functions computing a grid's result from its answers. A Questionnaire names its scorer in an
extension (``engine.SCORER_EXTENSION``); a grid without one is stored without a score. Each scorer returns the score,
a label and the details the result page shows so that a user can check the computation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from . import aggir


@dataclass(frozen=True)
class Score:
    value: int
    label: str
    details: dict[str, Any]


Scorer = Callable[[dict[str, Any]], Score]
SCORERS: dict[str, Scorer] = {}


def register_scorer(name: str):
    def decorate(function: Scorer) -> Scorer:
        SCORERS[name] = function
        return function

    return decorate


@register_scorer("aggir")
def aggir_score(answers: dict[str, Any]) -> Score:
    """The GIR of a completed AGGIR grid (CASF annexes 2-1 and 2-2); linkIds are "variable.sub-variable" for the
    six split variables and the variable's name for the four others (see forms/aggir.json)."""
    result = aggir.compute_from_sub_variables(answers)
    variables = []
    for variable in aggir.VARIABLES:
        subs = [
            {"label": aggir.SUB_LABELS[s], "modality": answers[f"{variable}.{s}"]}
            for s in aggir.SUB_VARIABLES.get(variable, ())
        ]
        rule = aggir.COMBINATION_RULES.get(variable)
        variables.append(
            {
                "variable": variable,
                "label": aggir.LABELS[variable],
                "subs": subs,
                "rule": aggir.RULE_TEXTS[rule] if rule else "",
                "modality": result.modalities[variable],
            }
        )
    steps = [asdict(step) for step in result.steps]
    for step, group in zip(steps, aggir.GROUPS, strict=False):
        step["thresholds"] = [{"threshold": t, "rank": r} for t, r in group.ranks if t > -(10**9)]
    return Score(
        value=result.gir,
        label=f"GIR {result.gir}",
        details={
            "rank": result.rank,
            "gir": result.gir,
            "rule_version": aggir.RULE_VERSION,
            "variables": variables,
            "steps": steps,
        },
    )
