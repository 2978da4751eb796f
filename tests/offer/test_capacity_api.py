"""REST for ESMS record systems: GET/PUT/PATCH /api/v1/offer/units/<id>/capacity with a bearer token."""

import pytest

from relais.accounts.services import api_client_create
from relais.offer.models import CapacityUpdate, Unit

from .test_capacity_services import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]
FULL = {"installed": 10, "available": 3, "occupied": 7, "reserved": 0, "closed": 0}


@pytest.fixture
def world(make_organisation, make_member):
    return build_world(make_organisation, make_member)


def bearer(organisation, name="Logiciel DUI"):
    _, token = api_client_create(actor=None, organisation=organisation, name=name)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def url(unit_or_pk):
    return f"/api/v1/offer/units/{getattr(unit_or_pk, 'pk', unit_or_pk)}/capacity"


def test_record_system_of_the_site_reads_and_replaces_the_figures(client, world):
    auth = bearer(world.esms)
    body = client.get(url(world.unit_a1), **auth).json()
    assert body["available"] == 2 and body["site_finess"] == "350000022" and body["stale"] is False
    assert body["age"] == "mis à jour il y a 2 jours"
    response = client.put(url(world.unit_a1), FULL, content_type="application/json", **auth)
    assert response.status_code == 200, response.json()
    assert response.json()["available"] == 3 and response.json()["age"] == "mis à jour à l'instant"
    rows = CapacityUpdate.objects.filter(unit=world.unit_a1)
    assert {row.status for row in rows} == {"available", "occupied"}
    client_label = "client API « Logiciel DUI » (EHPAD Les Tilleuls)"
    assert {(row.by_label, row.source) for row in rows} == {(client_label, "relais")}


def test_patch_changes_some_figures_and_an_empty_patch_confirms(client, world):
    auth = bearer(world.esms)
    response = client.patch(url(world.unit_a2), {"available": 1}, content_type="application/json", **auth)
    assert response.status_code == 200 and Unit.objects.get(pk=world.unit_a2.pk).available == 1
    response = client.patch(url(world.unit_a2), {}, content_type="application/json", **auth)
    assert response.status_code == 200
    confirmation = CapacityUpdate.objects.filter(unit=world.unit_a2).first()
    assert confirmation.previous_value == confirmation.value == 1


def test_invalid_figures_are_400_with_field_errors(client, world):
    auth = bearer(world.esms)
    response = client.patch(url(world.unit_a1), {"available": 11}, content_type="application/json", **auth)
    assert response.status_code == 400
    assert response.json() == {"available": ["Places disponibles : 11 dépasse les places installées (10)."]}
    response = client.patch(url(world.unit_a1), {"occupied": -1}, content_type="application/json", **auth)
    assert response.status_code == 400 and "occupied" in response.json()
    response = client.put(url(world.unit_a1), {"available": 1}, content_type="application/json", **auth)
    assert response.status_code == 400 and set(response.json()) == {"installed", "occupied", "reserved", "closed"}
    assert not CapacityUpdate.objects.exists()


def test_managing_body_client_updates_all_its_sites(client, world):
    auth = bearer(world.managing_body)
    for unit in (world.unit_a1, world.unit_b1):
        assert client.patch(url(unit), {}, content_type="application/json", **auth).status_code == 200


def test_other_organisations_get_404_like_a_missing_unit(client, world):
    auth = bearer(world.other)
    for method in ("get", "put", "patch"):
        send = getattr(client, method)
        hidden = send(url(world.unit_a1), FULL, content_type="application/json", **auth)
        missing = send(url(999999), FULL, content_type="application/json", **auth)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()
    assert not CapacityUpdate.objects.exists()


def test_session_of_a_plain_member_is_404_and_of_an_editor_works(client, world):
    client.force_login(world.member.user)
    assert client.get(url(world.unit_a1)).status_code == 404
    client.force_login(world.admissions.user)
    assert client.get(url(world.unit_a1)).status_code == 200


def test_without_credentials_401(client, world):
    assert client.get(url(world.unit_a1)).status_code == 401


def test_documented_in_openapi(client, world):
    schema = client.get("/api/v1/openapi.json").json()
    operations = schema["paths"]["/api/v1/offer/units/{id}/capacity"]
    assert set(operations) >= {"get", "put", "patch"}
    assert {"200", "400", "404"} <= set(operations["patch"]["responses"])
