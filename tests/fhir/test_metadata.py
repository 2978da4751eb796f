"""GET /fhir/metadata: a CapabilityStatement generated from the registry, valid for R4B."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from relais.fhir import registry
from relais.fhir.registry import SearchParam
from relais.fhir.testing import assert_valid_fhir, fhir_json

from .conftest import SITE_URL

pytestmark = pytest.mark.django_db


def _resource(statement, type_name):
    return next(r for r in statement["rest"][0]["resource"] if r["type"] == type_name)


def test_metadata_is_a_valid_r4b_capability_statement(client):
    statement = fhir_json(client.get("/fhir/metadata"), resource_type="CapabilityStatement")
    assert statement["status"] == "active" and statement["kind"] == "instance"
    assert statement["fhirVersion"] == "4.0.1"
    assert "json" in statement["format"]
    assert statement["software"]["name"] == "Relais"
    assert statement["implementation"]["url"] == f"{SITE_URL}/fhir"
    assert statement["rest"][0]["mode"] == "server"

    organization = _resource(statement, "Organization")
    assert [i["code"] for i in organization["interaction"]] == ["read", "search-type"]
    names = {p["name"]: p["type"] for p in organization["searchParam"]}
    assert names == {
        "_id": "token",
        "identifier": "token",
        "name": "string",
        "type": "token",
        "active": "token",
        "partof": "reference",
        "address-postalcode": "string",
        "_lastUpdated": "date",
    }
    assert "publique" in organization["documentation"]
    assert "searchRevInclude" not in organization
    location = _resource(statement, "Location")
    assert location["searchRevInclude"] == ["HealthcareService:location"]
    assert {p["name"] for p in location["searchParam"]} >= {"identifier", "name", "address-postalcode", "_lastUpdated"}
    service = _resource(statement, "HealthcareService")
    assert {p["name"] for p in service["searchParam"]} >= {"organization", "location", "_lastUpdated", "active"}
    assert {p["name"] for p in statement["rest"][0]["searchParam"]} == {"_count", "_offset"}


def test_metadata_follows_the_registry(client, notes):
    statement = fhir_json(client.get("/fhir/metadata"), resource_type="CapabilityStatement")
    basic = _resource(statement, "Basic")
    assert [i["code"] for i in basic["interaction"]] == ["read", "search-type", "create"]
    assert basic["searchParam"] == [{"name": "code", "type": "token", "documentation": "Texte de la note."}]
    assert "Authentification requise" in basic["documentation"]
    assert [i["code"] for i in statement["rest"][0]["interaction"]] == ["transaction"]
    types = [r["type"] for r in statement["rest"][0]["resource"]]
    assert types == sorted(r.type for r in registry.registrations())
    assert {"Basic", "HealthcareService", "Location", "Organization", "Task"} <= set(types)


def test_unregistered_type_leaves_metadata(client, notes):
    registry.unregister("Basic")
    statement = fhir_json(client.get("/fhir/metadata"))
    types = [r["type"] for r in statement["rest"][0]["resource"]]
    assert "Basic" not in types and {"HealthcareService", "Location", "Organization"} <= set(types)


def test_metadata_only_answers_get(client):
    response = client.post("/fhir/metadata", data="{}", content_type="application/fhir+json")
    outcome = fhir_json(response, status=405, resource_type="OperationOutcome")
    assert outcome["issue"][0]["code"] == "not-supported"
    assert response.headers["Allow"] == "GET"


def test_registry_refuses_mistakes():
    def handler(*args):
        return None

    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register("Organization", read=handler, search=handler)
    with pytest.raises(ImproperlyConfigured, match="not a FHIR R4B resource"):
        registry.register("Element", read=handler, search=handler)
    with pytest.raises(ImproperlyConfigured, match="not a FHIR R4B resource"):
        registry.register("Nonsense", read=handler, search=handler)
    with pytest.raises(ImproperlyConfigured, match="reserved"):
        SearchParam("_count", "number")
    with pytest.raises(ImproperlyConfigured, match="not a FHIR R4 type"):
        SearchParam("name", "text")
    with pytest.raises(ImproperlyConfigured, match="not Type:parameter"):
        registry.register("Basic", read=handler, search=handler, revincludes={"location": handler})
    assert SearchParam("_lastUpdated", "date").name == "_lastUpdated"
    assert registry.get("Element") is None and registry.get("Nonsense") is None


def test_registered_restores_the_previous_registration():
    original = registry.get("Organization")
    with registry.registered("Organization", read=lambda a, i: None, search=lambda a, p, o, c: ([], 0)) as temporary:
        assert registry.get("Organization") is temporary is not original
    assert registry.get("Organization") is original


def test_the_test_helper_refuses_empty_elements():
    with pytest.raises(AssertionError, match=r"Bundle\.entry is empty"):
        assert_valid_fhir({"resourceType": "Bundle", "type": "searchset", "entry": []})
    with pytest.raises(Exception, match="Extra inputs"):
        assert_valid_fhir({"resourceType": "Organization", "colour": "blue"})
