"""Why the engine proposed what it proposed, in French, for the persons who read the proposals.

- each proposal: the parts of its priority score (``priority.priority_score``, called for the chosen pairs only);
- each unit: the compatible persons not proposed there, and why (proposed elsewhere; a lower score than the last
  person proposed; the same score but a shorter wait);
- each person without a proposal: no compatible unit (with the rule that failed, per wished site), or out-ranked
  in every compatible unit.

The optimum is global, so a reason is stated relative to it: a person proposed elsewhere with a lower score than
here was placed there because giving them this place would have left someone else without a proposal, or lowered
the total. Explanations name persons by their request and person ids only; callers decide what to display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .compatibility import REASONS, incompatibility
from .engine import Result
from .priority import priority_score

MAX_OTHERS = 10  # per unit, the best-scored compatible persons not proposed there


@dataclass
class Explanation:
    proposals: list[dict] = field(default_factory=list)
    units: dict[int, dict] = field(default_factory=dict)
    persons: dict[int, dict] = field(default_factory=dict)  # persons without a proposal

    def for_proposal(self, proposal: dict) -> dict:
        """What to store with one proposal: its score and the other persons of its unit."""
        unit = self.units[proposal["unit_id"]]
        return {
            "score": proposal["score"],
            "wish_rank": proposal["wish_rank"],
            "distance_km": proposal["distance_km"],
            "unit": {key: unit[key] for key in ("free", "proposed", "last_score", "others", "others_count")},
        }


def _km(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 1)


def _other_reason(score, tie, last_score, last_tie, elsewhere) -> tuple[str, str]:
    if elsewhere is not None:
        other_unit, other_score = elsewhere
        if other_score >= score:
            return "elsewhere", f"proposé·e pour l'unité {other_unit} avec un score au moins égal ({other_score})"
        return (
            "elsewhere",
            f"proposé·e pour l'unité {other_unit} (score {other_score}) : lui proposer cette place aurait laissé une "
            "autre personne sans proposition ou baissé le total des scores",
        )
    if score < last_score:
        return "lower_score", f"score {score} inférieur à celui de la dernière personne proposée ({last_score})"
    if score == last_score and tie < last_tie:
        return "tie", f"même score que la dernière personne proposée ({last_score}), mais attente plus courte"
    if score == last_score:
        return "tie", f"même score et même attente que la dernière personne proposée ({last_score}) : départage stable"
    return "more_persons", "place proposée à une autre personne pour que davantage de personnes aient une proposition"


def explain(result: Result, *, max_others: int = MAX_OTHERS, persons: bool = True) -> Explanation:
    g = result.graph
    x = g.instance
    out = Explanation()
    chosen = np.flatnonzero(result.chosen)
    assigned: dict[int, tuple[int, int]] = {}  # person index → (unit id, score)
    by_unit: dict[int, list[int]] = {}
    for a in chosen.tolist():
        req, unit = int(g.arc_req[a]), int(g.arc_unit[a])
        unit_id, score = int(x.u_id[unit]), int(g.arc_score[a])
        assigned[int(g.arc_person[a])] = (unit_id, score)
        by_unit.setdefault(unit, []).append(a)
        distance = float(g.arc_distance[a])
        parts = priority_score(
            urgency=int(x.r_urgency[req]),
            days_waited=int(x.r_days[req]),
            wish_rank=int(g.arc_rank[a]),
            distance_km=None if math.isnan(distance) else distance,
        )
        out.proposals.append(
            {
                "request_id": int(x.r_id[req]),
                "person_id": int(x.r_person[req]),
                "unit_id": unit_id,
                "score": parts.as_dict(),
                "wish_rank": int(g.arc_rank[a]),
                "distance_km": _km(distance),
            }
        )
    # The other compatible persons of each unit that received proposals.
    arcs_by_unit = np.argsort(g.arc_unit, kind="stable")
    starts = np.searchsorted(g.arc_unit[arcs_by_unit], sorted(by_unit), "left")
    ends = np.searchsorted(g.arc_unit[arcs_by_unit], sorted(by_unit), "right")
    for unit, lo, hi in zip(sorted(by_unit), starts.tolist(), ends.tolist(), strict=True):
        proposed = by_unit[unit]
        last = min(proposed, key=lambda a: (int(g.arc_score[a]), int(g.arc_tie[a])))
        last_score, last_tie = int(g.arc_score[last]), int(g.arc_tie[last])
        others = [int(a) for a in arcs_by_unit[lo:hi] if not result.chosen[a]]
        others.sort(key=lambda a: (-int(g.arc_score[a]), -int(g.arc_tie[a]), int(x.r_id[g.arc_req[a]])))
        rows = []
        for a in others[:max_others]:
            score, tie = int(g.arc_score[a]), int(g.arc_tie[a])
            key, label = _other_reason(score, tie, last_score, last_tie, assigned.get(int(g.arc_person[a])))
            rows.append(
                {
                    "request_id": int(x.r_id[g.arc_req[a]]),
                    "person_id": int(x.r_person[g.arc_req[a]]),
                    "score": score,
                    "reason": key,
                    "label": label,
                }
            )
        out.units[int(x.u_id[unit])] = {
            "free": int(x.u_free[unit]),
            "proposed": sorted(int(x.r_id[g.arc_req[a]]) for a in proposed),
            "last_score": last_score,
            "others": rows,
            "others_count": len(others),
        }
    if persons:
        out.persons = _persons_without(result, assigned)
    return out


def _persons_without(result: Result, assigned: dict[int, tuple[int, int]]) -> dict[int, dict]:
    g = result.graph
    x = g.instance
    units_of_site: dict[int, list[int]] = {}
    for j in np.flatnonzero(~x.u_virtual).tolist():
        units_of_site.setdefault(int(x.u_site[j]), []).append(j)
    with_arcs = {int(p): i for i, p in enumerate(g.persons.tolist())}
    full = {int(x.u_id[u]): len(v) for u, v in _units_filled(result).items()}
    arcs_of_person: dict[int, list[int]] = {}
    for a, p in enumerate(g.arc_person.tolist()):
        arcs_of_person.setdefault(p, []).append(a)
    out: dict[int, dict] = {}
    requests_of: dict[int, list[int]] = {}
    for i, person in enumerate(x.r_person.tolist()):
        requests_of.setdefault(person, []).append(i)
    for person, rows in sorted(requests_of.items()):
        index = with_arcs.get(person)
        if index is not None and index in assigned:
            continue
        if index is None:
            wishes = []
            for i in rows:
                request = x.request_record(i)
                keys = sorted(
                    {
                        incompatibility(request, x.unit_record(j), x.rules) or ""
                        for j in units_of_site.get(request.site_id, [])
                    }
                    - {""}
                )
                labels = [REASONS[k] for k in keys] or ["aucune unité avec des places libres dans cet établissement"]
                wishes.append({"request_id": request.id, "site_id": request.site_id, "reasons": labels})
            out[person] = {"reason": "no_compatible_unit", "label": "aucune unité compatible", "wishes": wishes}
        else:
            arcs = arcs_of_person[index]
            units = [
                {
                    "unit_id": int(x.u_id[g.arc_unit[a]]),
                    "score": int(g.arc_score[a]),
                    "taken": full.get(int(x.u_id[g.arc_unit[a]]), 0),
                }
                for a in arcs
            ]
            out[person] = {
                "reason": "outranked",
                "label": "les unités compatibles sont prises par des personnes de score supérieur ou égal",
                "units": units,
            }
    return out


def _units_filled(result: Result) -> dict[int, list[int]]:
    g = result.graph
    filled: dict[int, list[int]] = {}
    for a in np.flatnonzero(result.chosen).tolist():
        filled.setdefault(int(g.arc_unit[a]), []).append(a)
    return filled
