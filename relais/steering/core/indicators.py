"""Indicator definitions: each indicator of the dashboard is named once here, with its formula (pure Python).

The interface the rest of Relais relies on (engine, screens, campaign, exports):

- `INDICATORS`: code → `Indicator`, in the dashboard's order (axis, then rank);
- `Indicator.compute(values)` takes the data items' values of one ESMS for one period (code → number, a missing or
  None value meaning "not known") and returns an `Outcome`: the value (None when an item is missing or a denominator
  is 0), the items that were missing, and the inputs used, so that a screen can say how the figure was computed.

Formulas take plain numbers and return a plain number in the indicator's unit (a rate as a percentage, 0–100).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .items import ITEMS

Values = Mapping[str, float | None]


@dataclass(frozen=True)
class Outcome:
    value: float | None
    missing: tuple[str, ...] = ()
    inputs: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    code: str
    axis: int  # 1 prestations, 2 ressources humaines, 3 finances, 4 objectifs
    label: str
    unit: str  # as shown: "%", "jours", "personnes", "points"…
    numerator: str  # French, as shown beside the figure
    denominator: str
    items: tuple[str, ...]  # every data item the formula reads
    formula: Callable[[Mapping[str, float]], float | None]
    source: str  # where the formula comes from (guide, Helios file…)
    confirmed: bool  # False: formula from secondary sources, to check against the official guide
    categories: frozenset[str] | None = None  # FINESS category codes concerned; None: all
    excluded_categories: frozenset[str] = frozenset()
    monthly: bool = False  # also computed per month

    def __post_init__(self):
        unknown = [code for code in self.items if code not in ITEMS]
        assert not unknown, f"{self.code}: unknown data items {unknown}"

    def concerns(self, category: str) -> bool:
        if category in self.excluded_categories:
            return False
        return self.categories is None or category in self.categories

    def compute(self, values: Values) -> Outcome:
        missing = tuple(code for code in self.items if values.get(code) is None)
        if missing:
            return Outcome(None, missing)
        inputs = {code: float(values[code]) for code in self.items}
        return Outcome(self.formula(inputs), (), inputs)


def ratio(numerator: float, denominator: float, scale: float = 100.0) -> float | None:
    """numerator / denominator × scale, or None when the denominator is 0 (the figure is then not computed)."""
    return None if not denominator else numerator / denominator * scale


CAMSP_CMPP = frozenset({"189", "190"})

_DEFINITIONS = (
    Indicator(
        code="occupancy_rate",
        axis=1,
        label="Taux d'occupation des lits ou places financés",
        unit="%",
        numerator="Journées réalisées",
        denominator="Places financées × jours d'ouverture",
        items=("days_realised", "places_financed", "opening_days"),
        formula=lambda v: ratio(v["days_realised"], v["places_financed"] * v["opening_days"]),
        source="ANAP, tableau de bord de la performance (Grand Est 2016); Helios ContenuTauxOccupationESMS.tsx",
        confirmed=False,
        excluded_categories=CAMSP_CMPP,
        monthly=True,
    ),
    Indicator(
        code="average_stay_days",
        axis=1,
        label="Durée moyenne de séjour / d'accompagnement des personnes sorties définitivement",
        unit="jours",
        numerator="Somme des durées d'accompagnement des sorties définitives (hors HT et AJ)",
        denominator="Sorties définitives de l'année (hors HT et AJ)",
        items=("stay_days_final_exits_long_stays", "final_exits_long_stays"),
        formula=lambda v: ratio(v["stay_days_final_exits_long_stays"], v["final_exits_long_stays"], 1.0),
        source="Helios ContenuDuréeMoyenneSéjourAccompagnementPersonnesSorties.tsx (texte du TDB)",
        confirmed=True,
    ),
)

INDICATORS: dict[str, Indicator] = {indicator.code: indicator for indicator in _DEFINITIONS}
assert len(INDICATORS) == len(_DEFINITIONS), "an indicator code is defined twice"
