"""The matching engine: compatible pairs, their priority score, and an optimal set of proposals by min-cost flow.

Objective (decision 0016), lexicographic:
1. as many persons as possible receive a proposal (each person at most one, each unit at most its free places);
2. among those, the greatest total priority score (``priority.priority_total`` of each proposed pair);
3. among those, the greatest total exact days waited (capped at ``TIE_CAP``): at equal score, the person who has
   waited longest. Remaining ties are settled by the solver on a canonical graph (nodes numbered by ascending
   person and unit ids, arcs sorted by request id then unit id): the same instance, in any order, gives the same
   proposals.

Level 1 is OR-Tools' ``solve_max_flow_with_min_cost`` (a maximum flow of minimum cost); levels 2 and 3 are one
integer cost per arc, ``-(score × TIE_SCALE + days)``, where ``TIE_SCALE`` exceeds any possible sum of the days
term, so that no gain in days ever outweighs one point of score.

Graph: source → person (capacity 1) → unit (one arc per compatible pair, capacity 1) → sink (capacity: free places).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from .compatibility import distance_mask, pair_distances_km, profile_mask
from .instance import Instance
from .scoring import priority_totals

TIE_CAP = 3650  # days: beyond ten years of waiting, no more tie-break weight


@dataclass
class Graph:
    instance: Instance
    arc_req: np.ndarray  # request index of each compatible pair
    arc_unit: np.ndarray  # unit index
    arc_distance: np.ndarray  # km, NaN unknown
    arc_rank: np.ndarray  # the wish rank that scored (0 for a virtual place)
    arc_score: np.ndarray  # priority total
    arc_tie: np.ndarray  # exact days waited, capped
    persons: np.ndarray  # sorted person ids having at least one pair
    arc_person: np.ndarray  # index in ``persons``

    @property
    def n_arcs(self) -> int:
        return len(self.arc_req)


@dataclass
class Result:
    graph: Graph
    chosen: np.ndarray  # bool per arc
    proposals: int
    objective: int  # total priority score of the proposals
    tie_total: int

    def pairs(self) -> list[tuple[int, int, int]]:
        """(request id, unit id, score) of each proposal, by unit id then request id."""
        g, x = self.graph, self.graph.instance
        idx = np.flatnonzero(self.chosen)
        rows = zip(
            x.r_id[g.arc_req[idx]].tolist(), x.u_id[g.arc_unit[idx]].tolist(), g.arc_score[idx].tolist(), strict=True
        )
        return sorted(rows, key=lambda row: (row[1], row[0]))


def _wished_pairs(x: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(request, unit) index pairs where the unit belongs to the requested site (rule 1), real units only."""
    real = np.flatnonzero(~x.u_virtual & (x.u_free > 0))
    order = real[np.argsort(x.u_site[real], kind="stable")]
    sites = x.u_site[order]
    lo = np.searchsorted(sites, x.r_site, "left")
    hi = np.searchsorted(sites, x.r_site, "right")
    counts = hi - lo
    req = np.repeat(np.arange(x.n_requests), counts)
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    unit = order[starts + np.arange(len(req))]
    return req, unit


def person_index(x: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct person ids and, per request, its person's index."""
    return np.unique(x.r_person, return_inverse=True)


def _virtual_pairs(x: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(request, unit) pairs for the simulation's virtual places: each person of the zone who seeks the category,
    through their longest-waiting request (ties: smallest request id)."""
    virtual = np.flatnonzero(x.u_virtual & (x.u_free > 0))
    if not len(virtual) or not x.n_requests:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    persons, inverse = person_index(x)
    site_bits = np.where(x.r_site_category >= 0, np.left_shift(1, np.maximum(x.r_site_category, 0).astype(np.int64)), 0)
    seeks = np.zeros(len(persons), np.int64)
    np.bitwise_or.at(seeks, inverse, x.r_categories | site_bits)
    order = np.lexsort((x.r_id, -x.r_days.astype(np.int64), inverse))
    first = np.ones(len(order), bool)
    first[1:] = inverse[order][1:] != inverse[order][:-1]
    representative = order[first]  # one request per person, in person order
    reqs, units = [], []
    for v in virtual.tolist():
        ok = ((seeks >> int(x.u_category[v])) & 1).astype(bool)
        zone = x.zones.codes[x.u_zone[v]]
        if zone:
            ok &= x.r_zone[representative] == x.u_zone[v]
        chosen = representative[ok]
        reqs.append(chosen)
        units.append(np.full(len(chosen), v, np.int64))
    return np.concatenate(reqs), np.concatenate(units)


def build(x: Instance) -> Graph:
    """Every compatible pair with its score, in canonical order."""
    req_w, unit_w = _wished_pairs(x)
    req_v, unit_v = _virtual_pairs(x)
    req = np.concatenate([req_w, req_v]).astype(np.int64)
    unit = np.concatenate([unit_w, unit_v]).astype(np.int64)
    keep = profile_mask(x, req, unit)
    req, unit = req[keep], unit[keep]
    distance = pair_distances_km(x, req, unit)
    keep = distance_mask(x, unit, distance)
    req, unit, distance = req[keep], unit[keep], distance[keep]
    order = np.lexsort((x.u_id[unit], x.r_id[req]))
    req, unit, distance = req[order], unit[order], distance[order]
    rank = np.where(x.u_virtual[unit], 0, x.r_rank[req]).astype(np.int64)
    score = priority_totals(x.r_urgency[req], x.r_days[req], rank, distance)
    tie = np.minimum(x.r_days[req].astype(np.int64), TIE_CAP)
    persons, arc_person = np.unique(x.r_person[req], return_inverse=True)
    return Graph(x, req, unit, distance, rank, score, tie, persons, arc_person.astype(np.int64))


def _zone_groups(g: Graph) -> np.ndarray:
    """Per arc, a group such that no person or unit has arcs in two groups: the persons' zones (départements),
    merged when an arc joins two zones (a union-find over the few zones). Each group is solved on its own: the
    objective is a sum over independent parts, and smaller graphs solve much faster."""
    x = g.instance
    r_zone, u_zone = x.r_zone[g.arc_req], x.u_zone[g.arc_unit]
    parent = list(range(len(x.zones.codes)))

    def find(z: int) -> int:
        while parent[z] != z:
            parent[z] = parent[parent[z]]
            z = parent[z]
        return z

    crossing = np.unique(np.stack([r_zone, u_zone])[:, r_zone != u_zone], axis=1)
    for a, b in crossing.T.tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(z) for z in range(len(parent))], dtype=np.int64)
    return roots[r_zone] if len(parent) else np.zeros(g.n_arcs, np.int64)


def _solve_part(g: Graph, idx: np.ndarray, chosen: np.ndarray) -> None:
    """Min-cost maximum flow on the arcs ``idx`` (in canonical order); marks the chosen ones."""
    x = g.instance
    arc_person, arc_unit = g.arc_person[idx], g.arc_unit[idx]
    persons, person_node = np.unique(arc_person, return_inverse=True)
    units, unit_node = np.unique(x.u_id[arc_unit], return_inverse=True)
    unit_free = np.zeros(len(units), np.int64)
    unit_free[unit_node] = x.u_free[arc_unit]
    n_persons, n_units, n_arcs = len(persons), len(units), len(idx)
    k_bound = int(min(n_persons, unit_free.sum()))
    tie_scale = TIE_CAP * k_bound + 1
    source, sink, first_person, first_unit = 0, 1, 2, 2 + n_persons
    tails = np.concatenate([np.zeros(n_persons, np.int64), first_person + person_node, first_unit + np.arange(n_units)])
    heads = np.concatenate([first_person + np.arange(n_persons), first_unit + unit_node, np.ones(n_units, np.int64)])
    capacities = np.concatenate([np.ones(n_persons + n_arcs, np.int64), unit_free])
    costs = np.concatenate(
        [np.zeros(n_persons, np.int64), -(g.arc_score[idx] * tie_scale + g.arc_tie[idx]), np.zeros(n_units, np.int64)]
    )
    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), capacities, costs)
    flow.set_node_supply(source, k_bound)
    flow.set_node_supply(sink, -k_bound)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"Le calcul d'appariement a échoué (statut OR-Tools {status}).")
    chosen[idx] = flow.flows(np.arange(n_persons, n_persons + n_arcs, dtype=np.int32)) > 0


def solve(g: Graph) -> Result:
    chosen = np.zeros(g.n_arcs, bool)
    if g.n_arcs:
        groups = _zone_groups(g)
        order = np.argsort(groups, kind="stable")  # keeps the canonical arc order inside each group
        bounds = np.flatnonzero(np.diff(groups[order])) + 1
        for idx in np.split(order, bounds):
            _solve_part(g, idx, chosen)
    return Result(
        g,
        chosen,
        proposals=int(chosen.sum()),
        objective=int(g.arc_score[chosen].sum()),
        tie_total=int(g.arc_tie[chosen].sum()),
    )


def match(x: Instance) -> Result:
    return solve(build(x))
