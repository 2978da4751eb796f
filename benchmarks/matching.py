"""Benchmark of the matching engine on synthetic instances (not a timed test).

    python benchmarks/matching.py [--seed 1] [--skip-reference]

Generates, in memory and without a database, a département instance (20,000 open requests, 2,000 units with free
places) and a national one (400,000 open requests, about 1.2 to 1.4 million compatible pairs) with
relais/demo/orientation_instance.py, from the demo generator's offer profiles. For each: ``build_s`` is building the
solver graph from the instance (wished pairs, compatibility, distances, priority scores), ``solve_s`` the min-cost
flow; then the reference (relais/matching/reference.py: scalar rules, ``priority_total`` per pair, two-phase LP with
HiGHS) solves the same instance independently. Progress goes to stderr; the last line printed is one JSON object
``{"departement": {...}, "national": {...}, "machine": {...}}`` with build_s, solve_s, proposals, objective,
reference_objective (and pairs, persons, reference_proposals, reference_s). Targets: build + solve ≤ 1 s for the
département, ≤ 10 s for the national instance.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parent.parent
TARGETS_S = {"departement": 1.0, "national": 10.0}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(name: str, scale, seed: int, reference: bool) -> dict:
    from relais.demo.orientation_instance import instance_generate
    from relais.matching.engine import build, solve
    from relais.matching.reference import reference_solve

    log(f"[{name}] generating the instance (seed {seed})…")
    started = time.perf_counter()
    instance = instance_generate(seed=seed, scale=scale)
    log(f"[{name}] {instance.n_requests} requests, {instance.n_units} units in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    graph = build(instance)
    build_s = time.perf_counter() - started
    log(f"[{name}] graph: {graph.n_arcs} compatible pairs, {len(graph.persons)} persons in {build_s:.2f} s")
    started = time.perf_counter()
    result = solve(graph)
    solve_s = time.perf_counter() - started
    log(f"[{name}] solved in {solve_s:.2f} s: {result.proposals} proposals, objective {result.objective}")
    figures = {
        "build_s": round(build_s, 3),
        "solve_s": round(solve_s, 3),
        "proposals": result.proposals,
        "objective": result.objective,
        "reference_objective": None,
        "requests": instance.n_requests,
        "units": instance.n_units,
        "persons": len(set(instance.r_person.tolist())),
        "free_places": int(instance.u_free.sum()),
        "pairs": graph.n_arcs,
        "target_s": TARGETS_S[name],
        "meets_target": build_s + solve_s <= TARGETS_S[name],
    }
    if reference:
        log(f"[{name}] reference (scalar rules + LP)…")
        started = time.perf_counter()
        ref = reference_solve(instance)
        figures.update(
            reference_objective=ref.objective,
            reference_proposals=ref.proposals,
            reference_pairs=ref.pairs,
            reference_s=round(time.perf_counter() - started, 1),
            equal=(ref.objective, ref.proposals, ref.pairs) == (result.objective, result.proposals, graph.n_arcs),
        )
        log(f"[{name}] reference: {ref.proposals} proposals, objective {ref.objective} ({figures['reference_s']} s)")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from relais.demo.orientation_instance import DEPARTEMENT, NATIONAL

    out = {
        "departement": run("departement", DEPARTEMENT, args.seed, not args.skip_reference),
        "national": run("national", NATIONAL, args.seed, not args.skip_reference),
        "machine": machine(),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
