"""Seeded random small instances for the engine tests (synthetic persons and units only)."""

import random

from relais.matching.instance import Instance, Request, Rules, Unit

CATEGORIES = ("500", "183", "246", "449")
MODES = ("permanent_accommodation", "day_care", "home_services", "internat")
PUBLICS = ("intellectual", "autism", "motor", "psychic")


def random_instance(seed: int, *, n_units=8, n_persons=12, n_sites=5, virtual=0) -> Instance:
    rng = random.Random(seed)
    site_category = {s: rng.choice(CATEGORIES) for s in range(1, n_sites + 1)}
    site_point = {s: (48 + rng.random(), -3 + rng.random() * 1.5) for s in site_category}
    units = []
    for j in range(1, n_units + 1):
        site = rng.randint(1, n_sites)
        age_min = rng.choice([None, 0, 18, 60])
        units.append(
            Unit(
                id=100 + j,
                site_id=site,
                free=rng.choice([0, 1, 1, 2, 3]),
                category=site_category[site],
                care_mode=rng.choice(MODES),
                age_min=age_min,
                age_max=rng.choice([None, 20, 62]) if age_min in (None, 0, 18) else None,
                deficiencies=frozenset(rng.sample(PUBLICS, rng.randint(0, 2))),
                gir_min=rng.choice([None, 1, 3]),
                gir_max=rng.choice([None, 4, 6]),
                latitude=site_point[site][0],
                longitude=site_point[site][1],
                zone=rng.choice(["29", "56"]),
            )
        )
    for v in range(virtual):
        units.append(
            Unit(
                id=900 + v,
                site_id=-1,
                free=rng.randint(1, 3),
                category=rng.choice(CATEGORIES),
                care_mode="",
                zone=rng.choice(["", "29", "56"]),
                virtual=True,
            )
        )
    requests, rid = [], 1000
    for p in range(1, n_persons + 1):
        sites = rng.sample(sorted(site_category), rng.randint(1, min(3, n_sites)))
        known = rng.random() < 0.85
        person = {
            "urgency": rng.randint(0, 3),
            "latitude": 48 + rng.random() if known else None,
            "longitude": -3 + rng.random() * 1.5 if known else None,
            "age": rng.choice([None, 10, 30, 45, 70, 85]),
            "gir": rng.choice([None, 1, 2, 4, 6]),
            "deficiencies": frozenset(rng.sample(PUBLICS, rng.randint(0, 2))),
            "categories": frozenset(rng.sample(CATEGORIES, rng.randint(0, 3))),
            "care_modes": frozenset(rng.sample(MODES, rng.randint(0, 3))),
            "zone": rng.choice(["29", "56"]),
        }
        for rank, site in enumerate(sites, start=1):
            rid += 1
            requests.append(
                Request(
                    id=rid,
                    person_id=p,
                    site_id=site,
                    site_category=site_category[site],
                    days_waited=rng.randint(0, 700),
                    wish_rank=rank,
                    **person,
                )
            )
    rules = Rules(max_km=rng.choice([None, 60.0, 100.0]), home_services_km=30.0)
    return Instance.from_records(units=units, requests=requests, rules=rules)
