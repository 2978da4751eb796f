"""GET /api/v1/offer/search: public, same criteria as the page, 400 naming the parameter, rate-limited."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from relais.offer.codes import CareMode

from .search_support import AJACCIO, haversine, point_at

pytestmark = pytest.mark.django_db
URL = "/api/v1/offer/search"


@pytest.fixture
def api():
    cache.clear()  # fresh rate-limit counters
    return APIClient()


def test_results_with_distance_free_places_and_freshness(api, make_site):
    now = timezone.now()
    near = point_at(AJACCIO, 2.34)
    make_site("Proche", near, units=[
        {"available": 3, "capacity_updated_at": now - timedelta(days=10), "age_min": 60, "gir_min": 1, "gir_max": 6},
    ])  # fmt: skip
    make_site("Loin", point_at(AJACCIO, 20), units=[{"available": 0, "capacity_updated_at": now}])
    assert api.get(URL, {"commune": "2A004", "radius_km": 10, "free_only": "true"}).json()["count"] == 0  # stale
    response = api.get(URL, {"commune": "2A004", "radius_km": 10, "age": 70})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["has_more"] is False and body["radius_km"] == 10
    assert body["origin"]["label"] == "Ajaccio (20000)"
    [result] = body["results"]
    assert result["site"]["name"] == "Proche" and result["site"]["category"] == "500"
    assert result["site"]["domain"] == "older_people"
    assert result["distance_km"] == round(haversine(*AJACCIO, *near), 1) == 2.3
    assert result["free_places"] == 0 and result["free_places_to_confirm"] == 3 and result["stale"] is True
    assert result["capacity_age"] == "mis à jour il y a 10 jours"
    assert result["capacity_updated_at"].startswith(str(timezone.localdate(now - timedelta(days=10))))
    [unit] = result["units"]
    assert unit["available"] == 3 and unit["stale"] is True and unit["care_mode"] == CareMode.PERMANENT_ACCOMMODATION


def test_same_criteria_as_the_page(api, make_site):
    make_site("IME", category="183", units=[{"care_mode": CareMode.INTERNAT, "age_min": 6, "age_max": 20}])
    make_site("EHPAD", category="500", units=[{"age_min": 60}])

    def found(**params):
        return [r["site"]["name"] for r in api.get(URL, params).json()["results"]]

    assert found(lat=AJACCIO[0], lon=AJACCIO[1], care_mode="internat") == ["IME"]
    assert found(postal_code="20000", age=70) == ["EHPAD"]
    assert sorted(found(category=["183", "500"])) == ["EHPAD", "IME"]
    assert found(domain="disabled_children", limit=1) == ["IME"]


def test_bad_parameters_are_400_naming_them(api, geography):
    response = api.get(URL, {"age": "douze", "gir": "9", "care_mode": "hotel"})
    assert response.status_code == 400
    assert set(response.json()) == {"age", "gir", "care_mode"}
    assert "Âge" in response.json()["age"][0]
    response = api.get(URL, {"commune": "2A998"})
    assert response.status_code == 400 and "Commune inconnue" in response.json()["commune"][0]


def test_public_without_any_authentication(api, make_site, settings):
    make_site("EHPAD")
    response = api.get(URL, HTTP_AUTHORIZATION="Bearer not-a-token")  # ignored: no authentication here
    assert response.status_code == 200 and response.json()["count"] == 1


def test_rate_limited_per_address(api, geography, settings):
    settings.RELAIS_PUBLIC_RATE = "3/m"
    statuses = [api.get(URL, {"commune": "2A004"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert api.get(URL, REMOTE_ADDR="10.0.0.2").status_code == 200  # another address has its own budget


def test_documented_in_the_openapi_schema(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/offer/search"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) >= {
        "domain", "category", "care_mode", "age", "deficiency", "gir", "alzheimer", "free_only", "commune",
        "postal_code", "lat", "lon", "radius_km", "limit",
    }  # fmt: skip
    assert parameters["category"]["schema"]["type"] == "array"
    assert "older_people" in parameters["domain"]["schema"]["items"]["enum"]
    assert set(operation["responses"]) >= {"200", "400", "429"}
    assert operation.get("security") in (None, [], [{}])
