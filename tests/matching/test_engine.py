"""The pure matching engine: hand-built optima, the reference on random instances, rules, scores, determinism."""

import math
import random

import numpy as np
import pytest

from relais.matching.compatibility import incompatibility
from relais.matching.engine import build, match
from relais.matching.instance import Instance, Request, Rules, Unit
from relais.matching.priority import priority_total
from relais.matching.reference import reference_solve
from relais.matching.scoring import priority_totals

from .factories import random_instance


def unit(id, site, free=1, **kw):
    return Unit(id=id, site_id=site, free=free, category=kw.pop("category", "500"),
                care_mode=kw.pop("care_mode", "permanent_accommodation"), **kw)  # fmt: skip


def req(id, person, site, **kw):
    return Request(id=id, person_id=person, site_id=site, **kw)


def test_maximum_number_of_persons_before_score_where_greedy_fails():
    # Greedy by score gives A to the urgent person 1 and leaves person 2 without anything.
    x = Instance.from_records(
        units=[unit(1, site=10), unit(2, site=20)],
        requests=[
            req(1, 1, 10, urgency=3, wish_rank=1),
            req(2, 1, 20, urgency=3, wish_rank=2),
            req(3, 2, 10, urgency=0, wish_rank=1),
        ],
    )
    result = match(x)
    assert result.pairs() == [(3, 1, 20), (2, 2, 110)]
    assert (result.proposals, result.objective) == (2, 130)
    ref = reference_solve(x)
    assert (ref.proposals, ref.objective) == (2, 130)


def test_best_total_score_at_equal_count_where_greedy_fails():
    # P1: A 52, B 42; P2: A 50, B 30. Greedy: 52 + 30 = 82; optimum: 42 + 50 = 92.
    x = Instance.from_records(
        units=[unit(1, site=10), unit(2, site=20)],
        requests=[
            req(1, 1, 10, urgency=1, days_waited=20, wish_rank=1),
            req(2, 1, 20, urgency=1, days_waited=20, wish_rank=2),
            req(3, 2, 10, urgency=1, wish_rank=1),
            req(4, 2, 20, urgency=1, wish_rank=4),
        ],
    )
    result = match(x)
    assert result.pairs() == [(3, 1, 50), (2, 2, 42)]
    assert result.objective == 92 == reference_solve(x).objective


def test_equal_scores_go_to_the_longest_wait():
    # 15 and 12 days both give 1 point: same score; the person who waited 15 days gets the only place.
    x = Instance.from_records(
        units=[unit(1, site=10)],
        requests=[req(1, 1, 10, days_waited=12), req(2, 2, 10, days_waited=15), req(3, 3, 10, days_waited=19)],
    )
    assert match(x).pairs() == [(3, 1, 21)]
    x = Instance.from_records(
        units=[unit(1, site=10)], requests=[req(1, 1, 10, days_waited=12), req(2, 2, 10, days_waited=15)]
    )
    assert match(x).pairs() == [(2, 1, 21)]


def test_free_places_and_one_proposal_per_person():
    x = Instance.from_records(
        units=[unit(1, site=10, free=2), unit(2, site=10, free=0), unit(3, site=20, free=3)],
        requests=[req(i, i, 10) for i in range(1, 5)] + [req(10 + i, i, 20, wish_rank=2) for i in range(1, 5)],
    )
    result = match(x)
    assert result.proposals == 4
    per_unit = {}
    for _request, unit_id, _score in result.pairs():
        per_unit[unit_id] = per_unit.get(unit_id, 0) + 1
    assert per_unit == {1: 2, 3: 2}
    persons = [x.r_person[list(x.r_id).index(r)] for r, _u, _s in result.pairs()]
    assert len(set(persons)) == len(persons)


@pytest.mark.parametrize("seed", range(120))
def test_engine_equals_reference_on_random_instances(seed):
    x = random_instance(seed, n_units=6 + seed % 9, n_persons=5 + seed % 17, virtual=seed % 3)
    result = match(x)
    ref = reference_solve(x)
    assert (result.proposals, result.objective, result.graph.n_arcs) == (ref.proposals, ref.objective, ref.pairs)
    # Feasible: capacities and one proposal per person.
    g = result.graph
    used = np.bincount(g.arc_unit[result.chosen], minlength=x.n_units)
    assert (used <= x.u_free).all()
    assert len(set(g.arc_person[result.chosen].tolist())) == result.proposals


def test_vectorised_rules_equal_the_scalar_rules():
    for seed in range(40):
        x = random_instance(seed)
        g = build(x)
        arcs = set(zip(g.arc_req.tolist(), g.arc_unit.tolist(), strict=True))
        for i in range(x.n_requests):
            request = x.request_record(i)
            for j in range(x.n_units):
                expected = incompatibility(request, x.unit_record(j), x.rules) is None
                assert ((i, j) in arcs) is expected, (seed, i, j)


def test_vectorised_scores_equal_priority_total():
    rng = random.Random(7)
    distances = [None, 0.0, 10.0, 10.000001, 14.999999, 15.0, 20.0, 109.9, 200.0, 1e4]
    distances += [rng.uniform(0, 150) for _ in range(3000)]
    n = len(distances)
    urgency = np.array([rng.randint(0, 3) for _ in range(n)])
    days = np.array([rng.choice([0, 9, 10, 599, 600, 601, rng.randint(0, 3000)]) for _ in range(n)])
    rank = np.array([rng.randint(0, 7) for _ in range(n)])
    distance = np.array([math.nan if d is None else d for d in distances])
    totals = priority_totals(urgency, days, rank, distance)
    for k in range(n):
        expected = priority_total(
            urgency=int(urgency[k]), days_waited=int(days[k]), wish_rank=int(rank[k]), distance_km=distances[k]
        )
        assert totals[k] == expected


def test_same_proposals_whatever_the_input_order():
    for seed in range(15):
        x = random_instance(seed, n_units=12, n_persons=30)
        units = [x.unit_record(j) for j in range(x.n_units)]
        requests = [x.request_record(i) for i in range(x.n_requests)]
        expected = match(x).pairs()
        for shuffle_seed in range(3):
            rng = random.Random(shuffle_seed)
            rng.shuffle(units)
            rng.shuffle(requests)
            shuffled = Instance.from_records(units=units, requests=requests, rules=x.rules)
            assert match(shuffled).pairs() == expected
        assert match(x).pairs() == expected  # and twice the same


def test_distance_limit_and_home_services():
    # Person in Quimper; unit sites in Brest (≈ 52 km) and Rennes (≈ 180 km).
    person = {"latitude": 47.996, "longitude": -4.102}
    x = Instance.from_records(
        units=[
            unit(1, site=10, latitude=48.390, longitude=-4.486),
            unit(2, site=20, latitude=48.111, longitude=-1.680),
            unit(3, site=30, latitude=48.390, longitude=-4.486, care_mode="home_services"),
        ],
        requests=[req(1, 1, 10, **person), req(2, 1, 20, wish_rank=2, **person), req(3, 1, 30, wish_rank=3, **person)],
        rules=Rules(max_km=100, home_services_km=30),
    )
    g = build(x)
    assert g.arc_unit.tolist() == [0]
    assert 50 < g.arc_distance[0] < 55
    assert g.arc_score.tolist() == [20 - 8]  # first wish, about 52 km: −8
    assert incompatibility(x.request_record(1), x.unit_record(1), x.rules) == "distance"
    assert incompatibility(x.request_record(2), x.unit_record(2), x.rules) == "distance"


def test_invalid_input_is_refused_in_french():
    with pytest.raises(ValueError, match="urgence 5"):
        Instance.from_records(units=[], requests=[req(1, 1, 10, urgency=5)])
    with pytest.raises(ValueError, match="places libres négatif"):
        Instance.from_records(units=[unit(1, site=10, free=-1)], requests=[])
    with pytest.raises(ValueError, match="en double"):
        Instance.from_records(units=[unit(1, site=10), unit(1, site=11)], requests=[])
