"""Seeded synthetic matching instances, département or national scale, for the matching benchmark and tests.

Built from the demo generator's offer profiles (``offer_profiles.UNITS`` and ``CATEGORIES``): the share of sites
per category, the units of each category (care mode, ages, GIR range, publics, installed places). No database:
the geography is a grid of square départements (about 95 km a side) over mainland France, each with a few
hundred communes whose populations follow a heavy tail; sites and persons live in communes picked by population.

An instance holds the units with free places (one to a twentieth of the installed places: places are scarce) and
the open requests. Each synthetic person seeks one category (drawn by the category's share of sites), takes their
age, GIR and publics from its units, accepts most of its care modes, and asks one to five sites of that category
among the nearest of their département (their wishes, ranked). Urgency and days waited follow skewed
distributions. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from relais.matching.instance import Instance, Request, Rules, Unit

from .offer_profiles import CATEGORIES, EXTRA_CATEGORIES, UNITS

# Mainland France, roughly; départements are cells of this grid.
LAT0, LON0, CELL_LAT, CELL_LON = 42.6, -4.4, 0.85, 1.25
COMMUNES_PER_DEPARTEMENT = 350
URGENCY_WEIGHTS = (55, 28, 13, 4)
MEAN_DAYS_WAITED = 220
NEAREST = 8  # a person picks their wishes among the nearest sites of their category
# Accommodation is described in the ROR as elementary units: large ones come as wings of about 24 places.
WING_PLACES = 24
WINGED = frozenset({"permanent_accommodation", "internat"})


@dataclass(frozen=True)
class Scale:
    departements: int
    units: int  # units with free places, about
    requests: int  # open requests (person × site)


DEPARTEMENT = Scale(departements=1, units=2_000, requests=20_000)
NATIONAL = Scale(departements=96, units=40_000, requests=400_000)
MATCHING_CATEGORIES = tuple(c for c in UNITS if c not in EXTRA_CATEGORIES)


def _zone(i: int) -> tuple[str, float, float]:
    row, col = divmod(i, 10)
    return f"{i + 1:02d}", LAT0 + row * CELL_LAT, LON0 + col * CELL_LON


def _communes(rng: random.Random, lat: float, lon: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = COMMUNES_PER_DEPARTEMENT
    lats = np.array([lat + rng.random() * CELL_LAT for _ in range(n)])
    lons = np.array([lon + rng.random() * CELL_LON for _ in range(n)])
    weights = np.array([rng.paretovariate(1.2) for _ in range(n)])
    return lats, lons, np.cumsum(weights) / weights.sum()


def _pick(rng: random.Random, cumulative: np.ndarray) -> int:
    return min(int(np.searchsorted(cumulative, rng.random())), len(cumulative) - 1)


class _Builder:
    def __init__(self, seed: int, scale: Scale):
        self.rng = random.Random(seed)
        self.scale = scale
        shares = [CATEGORIES[c][1] for c in MATCHING_CATEGORIES]
        self.category_cumulative = np.cumsum(shares) / sum(shares)
        self.units: list[Unit] = []
        self.requests: list[Request] = []
        # per (zone, category): site ids, latitudes, longitudes; per site: its units' templates
        self.sites: dict[tuple[str, str], list[tuple[int, float, float]]] = {}

    def category(self) -> str:
        return MATCHING_CATEGORIES[_pick(self.rng, self.category_cumulative)]

    def build(self) -> Instance:
        scale, rng = self.scale, self.rng
        site_id = unit_id = request_id = person_id = 0
        for z in range(scale.departements):
            zone, lat, lon = _zone(z)
            lats, lons, cumulative = _communes(rng, lat, lon)
            self.zone_start = len(self.units)
            target = scale.units * (z + 1) // scale.departements
            while len(self.units) < target:
                site_id += 1
                category = self.category()
                c = _pick(rng, cumulative)
                slat, slon = lats[c] + rng.gauss(0, 0.005), lons[c] + rng.gauss(0, 0.005)
                self.sites.setdefault((zone, category), []).append((site_id, slat, slon))
                for i, template in enumerate(UNITS[category]):
                    if i and rng.random() >= template.probability:
                        continue
                    installed = rng.randint(*template.places)
                    wings = math.ceil(installed / WING_PLACES) if template.care_mode in WINGED else 1
                    publics = template.deficiencies
                    chosen = frozenset(rng.sample(publics, rng.randint(1, min(3, len(publics))))) if publics else None
                    for _wing in range(wings):
                        unit_id += 1
                        places = installed // wings
                        self.units.append(
                            Unit(
                                id=unit_id,
                                site_id=site_id,
                                free=rng.randint(1, max(1, places // 10)),
                                category=category,
                                care_mode=template.care_mode,
                                age_min=template.ages[0],
                                age_max=template.ages[1],
                                deficiencies=chosen or frozenset(),
                                gir_min=template.gir[0] if template.gir else None,
                                gir_max=template.gir[1] if template.gir else None,
                                latitude=slat,
                                longitude=slon,
                                zone=zone,
                            )
                        )
            target = scale.requests * (z + 1) // scale.departements
            while len(self.requests) < target:
                person_id += 1
                request_id = self._person(person_id, request_id, zone, lats, lons, cumulative, target)
        return Instance.from_records(units=self.units, requests=self.requests, rules=Rules())

    def _person(self, person_id, request_id, zone, lats, lons, cumulative, target) -> int:
        rng = self.rng
        # Demand follows capacity: the category of a random unit of the département.
        category = self.units[rng.randrange(self.zone_start, len(self.units))].category
        sites = self.sites.get((zone, category))
        if not sites:
            return request_id
        templates = UNITS[category]
        main = templates[0]
        low, high = main.ages
        age = rng.randint(low if low is not None else 0, min(high if high is not None else 100, 100))
        gir = rng.randint(*main.gir) if main.gir else None
        pool = sorted({d for t in templates for d in t.deficiencies})
        publics = frozenset(rng.sample(pool, rng.randint(1, min(2, len(pool))))) if pool else frozenset()
        modes = frozenset([main.care_mode] + [t.care_mode for t in templates[1:] if rng.random() < 0.8])
        c = _pick(rng, cumulative)
        plat, plon = float(lats[c]), float(lons[c])
        scale = math.cos(math.radians(plat))
        nearest = sorted(sites, key=lambda s: ((s[1] - plat) ** 2 + ((s[2] - plon) * scale) ** 2, s[0]))[:NEAREST]
        wishes = rng.sample(nearest, min(len(nearest), rng.randint(1, 5), target - len(self.requests)))
        urgency = rng.choices(range(4), URGENCY_WEIGHTS)[0]
        for rank, (site, _lat, _lon) in enumerate(wishes, start=1):
            request_id += 1
            self.requests.append(
                Request(
                    id=request_id,
                    person_id=person_id,
                    site_id=site,
                    site_category=category,
                    urgency=urgency,
                    days_waited=min(int(rng.expovariate(1 / MEAN_DAYS_WAITED)), 2000),
                    wish_rank=rank,
                    latitude=plat,
                    longitude=plon,
                    age=age,
                    gir=gir,
                    deficiencies=publics,
                    categories=frozenset({category}),
                    care_modes=modes,
                    zone=zone,
                )
            )
        return request_id


def instance_generate(*, seed: int = 1, scale: Scale = DEPARTEMENT) -> Instance:
    """A deterministic synthetic instance of the given scale."""
    return _Builder(seed, scale).build()
