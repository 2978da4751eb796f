"""Malformed input to the FHIR façade is a 4xx OperationOutcome naming the parameter or the path, never a 500.

A sweep over every registered type and each of its search parameters (with junk of the parameter's type), the paging
parameters, read ids and posted bodies; then one regression test per 500 found: dates out of range or impossible in
search parameters (`Slot?start=ge2026-99-99`, `_lastUpdated=ge9999`) and in posted resources (`Encounter.period.start`
in year 1 or 9999), and inner resources whose resourceType is not a type name.
"""

import json

import pytest

from relais.fhir.registry import registrations
from relais.fhir.testing import fhir_json
from tests.pathway.fhir.circle import build_circle
from tests.pathway.fhir.test_events import encounter

pytestmark = pytest.mark.django_db

JUNK = {
    "date": ["ge2026-99-99", "2026-02-30", "ge9999", "le0001", "9999-12-31T23:59:59-12:00", "2026-01-01T25:00",
             "2026-01-01T10:00+99:00", "demain", "ge"],
    "token": ["|", "sys|", "|99999999999999999999", "a,,b", "\x00", "x" * 2000],
    "reference": ["Patient/99999999999999999999", "Schedule/", "http://ailleurs.example/Patient/1", "-1", "/"],
    "string": ["%", "\x00", "x" * 2000],
    "uri": ["::", "x" * 2000],
}  # fmt: skip
BODIES = ["{", "[]", "null", '"texte"', "[" * 5000 + "]" * 5000, "\udcff"]


def outcome(response, status: int) -> dict:
    data = fhir_json(response, status, resource_type="OperationOutcome")
    return data["issue"][0]


@pytest.fixture
def world(client, settings):
    settings.RELAIS_REQUIRE_2FA = False
    world = build_circle()
    client.force_login(world.subjects["referent"].user)  # a coordinator: reaches every protected search
    client.raise_request_exception = False
    return world


def test_junk_in_any_search_parameter_is_never_a_server_error(client, world):
    for registration in registrations():
        for param in registration.search_params:
            for value in JUNK.get(param.type, []):
                response = client.get(f"/fhir/{registration.type}", {param.name: value})
                where = f"{registration.type}?{param.name}={value[:30]}"
                assert response.status_code in (200, 400, 404), (where, response.content[:300])
                if response.status_code != 200:  # a 404: a reference to something unknown (a questionnaire)
                    assert outcome(response, response.status_code)["expression"] == [param.name], where


def test_junk_paging_and_ids_are_4xx(client, world):
    for registration in registrations():
        for name, value in (("_count", "-1"), ("_count", "1e3"), ("_offset", "99999999999"), ("_offset", "x")):
            response = client.get(f"/fhir/{registration.type}", {name: value})
            assert outcome(response, 400)["expression"] == [name], (registration.type, name, value)
        for resource_id in ("99999999999", "9" * 64, "0", "-1", "a.b"):
            response = client.get(f"/fhir/{registration.type}/{resource_id}")
            assert outcome(response, 404)["code"] == "not-found", (registration.type, resource_id)
    bundle = fhir_json(client.get("/fhir/Patient", {"_count": "1000"}))
    assert "_count=200" in bundle["link"][0]["url"]


def test_malformed_bodies_are_400_structure(client, world):
    for registration in registrations():
        if registration.create is None:
            continue
        for body in BODIES:
            data = body.encode("utf-8", "surrogateescape")
            response = client.post(f"/fhir/{registration.type}", data, content_type="application/fhir+json")
            assert outcome(response, 400)["code"] in ("structure", "invalid"), (registration.type, body[:20])


def test_an_impossible_slot_start_is_a_400_naming_start(client, world):
    for value in ("ge2026-99-99", "2026-01-01T25:00", "ge2026-01-01T10:00:00+99:00", "ge9999-12-31T23:59:59-12:00"):
        issue = outcome(client.get("/fhir/Slot", {"start": value}), 400)
        assert issue["expression"] == ["start"] and value in issue["diagnostics"]


def test_a_last_updated_out_of_range_is_a_400_naming_it(client):
    for type_name in ("Organization", "Location", "HealthcareService"):
        for value in ("ge9999", "9999-12-31", "0001-01-01", "lt1899-12-31"):
            issue = outcome(client.get(f"/fhir/{type_name}", {"_lastUpdated": value}), 400)
            assert issue["expression"] == ["_lastUpdated"]
            assert "hors de la plage acceptée (années 1900 à 2199)" in issue["diagnostics"]
    fhir_json(client.get("/fhir/Organization", {"_lastUpdated": "ge1900-01-01"}))


def post(client, path: str, data) -> object:
    return client.post(path, json.dumps(data), content_type="application/fhir+json")


def test_an_encounter_in_year_1_or_9999_is_a_400_naming_its_period(client, world):
    client.force_login(world.subjects["health_care_team"].user)  # may write medical events
    for start in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "9999-12-31", "0001-01-01"):
        issue = outcome(post(client, "/fhir/Encounter", encounter(world, period={"start": start})), 400)
        assert issue["expression"] == ["Encounter.period.start"] and start in issue["diagnostics"]
    fhir_json(post(client, "/fhir/Encounter", encounter(world, period={"start": "1950-01-01"})), 201)


def test_a_date_out_of_range_anywhere_in_a_resource_is_named(client, world):
    client.force_login(world.subjects["health_care_team"].user)
    body = encounter(world, extension=[{"url": "urn:relais:test", "valueDate": "2200-01-01"}])
    issue = outcome(post(client, "/fhir/Encounter", body), 400)
    assert issue["expression"] == ["Encounter.extension[0].valueDate"]


def test_a_transaction_names_the_entry_of_a_bad_date_or_a_malformed_entry(client, world):
    patient = {"resourceType": "Patient", "birthDate": "0001-01-01", "name": [{"family": "Morvan"}]}

    def transaction(*entries):
        return post(client, "/fhir/", {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)})

    create, bad_url = {"method": "POST", "url": "Patient"}, {"method": "POST", "url": 1}
    issue = outcome(transaction({"resource": patient, "request": create}), 400)
    assert issue["expression"] == ["Bundle.entry[0].resource.birthDate"]
    cases = [
        ({"resource": {"resourceType": ["Patient"]}, "request": create}, "Bundle.entry[0].resource.resourceType"),
        ({"resource": {"resourceType": "Patient"}, "request": "POST"}, "Bundle.entry[0].request.method"),
        ({"resource": {"resourceType": "Patient"}, "request": bad_url}, "Bundle.entry[0].request.url"),
        ({"fullUrl": ["x"], "resource": {"resourceType": "Patient"}, "request": create}, "Bundle.entry[0].fullUrl"),
    ]  # fmt: skip
    for entry, path in cases:
        assert outcome(transaction(entry), 400)["expression"] == [path]


def test_a_nul_character_in_a_posted_resource_is_a_400_naming_its_path(client, world):
    client.force_login(world.subjects["health_care_team"].user)
    body = encounter(world, title="Séjour\x00")
    issue = outcome(post(client, "/fhir/Encounter", body), 400)
    assert issue["expression"] == ["Encounter.type[0].text"] and "caractère nul" in issue["diagnostics"]


def test_an_inner_resource_without_a_type_name_is_a_400_naming_it(client, world):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": ["Patient"]}}]}
    issue = outcome(post(client, "/fhir/Bundle", bundle), 400)
    assert issue["expression"] == ["Bundle.entry[0].resource.resourceType"] and issue["code"] == "structure"
    body = encounter(world, contained=[{"resourceType": "Inconnu", "id": "x"}])
    issue = outcome(post(client, "/fhir/Encounter", body), 400)
    assert issue["expression"] == ["Encounter.contained[0].resourceType"]
