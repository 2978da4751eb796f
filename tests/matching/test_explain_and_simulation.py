"""Explanations of the proposals, the simulation of added places, and the package's independence from Django."""

import subprocess
import sys
from pathlib import Path

import pytest

from relais.matching.engine import match
from relais.matching.explain import explain
from relais.matching.instance import Instance, Request, Unit
from relais.matching.simulation import Addition, simulate

from .factories import random_instance

ROOT = Path(__file__).resolve().parents[2]


def unit(id, site, free=1, **kw):
    return Unit(id=id, site_id=site, free=free, category=kw.pop("category", "500"),
                care_mode=kw.pop("care_mode", "permanent_accommodation"), **kw)  # fmt: skip


def req(id, person, site, **kw):
    return Request(id=id, person_id=person, site_id=site, **kw)


@pytest.fixture
def small():
    # Unit 1 (site 10, 1 place), unit 2 (site 20, 1 place). Person 1 (urgent) wishes both, person 2 only site 10,
    # person 3 only site 10 with a lower score, person 4 is too young for every unit.
    return Instance.from_records(
        units=[unit(1, site=10, age_min=60), unit(2, site=20, age_min=60)],
        requests=[
            req(1, 1, 10, urgency=3, wish_rank=1),
            req(2, 1, 20, urgency=3, wish_rank=2),
            req(3, 2, 10, urgency=1, wish_rank=1, days_waited=100),
            req(4, 3, 10, urgency=0, wish_rank=1),
            req(5, 4, 10, urgency=2, wish_rank=1, age=30),
        ],
    )


def test_each_proposal_carries_its_score_parts(small):
    explanation = explain(match(small))
    by_request = {p["request_id"]: p for p in explanation.proposals}
    assert set(by_request) == {2, 3}
    parts = {part["key"]: part["points"] for part in by_request[3]["score"]["parts"]}
    assert parts == {"urgency": 30, "waited": 10, "wish": 20, "distance": 0}
    assert by_request[3]["score"]["total"] == 60
    labels = [part["label"] for part in by_request[2]["score"]["parts"]]
    assert labels[0] == "Urgence : situation critique" and labels[2] == "Souhait n° 2 de la personne"


def test_why_other_persons_were_not_proposed(small):
    explanation = explain(match(small))
    unit1 = explanation.units[1]
    assert unit1["proposed"] == [3] and unit1["last_score"] == 60
    others = {row["request_id"]: row for row in unit1["others"]}
    assert set(others) == {1, 4}  # person 4 is not compatible: not listed among the others
    assert others[1]["reason"] == "elsewhere" and "unité 2" in others[1]["label"]
    assert "sans proposition" in others[1]["label"]  # proposed elsewhere with a lower score (110 < 120)
    assert others[4]["reason"] == "lower_score" and "inférieur" in others[4]["label"]
    stored = explanation.for_proposal(next(p for p in explanation.proposals if p["request_id"] == 3))
    assert stored["unit"]["others_count"] == 2


def test_why_persons_got_nothing(small):
    persons = explain(match(small)).persons
    assert persons[3]["reason"] == "outranked"
    assert persons[3]["units"] == [{"unit_id": 1, "score": 20, "taken": 1}]
    assert persons[4]["reason"] == "no_compatible_unit"
    assert persons[4]["wishes"] == [
        {"request_id": 5, "site_id": 10, "reasons": ["âge hors de la tranche d'âge de l'unité"]}
    ]
    assert 1 not in persons and 2 not in persons


def test_ties_are_explained():
    x = Instance.from_records(
        units=[unit(1, site=10)], requests=[req(1, 1, 10, days_waited=12), req(2, 2, 10, days_waited=15)]
    )
    row = explain(match(x)).units[1]["others"][0]
    assert row["request_id"] == 1 and row["reason"] == "tie" and "attente plus courte" in row["label"]


def test_simulation_counts_the_persons_who_find_a_solution():
    x = Instance.from_records(
        units=[unit(1, site=10, zone="29")],
        requests=[req(i, i, 10, zone="29", site_category="500", days_waited=10 * i) for i in range(1, 5)]
        + [req(9, 9, 99, zone="56", site_category="500")]
        + [req(8, 8, 98, zone="29", site_category="183")],
    )
    two = simulate(x, [Addition(category="500", places=2, zone="29")])
    assert (two.before, two.after, two.gained, two.on_new_places) == (1, 3, 2, 2)
    assert len(two.persons_gained) == 2
    many = simulate(x, [Addition(category="500", places=10, zone="29")])
    assert many.gained == 3  # only three more persons of zone 29 seek an EHPAD
    anywhere = simulate(x, [Addition(category="500", places=10)])
    assert anywhere.gained == 4
    assert simulate(x, [Addition(category="255", places=5, zone="29")]).gained == 0  # nobody seeks a MAS
    assert simulate(x, [Addition(category="500", places=2, zone="29")]) == two  # deterministic
    with pytest.raises(ValueError, match="positif"):
        simulate(x, [Addition(category="500", places=0)])


def test_simulation_on_random_instances_never_loses_persons():
    for seed in range(20):
        x = random_instance(seed, n_persons=20)
        result = simulate(x, [Addition(category="500", places=3, zone="29"), Addition(category="183", places=2)])
        assert result.gained >= 0 and result.after == result.before + result.gained
        assert result.on_new_places <= 5


def test_the_matching_package_does_not_import_django():
    modules = sorted(p.stem for p in (ROOT / "relais" / "matching").glob("*.py") if p.stem != "__init__")
    code = (
        "import sys\n"
        + "".join(f"import relais.matching.{m}\n" for m in modules)
        + "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        + "assert not bad, bad\nprint(len(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert {"engine", "reference", "explain", "simulation", "compatibility", "priority"} <= set(modules)


def test_optimality_leaves_only_three_reasons_on_random_instances():
    # An unproposed person scoring above the last person proposed in a unit would contradict the optimum.
    for seed in range(60):
        explanation = explain(match(random_instance(seed, n_persons=25)), max_others=1000)
        for unit in explanation.units.values():
            for other in unit["others"]:
                assert other["reason"] in {"elsewhere", "lower_score", "tie"}, (seed, other)
                if other["reason"] != "elsewhere":
                    assert other["score"] <= unit["last_score"]
        for person in explanation.persons.values():
            assert person["reason"] in {"no_compatible_unit", "outranked"}
            if person["reason"] == "outranked":
                assert all(u["taken"] > 0 for u in person["units"])
