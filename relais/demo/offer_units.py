"""Units of a demo site: care modes and publics from its category, capacities, their age and history.

About one unit in five has free places (available > 0); occupied = installed − available. Figures
were updated over the last 60 days: most within their site's update frequency, about a quarter
later (stale). One open unit in ten has a short history of capacity updates ending at its current
figure. Home services serve an eligibility zone: the nearest communes of their own.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

from relais.offer.codes import CapacityStatus, CareMode

from .offer_profiles import EXTRA_CATEGORIES, UNITS

FREE_SHARE, CLOSED_UNIT_SHARE, HISTORY_SHARE, FRESH_SHARE = 0.2, 0.02, 0.1, 0.72
MAX_AGE_DAYS = 60
ZONE_SIZE = (5, 25)
CELL = 0.1  # degrees: the grid that finds neighbouring communes
PRICED = {"500": (CareMode.PERMANENT_ACCOMMODATION, CareMode.TEMPORARY_ACCOMMODATION)}
UPDATED_BY = "Équipe de l'établissement (démo)"


class _Neighbours:
    """The nearest communes of a commune (same département), from a coarse grid; cached per commune."""

    def __init__(self, communes):
        self.grid: dict[tuple[int, int], list] = {}
        for commune in communes:
            self.grid.setdefault(self._cell(commune.latitude, commune.longitude), []).append(commune)
        self.cache: dict[str, list[str]] = {}

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / CELL), math.floor(lon / CELL)

    def nearest(self, commune, k: int) -> list[str]:
        if commune.code not in self.cache:
            row, col = self._cell(commune.latitude, commune.longitude)
            around = [c for dr in (-1, 0, 1) for dc in (-1, 0, 1) for c in self.grid.get((row + dr, col + dc), [])]
            scale = math.cos(math.radians(commune.latitude))

            def d2(c) -> float:
                return (c.latitude - commune.latitude) ** 2 + ((c.longitude - commune.longitude) * scale) ** 2

            around.sort(key=lambda c: (d2(c), c.code))
            self.cache[commune.code] = [c.code for c in around[: ZONE_SIZE[1]]]
        return self.cache[commune.code][:k]


class UnitMaker:
    def __init__(self, rng, communes, now: datetime):
        self.rng, self.now = rng, now.replace(microsecond=0)
        self.neighbours = _Neighbours(communes)

    def for_site(self, category: str, commune, *, open_site: bool, days: int) -> list[dict]:
        rng = self.rng
        templates = UNITS.get(category, ())
        always_first = category not in EXTRA_CATEGORIES  # medico-social: at least its main unit
        # The site's figures are updated together, more or less; a quarter of the sites are late.
        if rng.random() < FRESH_SHARE or days >= MAX_AGE_DAYS:
            age = rng.uniform(0, min(days, MAX_AGE_DAYS))
        else:
            age = rng.uniform(days, MAX_AGE_DAYS)
        units = []
        for i, template in enumerate(templates):
            if not (i == 0 and always_first) and rng.random() >= template.probability:
                continue
            unit_age = min(MAX_AGE_DAYS, age + rng.uniform(0, 0.5))
            units.append(self._unit(category, template, commune, open_site, unit_age))
        return units

    def _unit(self, category, template, commune, open_site: bool, age_days: float) -> dict:
        rng = self.rng
        installed = rng.randint(*template.places)
        is_open = open_site and rng.random() >= CLOSED_UNIT_SHARE
        available = rng.randint(1, max(1, installed // 5)) if is_open and rng.random() < FREE_SHARE else 0
        deficiencies = []
        if template.deficiencies:
            k = rng.randint(1, min(3, len(template.deficiencies)))
            chosen = set(rng.sample(template.deficiencies, k))
            deficiencies = [d for d in template.deficiencies if d in chosen]
        zone = []
        if template.care_mode == CareMode.HOME_SERVICES:
            zone = self.neighbours.nearest(commune, rng.randint(*ZONE_SIZE))
        price = None
        if template.care_mode in PRICED.get(category, ()):
            price = Decimal(rng.randint(5800, 11000)) / 100
        updated_at = self.now - timedelta(seconds=int(age_days * 86400))
        return {
            "name": template.name,
            "activity": template.activity,
            "care_mode": template.care_mode,
            "age_min": template.ages[0],
            "age_max": template.ages[1],
            "gir_min": template.gir[0] if template.gir else None,
            "gir_max": template.gir[1] if template.gir else None,
            "alzheimer_unit": template.alzheimer,
            "organisation_category": template.organisation_category,
            "deficiencies": deficiencies,
            "eligibility_zone": zone,
            "daily_price": price,
            "is_open": is_open,
            "authorised": installed + (rng.randint(1, 5) if rng.random() < 0.15 else 0),
            "installed": installed,
            "available": available,
            "occupied": installed - available,
            "capacity_updated_at": updated_at,
            "capacity_updated_by": UPDATED_BY,
            "history": self._history(installed, available, updated_at) if is_open else [],
        }

    def _history(self, installed: int, available: int, last: datetime) -> list[dict]:
        """A few "available" updates ending at the current figure, each a few days before the next."""
        rng = self.rng
        if rng.random() >= HISTORY_SHARE:
            return []
        values = [available]
        for _ in range(rng.randint(1, 3)):
            values.append(rng.randint(0, min(installed, values[-1] + 3)))
        values.reverse()  # oldest first
        times = [last]
        for _ in values[1:]:
            times.append(times[-1] - timedelta(days=rng.uniform(1, 10)))
        times.reverse()
        previous = [None, *values[:-1]]
        return [
            {"status": CapacityStatus.AVAILABLE, "value": v, "previous_value": p, "at": t, "by_label": UPDATED_BY}
            for v, p, t in zip(values, previous, times, strict=True)
        ]
