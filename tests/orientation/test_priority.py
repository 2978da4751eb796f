"""The priority score: each component by its documented rule, and the total equal to the sum shown to users."""

import pytest

from relais.matching.priority import (
    distance_points,
    priority_score,
    priority_total,
    urgency_points,
    waited_points,
    wish_points,
)


@pytest.mark.parametrize("urgency, points", [(0, 0), (1, 30), (2, 60), (3, 100)])
def test_urgency_levels(urgency, points):
    assert urgency_points(urgency) == points


def test_urgency_out_of_range_is_refused():
    with pytest.raises(ValueError, match="between 0 and 3"):
        urgency_points(4)


@pytest.mark.parametrize(
    "days, points", [(-3, 0), (0, 0), (9, 0), (10, 1), (365, 36), (599, 59), (600, 60), (5000, 60)]
)
def test_one_point_per_ten_days_capped(days, points):
    assert waited_points(days) == points


@pytest.mark.parametrize("rank, points", [(1, 20), (2, 10), (3, 5), (4, 0), (12, 0)])
def test_first_wishes_weigh_more(rank, points):
    assert wish_points(rank) == points


@pytest.mark.parametrize(
    "km, points", [(None, 0), (0.0, 0), (10.0, 0), (14.9, 0), (15.0, -1), (42.0, -6), (110.0, -20), (900.0, -20)]
)
def test_distance_free_then_penalised_then_capped(km, points):
    assert distance_points(km) == points


def test_score_parts_are_labelled_and_sum_to_the_total():
    score = priority_score(urgency=2, days_waited=123, wish_rank=1, distance_km=27.4)
    assert [p.key for p in score.parts] == ["urgency", "waited", "wish", "distance"]
    assert [p.points for p in score.parts] == [60, 12, 20, -3]
    assert score.total == 89
    assert score.parts[0].label == "Urgence : situation urgente"
    assert score.parts[1].label == "Attente : 123 jours"
    assert score.parts[3].label == "Distance : 27 km"
    assert score.as_dict()["total"] == 89
    assert priority_total(urgency=2, days_waited=123, wish_rank=1, distance_km=27.4) == 89


def test_unknown_distance_is_said():
    assert priority_score(urgency=0, days_waited=0, wish_rank=5, distance_km=None).parts[3].label == (
        "Distance : distance inconnue"
    )
