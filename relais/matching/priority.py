"""The priority score of an admission request: one explicit formula, its parts shown to every user.

Pure Python (no Django): the ESMS waiting list shows it and the matching engine maximises it. Integer points so
that the min-cost flow works on exact costs. The weights are a decision of Relais, documented in
docs/decisions/0016-priority-and-matching.md; changing them is changing this file (and its tests).

score = urgency + time waited + wish rank + distance (the last one is 0 or negative)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Points for the urgency level of the admission file (0 none, 1 to watch, 2 urgent, 3 critical).
URGENCY_POINTS = (0, 30, 60, 100)
# One point per full 10 days waited since the request was sent, up to 60 points (600 days).
DAYS_PER_POINT = 10
WAIT_CAP = 60
# The person's own ranking of the ESMS: their first wish weighs more.
WISH_POINTS = {1: 20, 2: 10, 3: 5}
# Distance from the person's commune to the site: free up to 10 km, then −1 point per 5 km, down to −20.
FREE_KM = 10.0
KM_PER_POINT = 5.0
DISTANCE_CAP = 20

URGENCY_LABELS = (
    "pas d'urgence particulière",
    "situation à surveiller",
    "situation urgente",
    "situation critique",
)


@dataclass(frozen=True)
class ScorePart:
    key: str  # urgency | waited | wish | distance
    label: str  # French, for the user
    points: int


@dataclass(frozen=True)
class PriorityScore:
    parts: tuple[ScorePart, ...]

    @property
    def total(self) -> int:
        return sum(part.points for part in self.parts)

    def as_dict(self) -> dict:
        parts = [{"key": p.key, "label": p.label, "points": p.points} for p in self.parts]
        return {"total": self.total, "parts": parts}


def days_waited(sent_on: date, today: date) -> int:
    """Full days since the request was sent (its first ESMS-level status, ``requests.selectors.with_sent_at``), never
    negative. The one count of the time waited: the waiting list and matching both call it (decision 0033)."""
    return max((today - sent_on).days, 0)


def urgency_points(urgency: int) -> int:
    if not 0 <= urgency < len(URGENCY_POINTS):
        raise ValueError(f"Urgency level {urgency} is not between 0 and {len(URGENCY_POINTS) - 1}.")
    return URGENCY_POINTS[urgency]


def waited_points(days_waited: int) -> int:
    return min(max(days_waited, 0) // DAYS_PER_POINT, WAIT_CAP)


def wish_points(wish_rank: int) -> int:
    return WISH_POINTS.get(wish_rank, 0)


def distance_points(distance_km: float | None) -> int:
    """0 when the distance is unknown: a missing address must not push a person down the list."""
    if distance_km is None or distance_km <= FREE_KM:
        return 0
    return -min(int((distance_km - FREE_KM) // KM_PER_POINT), DISTANCE_CAP)


def priority_score(*, urgency: int, days_waited: int, wish_rank: int, distance_km: float | None) -> PriorityScore:
    distance_label = "distance inconnue" if distance_km is None else f"{distance_km:.0f} km"
    return PriorityScore(
        parts=(
            ScorePart("urgency", f"Urgence : {URGENCY_LABELS[urgency]}", urgency_points(urgency)),
            ScorePart("waited", f"Attente : {max(days_waited, 0)} jours", waited_points(days_waited)),
            ScorePart("wish", f"Souhait n° {wish_rank} de la personne", wish_points(wish_rank)),
            ScorePart("distance", f"Distance : {distance_label}", distance_points(distance_km)),
        )
    )


def priority_total(*, urgency: int, days_waited: int, wish_rank: int, distance_km: float | None) -> int:
    """The total alone, without building labels (the matching engine scores millions of pairs)."""
    return urgency_points(urgency) + waited_points(days_waited) + wish_points(wish_rank) + distance_points(distance_km)
