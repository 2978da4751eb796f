"""The façade itself: formats, errors as OperationOutcome, protected types, hiding, create."""

import json

import pytest
from django.test import Client

from relais.accounts.roles import OrganisationKind, Role
from relais.fhir.registry import registered
from relais.fhir.testing import fhir_json

from .conftest import SITE_URL

pytestmark = pytest.mark.django_db
FHIR_JSON = "application/fhir+json"


@pytest.fixture
def two_orgs(make_organisation, make_token):
    a, b = make_organisation(name="ESMS A"), make_organisation(name="ESMS B")
    return a, make_token(a), b, make_token(b)


def issue(response, status, code):
    outcome = fhir_json(response, status, "OperationOutcome")
    assert outcome["issue"][0]["severity"] == "error" and outcome["issue"][0]["code"] == code, outcome
    return outcome["issue"][0]


# --- Formats and unknown paths -------------------------------------------------------------


def test_content_negotiation(client):
    response = client.get("/fhir/metadata")
    assert response.headers["Content-Type"] == f"{FHIR_JSON}; charset=utf-8"
    as_json = client.get("/fhir/metadata", HTTP_ACCEPT="application/json")
    assert as_json.headers["Content-Type"].startswith("application/json;")
    browser = client.get(
        "/fhir/metadata", HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    )
    assert browser.headers["Content-Type"].startswith(FHIR_JSON)
    assert client.get("/fhir/metadata?_format=json").status_code == 200
    pretty = client.get("/fhir/metadata?_pretty=true")
    assert pretty.content.startswith(b'{\n  "resourceType"')


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("?_format=xml", None),
        ("?_format=application/fhir%2Bxml", None),
        ("", "application/fhir+xml"),
        ("", "application/xml, text/xml"),
    ],
)
def test_xml_is_not_acceptable(client, query, accept):
    extra = {"HTTP_ACCEPT": accept} if accept else {}
    issue(client.get(f"/fhir/Organization{query}", **extra), 406, "not-supported")


@pytest.mark.parametrize("path", ["/fhir/", "/fhir/Organization/1/_history", "/fhir/a/b/c/d"])
def test_unknown_paths_answer_operation_outcome(client, path):
    issue(client.get(path), 404, "not-found")


@pytest.mark.parametrize("type_name", ["Observation", "organization", "Nonsense"])
def test_unsupported_types(client, type_name):
    for path in (f"/fhir/{type_name}", f"/fhir/{type_name}/1"):
        found = issue(client.get(path), 404, "not-supported")
        assert type_name in found["diagnostics"]


def test_methods_not_allowed(client, notes):
    issue(client.delete("/fhir/Organization/1"), 405, "not-supported")
    issue(client.put("/fhir/Basic", data="{}", content_type=FHIR_JSON), 405, "not-supported")
    response = client.post("/fhir/Basic/1", data="{}", content_type=FHIR_JSON)
    issue(response, 405, "not-supported")
    assert response.headers["Allow"] == "GET"


def test_unexpected_errors_answer_500_operation_outcome(client):
    def broken(*args):
        raise RuntimeError("boom")

    with registered("Basic", read=broken, search=broken, public=True):
        found = issue(client.get("/fhir/Basic"), 500, "exception")
        assert "boom" not in found["diagnostics"]
        issue(client.get("/fhir/Basic/1"), 500, "exception")


# --- Protected types: 401, and 404 for hidden exactly as for missing -------------------------


def test_protected_type_needs_an_actor(client, notes, two_orgs):
    a, _, _, _ = two_orgs
    note = notes.add(a, "premier")
    for path in ("/fhir/Basic", f"/fhir/Basic/{note}", "/fhir/Basic/999"):
        response = client.get(path)
        issue(response, 401, "login")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_hidden_is_answered_exactly_like_missing(client, notes, two_orgs):
    a, token_a, _, token_b = two_orgs
    note = notes.add(a, "confidentiel")
    fhir_json(client.get(f"/fhir/Basic/{note}", **token_a), resource_type="Basic")
    hidden = client.get(f"/fhir/Basic/{note}", **token_b)
    missing = client.get("/fhir/Basic/999", **token_b)
    issue(hidden, 404, "not-found")
    assert hidden.status_code == missing.status_code
    assert hidden.headers["Content-Type"] == missing.headers["Content-Type"]
    assert hidden.content.replace(f"Basic/{note}".encode(), b"Basic/X") == missing.content.replace(
        b"Basic/999", b"Basic/X"
    )
    assert fhir_json(client.get("/fhir/Basic", **token_b), resource_type="Bundle")["total"] == 0
    assert fhir_json(client.get("/fhir/Basic?code=confidentiel", **token_a))["total"] == 1


def test_session_actor_is_used(client, notes, make_organisation, make_member, no_2fa):
    org = make_organisation(name="ESMS")
    user, _ = make_member(org, role=Role.ADMISSION_OFFICER)
    note = notes.add(org, "vue par session")
    client.force_login(user)
    assert fhir_json(client.get(f"/fhir/Basic/{note}"), resource_type="Basic")["code"]["text"] == "vue par session"


def test_session_without_second_factor_is_not_an_actor(client, notes, make_organisation, make_member, settings):
    settings.RELAIS_REQUIRE_2FA = True
    org = make_organisation(kind=OrganisationKind.ESMS, name="ESMS")
    user, _ = make_member(org, role=Role.ADMISSION_OFFICER)  # reads personal data: 2FA required
    client.force_login(user)
    found = issue(client.get("/fhir/Basic"), 401, "login")
    assert "deux étapes" in found["diagnostics"]
    fhir_json(client.get("/fhir/Organization"), resource_type="Bundle")  # public types still answer


# --- Create ------------------------------------------------------------------------------------


def post(client, path, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data=data, content_type=FHIR_JSON, **extra)


def test_valid_create(client, notes, two_orgs):
    _, token_a, _, token_b = two_orgs
    response = post(
        client, "/fhir/Basic", {"resourceType": "Basic", "id": "ignored", "code": {"text": "nouvelle"}}, **token_a
    )
    created = fhir_json(response, 201, "Basic")
    assert created["id"] != "ignored" and created["code"] == {"text": "nouvelle"}
    assert response.headers["Location"] == f"{SITE_URL}/fhir/Basic/{created['id']}"
    fhir_json(client.get(f"/fhir/Basic/{created['id']}", **token_a), resource_type="Basic")
    issue(client.get(f"/fhir/Basic/{created['id']}", **token_b), 404, "not-found")


@pytest.mark.parametrize(
    ("body", "code", "expression"),
    [
        ({"resourceType": "Basic", "code": {"coding": [{"system": 5}]}}, "invalid", "Basic.code.coding[0].system"),
        ({"resourceType": "Basic"}, "required", "Basic.code"),
        ({"resourceType": "Basic", "code": {"text": "x"}, "colour": "blue"}, "structure", "Basic.colour"),
        ({"resourceType": "Patient", "code": {"text": "x"}}, "invalid", "Basic.resourceType"),
        ({"code": {"text": "x"}}, "invalid", "Basic.resourceType"),
        ("{not json", "structure", None),
        ("[1, 2]", "structure", None),
    ],
)
def test_invalid_create_names_the_path(client, notes, two_orgs, body, code, expression):
    _, token_a, _, _ = two_orgs
    found = issue(post(client, "/fhir/Basic", body, **token_a), 400, code)
    assert found.get("expression") == ([expression] if expression else None)
    assert notes.notes == {}


def test_invalid_organization_names_the_identifier_path(client, two_orgs):
    _, token_a, _, _ = two_orgs
    with registered(
        "Organization",
        read=lambda a, i: None,
        search=lambda a, p, o, c: ([], 0),
        create=lambda actor, resource: {**resource, "id": "1"},
        public=True,
    ):
        body = {"resourceType": "Organization", "identifier": [{"system": 42, "value": "750000001"}]}
        found = issue(post(client, "/fhir/Organization", body, **token_a), 400, "invalid")
    assert found["expression"] == ["Organization.identifier[0].system"]
    assert "Organization.identifier[0].system" in found["diagnostics"]


def test_create_errors(client, notes, two_orgs):
    _, token_a, _, _ = two_orgs
    valid = {"resourceType": "Basic", "code": {"text": "x"}}
    issue(post(client, "/fhir/Basic", valid), 401, "login")
    response = client.post("/fhir/Basic", data=json.dumps(valid), content_type="text/plain", **token_a)
    issue(response, 415, "not-supported")
    refused = issue(post(client, "/fhir/Basic", {**valid, "code": {"text": "refusé"}}, **token_a), 422, "business-rule")
    assert "Ce texte est refusé." in refused["diagnostics"]


def test_session_create_needs_the_csrf_token_and_bearer_does_not(
    notes, make_organisation, make_member, make_token, no_2fa
):
    org = make_organisation(name="ESMS")
    user, _ = make_member(org)
    body = {"resourceType": "Basic", "code": {"text": "x"}}
    session_client = Client(enforce_csrf_checks=True)
    session_client.force_login(user)
    issue(post(session_client, "/fhir/Basic", body), 403, "forbidden")
    fhir_json(post(Client(enforce_csrf_checks=True), "/fhir/Basic", body, **make_token(org)), 201, "Basic")
