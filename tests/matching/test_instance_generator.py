"""The seeded instance generator of the benchmark, on small scales."""

import numpy as np

from relais.demo.offer_profiles import UNITS
from relais.demo.orientation_instance import Scale, instance_generate
from relais.matching.engine import match
from relais.matching.reference import reference_solve

SMALL = Scale(departements=2, units=120, requests=900)


def test_same_seed_same_instance_and_another_seed_differs():
    a, b, c = (instance_generate(seed=s, scale=SMALL) for s in (3, 3, 4))
    for name in ("u_id", "u_site", "u_free", "r_person", "r_site", "r_days", "r_urgency", "r_lat"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True)
    assert not np.array_equal(a.r_site, c.r_site)


def test_sizes_and_offer_profiles():
    x = instance_generate(seed=1, scale=SMALL)
    assert x.n_units == SMALL.units and x.n_requests == SMALL.requests
    assert (x.u_free >= 1).all()
    assert set(x.categories.codes) <= set(UNITS)
    assert set(x.zones.codes) == {"01", "02"}


def test_engine_equals_reference_on_a_generated_instance():
    x = instance_generate(seed=2, scale=SMALL)
    result = match(x)
    ref = reference_solve(x)
    assert (result.proposals, result.objective, result.graph.n_arcs) == (ref.proposals, ref.objective, ref.pairs)
    assert result.proposals > 0
