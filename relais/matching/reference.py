"""An independent computation of the matching optimum, to check the engine (tests and benchmark only).

Independent of ``engine.py`` on every step that could hide a bug: the pairs are enumerated record by record with the
scalar rules (``compatibility.incompatibility``), each pair is scored by ``priority.priority_total`` itself, and the
optimum comes from linear programming (HiGHS through scipy, a development dependency) instead of min-cost flow.
The constraint matrix of this transportation problem (each person at most one place, each unit at most its free
places) is totally unimodular, so the LP optimum is integral. Two phases give the engine's lexicographic objective:
first the largest number of proposals k*, then the best total score among solutions of exactly k* proposals (a
flow of value k*, still integral). The engine's third level (days waited) only breaks ties of equal score, so it
does not change these two numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .compatibility import EARTH_RADIUS_KM, incompatibility
from .instance import Instance
from .priority import priority_total


@dataclass(frozen=True)
class ReferenceResult:
    proposals: int
    objective: int
    pairs: int


def _km(request, unit) -> float | None:
    if None in (request.latitude, request.longitude, unit.latitude, unit.longitude):
        return None
    phi1, phi2 = math.radians(request.latitude), math.radians(unit.latitude)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(unit.longitude - request.longitude) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def reference_pairs(x: Instance) -> list[tuple[int, int, int]]:
    """(request index, unit index, score) of every compatible pair, by plain loops over records."""
    requests = [x.request_record(i) for i in range(x.n_requests)]
    units = [x.unit_record(i) for i in range(x.n_units)]
    by_site: dict[int, list[int]] = {}
    virtual = []
    for j, unit in enumerate(units):
        if unit.virtual:
            virtual.append(j)
        else:
            by_site.setdefault(unit.site_id, []).append(j)
    pairs = []
    for i, request in enumerate(requests):
        for j in by_site.get(request.site_id, ()):
            if incompatibility(request, units[j], x.rules) is None:
                km = _km(request, units[j])
                score = priority_total(
                    urgency=request.urgency,
                    days_waited=request.days_waited,
                    wish_rank=request.wish_rank,
                    distance_km=km,
                )
                pairs.append((i, j, score))
    if virtual:
        sought: dict[int, set[str]] = {}
        longest: dict[int, int] = {}
        for i, request in enumerate(requests):
            sought.setdefault(request.person_id, set()).update(request.categories)
            if request.site_category:
                sought[request.person_id].add(request.site_category)
            best = longest.get(request.person_id)
            if best is None or (request.days_waited, -request.id) > (requests[best].days_waited, -requests[best].id):
                longest[request.person_id] = i
        for person, i in longest.items():
            request = requests[i]
            for j in virtual:
                if incompatibility(request, units[j], x.rules, sought=frozenset(sought[person])) is None:
                    km = _km(request, units[j])
                    score = priority_total(
                        urgency=request.urgency, days_waited=request.days_waited, wish_rank=0, distance_km=km
                    )
                    pairs.append((i, j, score))
    return pairs


def reference_solve(x: Instance) -> ReferenceResult:
    from scipy.optimize import linprog
    from scipy.sparse import csr_array, vstack

    pairs = reference_pairs(x)
    if not pairs:
        return ReferenceResult(0, 0, 0)
    req = np.array([p[0] for p in pairs])
    unit = np.array([p[1] for p in pairs])
    score = np.array([p[2] for p in pairs], dtype=float)
    person_ids = x.r_person[req]
    _persons, person_row = np.unique(person_ids, return_inverse=True)
    _units, unit_row = np.unique(unit, return_inverse=True)
    n = len(pairs)
    columns = np.arange(n)
    a_person = csr_array((np.ones(n), (person_row, columns)), shape=(len(_persons), n))
    a_unit = csr_array((np.ones(n), (unit_row, columns)), shape=(len(_units), n))
    a_ub = vstack([a_person, a_unit]).tocsr()
    b_ub = np.concatenate([np.ones(len(_persons)), x.u_free[_units].astype(float)])
    bounds = (0, 1)
    first = linprog(-np.ones(n), A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if first.status != 0:
        raise RuntimeError(f"Référence : phase 1 non résolue ({first.message}).")
    k = round(-first.fun)
    second = linprog(-score, A_ub=a_ub, b_ub=b_ub, A_eq=np.ones((1, n)), b_eq=[k], bounds=bounds, method="highs")
    if second.status != 0:
        raise RuntimeError(f"Référence : phase 2 non résolue ({second.message}).")
    return ReferenceResult(proposals=k, objective=round(-second.fun), pairs=n)
