"""Reading the loaded geography: the search selector, the page and the public API."""

import pytest

from relais.territory.selectors import commune_search
from relais.territory.services import geography_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def geography():
    geography_load(departements={"2A", "35"})


def codes(queryset):
    return [c.insee_code for c in queryset]


def test_commune_search(geography):
    assert codes(commune_search(query="Rennes")) == ["35238"]
    assert "35238" in codes(commune_search(query="renn"))
    assert codes(commune_search(query="2A004")) == ["2A004"]
    assert codes(commune_search(query="2a004")) == ["2A004"]
    assert len(codes(commune_search(query="2a"))) == 124
    assert codes(commune_search(query="35238")) == ["35238"]
    assert codes(commune_search(postal_code="35000")) == ["35238"]
    assert set(codes(commune_search(postal_code="20000"))) == {"2A004"}
    assert codes(commune_search(query="Ajaccio", departement="35")) == []
    assert commune_search(departement="2a").count() == 124


def test_communes_page_needs_login(client, geography):
    response = client.get("/territoire/communes/")
    assert response.status_code == 302 and "/compte/" in response["Location"]


def test_communes_page(client, geography, make_organisation, make_member, no_2fa):
    user, _ = make_member(make_organisation())
    client.force_login(user)
    response = client.get("/territoire/communes/", {"code_postal": "35000"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "2 régions, 2 départements, 456 communes" in content
    assert "Rennes" in content and "35238" in content and "48,11" in content
    partial = client.get("/territoire/communes/", {"q": "Ajacc"}, headers={"HX-Request": "true"})
    assert "Ajaccio" in partial.content.decode() and "<h1>" not in partial.content.decode()


def test_communes_api_by_postal_code(client, geography):
    response = client.get("/api/v1/territory/communes/", {"postal_code": "35000"})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    rennes = data["results"][0]
    assert rennes["insee_code"] == "35238" and rennes["name"] == "Rennes" and rennes["departement"] == "35"
    assert {"35000", "35200"} <= set(rennes["postal_codes"])
    assert rennes["latitude"] == pytest.approx(48.11, abs=0.02)
    assert rennes["longitude"] == pytest.approx(-1.68, abs=0.02)
