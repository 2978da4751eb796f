"""REST API: tokens act for one organisation, sessions for the chosen one; scoping and audit apply."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from relais.accounts.models import ApiClient
from relais.accounts.roles import Role
from relais.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_with_token(make_organisation, make_member):
    org = make_organisation(name="EHPAD Les Glycines", finess="350099001")
    make_member(org, role=Role.ADMISSION_OFFICER, email="admission@exemple.test")
    out = io.StringIO()
    call_command("api_client_create", organisation="350099001", name="Logiciel DUI", stdout=out, stderr=io.StringIO())
    return org, out.getvalue().strip()


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_token_acts_for_its_organisation(client, org_with_token):
    org, token = org_with_token
    response = client.get("/api/v1/me", **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["organisation"]["id"] == org.pk and body["is_machine_client"] is True
    assert body["label"] == "client API « Logiciel DUI »"
    assert ApiClient.objects.get().last_used_at is not None


def test_token_reads_own_members_and_the_read_is_logged(client, org_with_token):
    org, token = org_with_token
    response = client.get(f"/api/v1/organisations/{org.pk}/members/", **bearer(token))
    assert response.status_code == 200
    assert [m["email"] for m in response.json()["results"]] == ["admission@exemple.test"]
    entry = AccessLogEntry.objects.get()
    assert entry.api_client_id == ApiClient.objects.get().pk and entry.organisation_id == org.pk


def test_token_cannot_reach_another_organisation(client, org_with_token, make_organisation):
    _, token = org_with_token
    other = make_organisation(name="Autre")
    for path in (f"/api/v1/organisations/{other.pk}/", f"/api/v1/organisations/{other.pk}/members/"):
        hidden = client.get(path, **bearer(token))
        missing = client.get(path.replace(str(other.pk), "999999"), **bearer(token))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()
    listed = client.get("/api/v1/organisations/", **bearer(token)).json()
    assert [o["name"] for o in listed["results"]] == ["EHPAD Les Glycines"]


def test_bad_and_revoked_tokens_are_refused(client, org_with_token):
    _, token = org_with_token
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", **bearer("relais_nope")).status_code == 401
    call_command("api_client_revoke", ApiClient.objects.get().pk, stdout=io.StringIO())
    response = client.get("/api/v1/me", **bearer(token))
    assert response.status_code == 401
    assert "révoqué" in response.json()["detail"]


def test_api_client_commands(org_with_token):
    out = io.StringIO()
    call_command("api_client_list", organisation="350099001", stdout=out)
    assert "Logiciel DUI" in out.getvalue() and "actif" in out.getvalue()
    with pytest.raises(CommandError, match="« 999 »"):
        call_command("api_client_create", organisation="999", name="x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="n° 424242"):
        call_command("api_client_revoke", 424242)


def test_session_needs_second_factor_when_required(client, settings, org_with_token):
    org, _ = org_with_token
    user = org.memberships.get().user
    client.force_login(user)
    settings.RELAIS_REQUIRE_2FA = True
    refused = client.get("/api/v1/me")
    assert refused.status_code == 401 and "deux étapes" in refused.json()["detail"]
    settings.RELAIS_REQUIRE_2FA = False
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json()["role"] == Role.ADMISSION_OFFICER


def test_openapi_schema_and_docs(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/organisations/{id}/members/" in schema["paths"]
    assert "jetonClientApi" in schema["components"]["securitySchemes"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
