"""REST error hygiene: bounded paging, JSON 404 and 500 in French, the 500 answer never fails for a machine client.

Regression tests for what the fuzzer (test_schemathesis.py) found: `?limit=` beyond the database's integers was a
500 on every list, and the 500 page itself failed for a machine client (its user has no e-mail).
"""

import pytest
from django.test import override_settings

from relais.accounts.roles import Role
from relais.accounts.services import api_client_create
from relais.api.pagination import MAX_LIMIT
from relais.territory.models import Commune, Departement, Region

pytestmark = pytest.mark.django_db
HUGE = "10401744039313106230456707186688"


@pytest.fixture
def token_client(client, make_organisation, make_member):
    organisation = make_organisation(name="EHPAD Les Glycines")
    make_member(organisation, role=Role.ADMISSION_OFFICER)
    _, token = api_client_create(actor=None, organisation=organisation, name="Logiciel DUI")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    client.organisation = organisation
    return client


@pytest.fixture
def many_communes(db):
    region = Region.objects.create(code="53", name="Bretagne")
    departement = Departement.objects.create(code="35", name="Ille-et-Vilaine", region=region)
    Commune.objects.bulk_create(
        Commune(insee_code=f"35{n:03d}", name=f"Commune {n:03d}", departement=departement) for n in range(MAX_LIMIT + 5)
    )


def test_a_huge_limit_is_read_as_the_maximum_on_every_list(token_client, many_communes):
    pk = token_client.organisation.pk
    for path in ("/api/v1/organisations/", f"/api/v1/organisations/{pk}/members/", "/api/v1/territory/communes/"):
        response = token_client.get(path, {"limit": HUGE})
        assert response.status_code == 200, (path, response.content)
    body = token_client.get("/api/v1/territory/communes/", {"limit": HUGE}).json()
    assert body["count"] == MAX_LIMIT + 5 and len(body["results"]) == MAX_LIMIT
    assert f"limit={MAX_LIMIT}" in body["next"]
    assert len(token_client.get("/api/v1/territory/communes/").json()["results"]) == 50  # the default


def test_a_huge_offset_is_an_empty_page(token_client, many_communes):
    body = token_client.get("/api/v1/territory/communes/", {"offset": HUGE, "limit": HUGE}).json()
    assert body["results"] == [] and body["next"] is None and body["count"] == MAX_LIMIT + 5


def test_the_schema_states_the_paging_bounds(client):
    schema = client.get("/api/v1/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/territory/communes/"]["get"]["parameters"]}
    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1}
    assert f"au plus {MAX_LIMIT}" in parameters["limit"]["description"]
    assert parameters["offset"]["schema"] == {"type": "integer", "minimum": 0}


@override_settings(DEBUG=False)
def test_an_unknown_api_address_is_a_json_404_in_french(token_client):
    response = token_client.get("/api/v1/nulle-part/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Ressource introuvable : aucune ressource de l'API à cette adresse, ou vous n'y avez pas accès."
    }


@override_settings(DEBUG=False)
def test_a_failing_endpoint_answers_a_json_500_to_a_machine_client(token_client, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr("relais.api.views.account_selectors.organisation_ids_visible", fail)
    token_client.raise_request_exception = False
    response = token_client.get("/api/v1/organisations/")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Erreur inattendue du serveur. L'équipe a été prévenue."}
    assert "panne" not in response.content.decode()
