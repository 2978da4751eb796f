"""The offer search selector: each criterion, distance and radius against haversine, origins, freshness."""

import itertools
import math
import random
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from relais.offer.codes import Deficiency
from relais.offer.geo import (
    KM_PER_DEGREE_LAT,
    bounding_box,
    centroid,
    chord_for_km,
    haversine_km,
    unit_vector,
)
from relais.offer.search_criteria import SearchCriteria, SearchError, search_criteria_parse
from relais.offer.selectors import offer_search, rotation_key

from .search_support import AJACCIO, M, haversine, names, point_at, search

pytestmark = pytest.mark.django_db
# --- Geometry ---------------------------------------------------------------------------------------------


def test_haversine_and_spherical_helpers():
    assert haversine_km(48.8566, 2.3522, 45.7640, 4.8357) == pytest.approx(391.5, abs=0.5)  # Paris–Lyon
    assert haversine_km(41.9, 8.7, 43.3, 5.4) == pytest.approx(haversine(41.9, 8.7, 43.3, 5.4), rel=1e-12)
    assert haversine_km(0, 0, 0, 1) == pytest.approx(KM_PER_DEGREE_LAT)
    for km in (1, 50, 400):
        a, b = unit_vector(*AJACCIO), unit_vector(*point_at(AJACCIO, km, 33))
        assert math.dist(a, b) == pytest.approx(chord_for_km(km), rel=1e-9)
    assert centroid([(1, 2), (3, 4)]) == (2, 3) and centroid([]) is None


def test_bounding_box_contains_the_circle():
    rng = random.Random(4)
    for lat in (-60, 0, 41.9, 70):
        for km in (1, 30, 200):
            lat_min, lat_max, lon_min, lon_max = bounding_box(lat, 8.7, km)
            for _ in range(50):
                p = point_at((lat, 8.7), km * 0.999, rng.uniform(0, 360))
                assert lat_min <= p[0] <= lat_max and lon_min <= p[1] <= lon_max
    assert bounding_box(10, 179.9, 50)[2:] == (-180.0, 180.0)  # across the antimeridian: whole circle
    assert bounding_box(89.95, 0, 10)[2:] == (-180.0, 180.0)


# --- Distance, radius, origins ------------------------------------------------------------------------------


def test_sorted_by_distance_within_radius_as_haversine_says(make_site):
    rng = random.Random(7)
    placed = {}
    for km in rng.sample([0.3, 1.7, 4.2, 6.9, 9.8, 10.3, 14.5, 31.0], 8):
        at = point_at(AJACCIO, km, rng.uniform(0, 360))
        placed[make_site(f"À {km} km", at).name] = haversine(*AJACCIO, *at)
    results = search(commune="2A004", radius_km=10)
    expected = sorted((d, name) for name, d in placed.items() if d <= 10)
    assert names(results) == [name for _, name in expected]
    assert [r.distance_km for r in results] == [round(d, 1) for d, _ in expected]
    assert names(search(commune="2A004", radius_km=40)) == [n for _, n in sorted((d, n) for n, d in placed.items())]


def test_point_origin_and_postcode_centroid(make_site):
    make_site("Près d'Alata", (41.97, 8.74))
    make_site("Entre Alata et Afa", (41.98, 8.77))
    results = search(lat="41.98", lon="8.77", radius_km=5)
    assert names(results) == ["Entre Alata et Afa", "Près d'Alata"]
    assert results[0].distance_km == 0.0
    # 20167 is Alata and Afa: the origin is their centroid (41.98, 8.77).
    by_postcode = search(postal_code="20167", radius_km=5)
    assert names(by_postcode) == names(results)
    assert by_postcode[1].distance_km == round(haversine(41.98, 8.77, 41.97, 8.74), 1)
    origin = offer_search(search_criteria_parse(QueryDict("postal_code=20167"))).origin
    assert origin.communes == {"2A017", "2A014"} and origin.label == "Afa, Alata (20167)"


def test_unknown_or_unlocated_origins_are_errors_naming_the_parameter(geography):
    for params, name in [
        ({"commune": "2A998"}, "commune"),
        ({"commune": "2A999"}, "commune"),  # no coordinates
        ({"postal_code": "99999"}, "postal_code"),
        ({"postal_code": "20999"}, "postal_code"),
    ]:
        with pytest.raises(SearchError) as error:
            search(**params)
        assert list(error.value.errors) == [name]


def test_sites_without_coordinates_only_match_searches_without_location(make_site):
    make_site("Localisé", AJACCIO)
    make_site("Sans coordonnées", None)
    assert names(search(commune="2A004", radius_km=200)) == ["Localisé"]
    results = search(domain="older_people")
    assert sorted(names(results)) == ["Localisé", "Sans coordonnées"]
    assert all(r.distance_km is None for r in results)


# --- Criteria -------------------------------------------------------------------------------------------------


def test_domain_and_category_with_old_codes(make_site):
    make_site("EHPAD", category="500")
    make_site("IME", category="183")
    make_site("FAM (ancien code)", category="437")
    make_site("EAM", category="448")
    make_site("Hôpital", category="355")
    assert names(search(commune="2A004", domain="older_people")) == ["EHPAD"]
    assert set(names(search(commune="2A004", domain=["disabled_children", "health"]))) == {"IME", "Hôpital"}
    assert set(names(search(commune="2A004", category="448"))) == {"FAM (ancien code)", "EAM"}
    assert set(names(search(commune="2A004", category="437"))) == {"FAM (ancien code)", "EAM"}
    assert set(names(search(commune="2A004", category="500,183"))) == {"EHPAD", "IME"}
    assert names(search(commune="2A004", category="500", domain="disabled_adults")) == []


def test_unit_criteria_each(make_site):
    make_site("EHPAD", units=[{"age_min": 60, "gir_min": 1, "gir_max": 6}, {"name": "UVP", "age_min": 60,
              "gir_min": 1, "gir_max": 4, "alzheimer_unit": True, "available": 2}])  # fmt: skip
    make_site("Résidence", category="202", units=[{"age_min": 60, "gir_min": 5, "gir_max": 6}])
    make_site("IME", category="183", units=[
        {"care_mode": M.SEMI_INTERNAT, "age_min": 6, "age_max": 20, "deficiencies": [Deficiency.AUTISM]},
        {"care_mode": M.INTERNAT, "age_min": 12, "age_max": 20, "deficiencies": [Deficiency.INTELLECTUAL],
         "available": 1},
    ])  # fmt: skip
    make_site("ESAT", category="246", units=[{"care_mode": M.SHELTERED_WORK, "age_min": 20, "age_max": 62}])
    everything = {"EHPAD", "Résidence", "IME", "ESAT"}
    assert set(names(search(commune="2A004"))) == everything
    assert set(names(search(commune="2A004", care_mode="internat"))) == {"IME"}
    assert set(names(search(commune="2A004", care_mode="internat,sheltered_work"))) == {"IME", "ESAT"}
    assert set(names(search(commune="2A004", age=8))) == {"IME"}
    assert set(names(search(commune="2A004", age=30))) == {"ESAT"}
    assert set(names(search(commune="2A004", age=70))) == {"EHPAD", "Résidence"}
    assert set(names(search(commune="2A004", deficiency="autism"))) == {"IME"}
    assert set(names(search(commune="2A004", deficiency="motor"))) == set()
    assert set(names(search(commune="2A004", gir=2))) == {"EHPAD"}
    assert set(names(search(commune="2A004", gir=5))) == {"EHPAD", "Résidence"}
    assert set(names(search(commune="2A004", alzheimer=1))) == {"EHPAD"}
    assert set(names(search(commune="2A004", free_only="true"))) == {"EHPAD", "IME"}
    # Criteria combine on the same unit: the IME's free unit is the internat for 12-20 year olds.
    assert set(names(search(commune="2A004", free_only=1, age=8))) == set()
    assert set(names(search(commune="2A004", free_only=1, age=14))) == {"IME"}
    # Only the matching units are listed, and only their places counted.
    [ehpad] = search(commune="2A004", alzheimer="oui")
    assert [u.name for u in ehpad.units] == ["UVP"] and ehpad.free_places == 2
    [ime] = search(commune="2A004", deficiency="autism")
    assert [u.name for u in ime.units] == ["Unité 1"] and ime.free_places == 0


def test_closed_sites_and_units_never_match(make_site):
    make_site("Fermé", is_open=False, units=[{"available": 3}])
    make_site("Unité fermée", units=[{"available": 3, "is_open": False}, {"name": "Ouverte", "available": 0}])
    assert names(search(commune="2A004")) == ["Unité fermée"]
    assert names(search(commune="2A004", free_only=1)) == []
    assert names(search()) == ["Unité fermée"]
    [result] = search(commune="2A004")
    assert [u.name for u in result.units] == ["Ouverte"]


def test_sites_without_units_match_unless_a_unit_criterion_is_asked(make_site):
    make_site("Hôpital", category="355")
    assert names(search(commune="2A004")) == ["Hôpital"]
    assert names(search(commune="2A004", domain="health")) == ["Hôpital"]
    assert names(search(commune="2A004", free_only=1)) == []
    [result] = search(commune="2A004")
    assert result.free_places == 0 and result.capacity_age == "aucune capacité publiée" and not result.stale


def test_home_services_only_where_their_zone_reaches(make_site):
    home = {"care_mode": M.HOME_SERVICES, "age_min": 60, "eligibility_zone": ["2A004", "2A017"]}
    make_site("SSIAD", category="354", units=[home])
    assert names(search(commune="2A004", radius_km=100)) == ["SSIAD"]
    assert names(search(postal_code="20167", radius_km=100)) == ["SSIAD"]  # Alata is in 20167
    assert names(search(commune="2A247", radius_km=100)) == []  # Porto-Vecchio is not served
    assert names(search(commune="2A247", radius_km=100, care_mode="home_services")) == []
    assert names(search(lat=AJACCIO[0], lon=AJACCIO[1])) == ["SSIAD"]  # a point: no commune to check


# --- Freshness ----------------------------------------------------------------------------------------------


def test_free_places_their_age_in_words_and_the_stale_flag(make_site):
    now = timezone.now()
    make_site("Frais", update_days=7, units=[{"available": 2, "capacity_updated_at": now - timedelta(days=3)}])
    make_site("Ancien", update_days=7, units=[
        {"available": 1, "capacity_updated_at": now - timedelta(days=1)},
        {"name": "Vieille", "available": 4, "capacity_updated_at": now - timedelta(days=12)},
    ])  # fmt: skip
    make_site("Jamais", units=[{"available": 1, "capacity_updated_at": None}])
    make_site("Aujourd'hui", units=[{"available": 1, "capacity_updated_at": now - timedelta(minutes=5)}])
    by_name = {r.site.name: r for r in search(commune="2A004")}
    fresh, old, never, today = by_name["Frais"], by_name["Ancien"], by_name["Jamais"], by_name["Aujourd'hui"]
    assert (fresh.free_places, fresh.stale) == (2, False)
    assert fresh.capacity_age == "mis à jour il y a 3 jours"
    # The stale unit's 4 places are not counted as free: they are to confirm with the establishment (0037).
    assert (old.free_places, old.free_places_to_confirm, old.stale) == (1, 4, True)
    assert (never.free_places, never.free_places_to_confirm) == (0, 1)
    assert old.capacity_updated_at == min(u.capacity_updated_at for u in old.units)
    assert old.capacity_age == "mis à jour il y a 12 jours"
    assert [u.capacity_stale for u in old.units] == [False, True]
    assert never.stale and never.capacity_updated_at is None and never.capacity_age == "jamais mis à jour"
    # Five minutes ago is yesterday just after local midnight: the label follows the local calendar day.
    same_day = timezone.localtime(now - timedelta(minutes=5)).date() == timezone.localtime(now).date()
    assert ("aujourd'hui" if same_day else "hier") in today.capacity_age and not today.stale


def test_limit_and_has_more(make_site):
    for i in range(5):
        make_site(f"Site {i}", point_at(AJACCIO, i + 0.5))
    found = offer_search(search_criteria_parse(QueryDict("commune=2A004&limit=3")))
    assert names(found.results) == ["Site 0", "Site 1", "Site 2"] and found.has_more
    found = offer_search(search_criteria_parse(QueryDict("commune=2A004&limit=5")))
    assert len(found.results) == 5 and not found.has_more


def test_growing_box_gives_the_same_answer_as_brute_force(make_site):
    """Dense near the origin, sparse further: whatever the box growth, the nearest come out exactly."""
    rng = random.Random(11)
    sites = []
    for i in range(150):
        km = rng.choice([rng.uniform(0, 3), rng.uniform(3, 40), rng.uniform(40, 150)])
        # Some sites share a point: ties on distance, broken by the rotation.
        tied = i % 5 == 0
        at = point_at(AJACCIO, round(km, 0) if tied else km, rng.choice([0, 90]) if tied else rng.uniform(0, 360))
        free = rng.random() < 0.3
        sites.append(make_site(f"S{i}", at, units=[{"available": 1 if free else 0}]))
    for radius, limit, free_only, rotation in itertools.product((5, 30, 200), (1, 7, 40), (0, 1), (3, 4)):
        got = offer_search(
            SearchCriteria(commune="2A004", radius_km=radius, limit=limit, free_only=bool(free_only), rotation=rotation)
        )
        candidates = []
        for site in sites:
            d = haversine(*AJACCIO, site.latitude, site.longitude)
            if d <= radius and (not free_only or site.units.get().available > 0):
                candidates.append((round(d, 1), rotation_key(site.pk, rotation), site.name))
        expected = [name for *_, name in sorted(candidates)]
        assert names(got.results) == expected[:limit], (radius, limit, free_only, rotation)
        assert got.has_more == (len(expected) > limit)


# --- Parameters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("age=douze", "age"),
        ("age=-1", "age"),
        ("gir=7", "gir"),
        ("domain=children", "domain"),
        ("care_mode=hotel", "care_mode"),
        ("deficiency=x", "deficiency"),
        ("category=EHPAD", "category"),
        ("free_only=peut-être", "free_only"),
        ("alzheimer=2", "alzheimer"),
        ("lat=41.9", "lon"),
        ("lat=91&lon=8", "lat"),
        ("lat=41&lon=abc", "lon"),
        ("commune=Ajaccio", "commune"),
        ("postal_code=2000", "postal_code"),
        ("commune=2A004&postal_code=20000", "postal_code"),
        ("radius_km=0", "radius_km"),
        ("radius_km=1000", "radius_km"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("rotation=-3", "rotation"),
    ],
)
def test_bad_parameters_are_named(query, name):
    with pytest.raises(SearchError) as error:
        search_criteria_parse(QueryDict(query))
    assert name in error.value.errors


def test_parameters_parse_lists_and_flags():
    criteria = search_criteria_parse(
        QueryDict("category=500,183&category=246&care_mode=internat&free_only=oui&alzheimer=0&lat=41,9&lon=8.7")
    )
    assert criteria.categories == ("500", "183", "246") and criteria.care_modes == ("internat",)
    assert criteria.free_only and not criteria.alzheimer and criteria.latitude == 41.9
    assert (criteria.radius_km, criteria.limit) == (30.0, 50)
