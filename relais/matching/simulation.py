"""What if: "with N more places of category C (and care type T) in zone Z, how many more persons find a solution?"

Each addition becomes a virtual unit (no site, no coordinates: distance unknown, 0 points; open age, public and
GIR ranges) with N free places. The wish rule cannot hold for a place nobody could ask for, so a virtual place is
open to every person of its zone (département; empty: anywhere) who seeks its category, oriented to it or asking a
site of that category (``compatibility`` rule 1). The instance is solved before and after with the same engine; the
gain is the difference in the number of persons with a proposal (never negative: more places never reduce a
maximum matching). Deterministic like the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engine import match
from .instance import Instance, Unit

VIRTUAL_ID_START = -1  # virtual units get negative ids, never colliding with real ones


@dataclass(frozen=True)
class Addition:
    category: str
    places: int
    zone: str = ""
    care_mode: str = ""  # empty: any type of care the person accepts


@dataclass(frozen=True)
class SimulationResult:
    before: int  # persons with a proposal today
    after: int  # with the added places
    gained: int
    on_new_places: int  # proposals on the added places (some persons move there, freeing places for others)
    persons_gained: tuple[int, ...]  # person ids (callers decide whether they may be shown)


def simulate(instance: Instance, additions: list[Addition]) -> SimulationResult:
    for addition in additions:
        if addition.places <= 0:
            raise ValueError(f"Nombre de places à ajouter invalide ({addition.places}) : il doit être positif.")
    virtual = [
        Unit(
            id=VIRTUAL_ID_START - i,
            site_id=VIRTUAL_ID_START - i,
            free=a.places,
            category=a.category,
            care_mode=a.care_mode,
            zone=a.zone,
            virtual=True,
        )
        for i, a in enumerate(additions)
    ]
    before = match(instance)
    after = match(instance.with_units(virtual))
    persons_before = _persons(before)
    persons_after = _persons(after)
    g = after.graph
    on_new = int(np.count_nonzero(after.chosen & g.instance.u_virtual[g.arc_unit]))
    return SimulationResult(
        before=before.proposals,
        after=after.proposals,
        gained=after.proposals - before.proposals,
        on_new_places=on_new,
        persons_gained=tuple(sorted(persons_after - persons_before)),
    )


def _persons(result) -> set[int]:
    g = result.graph
    return set(g.persons[g.arc_person[result.chosen]].tolist())
