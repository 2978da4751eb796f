"""Ties (same distance to 0.1 km) are ordered by a fair rotation: no ESMS is always first among equals."""

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from relais.offer.search_criteria import SearchCriteria
from relais.offer.selectors import offer_search, rotation_default, rotation_key

from .search_support import AJACCIO, names, point_at

pytestmark = pytest.mark.django_db
SEEDS = 600


def first_counts(criteria_for) -> Counter:
    return Counter(offer_search(criteria_for(seed)).results[0].site.name for seed in range(SEEDS))


def test_each_tied_site_comes_first_about_equally_often(make_site):
    for name in "ABCD":
        make_site(f"EHPAD {name}", AJACCIO)  # same commune point: all at 0.0 km
    make_site("Plus loin", point_at(AJACCIO, 2))
    counts = first_counts(lambda seed: SearchCriteria(commune="2A004", rotation=seed))
    assert set(counts) == {"EHPAD A", "EHPAD B", "EHPAD C", "EHPAD D"}
    for name, count in counts.items():
        assert SEEDS / 4 * 0.75 <= count <= SEEDS / 4 * 1.25, (name, counts)
    # The site further away is never before a closer one.
    for seed in range(20):
        assert names(offer_search(SearchCriteria(commune="2A004", rotation=seed)).results)[-1] == "Plus loin"


def test_ties_are_distances_equal_to_a_tenth_of_a_km(make_site):
    make_site("Pile", point_at(AJACCIO, 1.0))
    make_site("Un peu plus", point_at(AJACCIO, 1.04, 180))  # rounds to 1.0 km too
    make_site("Après", point_at(AJACCIO, 1.2))
    counts = first_counts(lambda seed: SearchCriteria(commune="2A004", rotation=seed))
    assert set(counts) == {"Pile", "Un peu plus"} and min(counts.values()) > SEEDS / 2 * 0.75


def test_rotation_without_location_is_fair_too(make_site):
    for name in "ABC":
        make_site(f"Site {name}", None)  # no coordinates: every result is tied
    counts = first_counts(lambda seed: SearchCriteria(rotation=seed))
    assert set(counts) == {"Site A", "Site B", "Site C"}
    assert min(counts.values()) >= SEEDS / 3 * 0.75, counts
    # The database orders them as rotation_key does.
    for seed in range(10):
        got = offer_search(SearchCriteria(rotation=seed)).results
        assert [r.site.pk for r in got] == sorted((r.site.pk for r in got), key=lambda pk: rotation_key(pk, seed))


def test_rotation_is_deterministic_and_changes_every_day(make_site):
    for name in "ABCDEF":
        make_site(f"EHPAD {name}", AJACCIO)
    criteria = SearchCriteria(commune="2A004")
    day = timezone.make_aware(datetime(2026, 3, 2, 10, 0))
    orders = [names(offer_search(criteria, now=day + timedelta(days=d)).results) for d in range(8)]
    assert orders[0] == names(offer_search(criteria, now=day + timedelta(hours=5)).results)  # same day, same order
    assert len({tuple(order) for order in orders}) > 4  # other days, other orders
    assert len({order[0] for order in orders}) > 2
    assert offer_search(criteria, now=day).rotation == rotation_default(day) == day.date().toordinal()
