"""``priority.priority_total`` on numpy arrays: the same formula and constants, for millions of pairs at once.

Tests hold it equal to ``priority_total`` element by element; the explanations call ``priority_score`` itself.
"""

from __future__ import annotations

import numpy as np

from .priority import DAYS_PER_POINT, DISTANCE_CAP, FREE_KM, KM_PER_POINT, URGENCY_POINTS, WAIT_CAP, WISH_POINTS


def priority_totals(urgency: np.ndarray, days: np.ndarray, rank: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Integer totals; ``rank`` 0 means "not a wish of the person" (0 points); ``distance`` NaN means unknown."""
    urgency_table = np.asarray(URGENCY_POINTS, dtype=np.int64)
    wish_table = np.zeros(max(int(rank.max(initial=0)) + 1, max(WISH_POINTS) + 1), dtype=np.int64)
    for wish_rank, points in WISH_POINTS.items():
        wish_table[wish_rank] = points
    waited = np.minimum(np.maximum(days.astype(np.int64), 0) // DAYS_PER_POINT, WAIT_CAP)
    with np.errstate(invalid="ignore"):
        far = np.nan_to_num(distance, nan=0.0) > FREE_KM
        steps = np.floor_divide(np.where(far, distance - FREE_KM, 0.0), KM_PER_POINT)
    distance_points = -np.minimum(steps.astype(np.int64), DISTANCE_CAP)
    return urgency_table[urgency] + waited + wish_table[rank] + distance_points
