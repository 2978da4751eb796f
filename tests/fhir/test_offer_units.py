"""HealthcareService and Location: one each per Unit, shaped like the ROR, with the dated capacity extension."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from relais.fhir.testing import fhir_json, local_path
from relais.offer.fhir import codes as c
from relais.offer.models import Unit

from . import offer_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    return offer_data.directory()


def search(client, type_name, query=""):
    return fhir_json(client.get(f"/fhir/{type_name}?{query}"), resource_type="Bundle")


def ids(bundle, mode="match"):
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == mode]


def extension(resource, url):
    return [e for e in resource.get("extension", []) if e["url"] == url]


def sub(ext):
    return {e["url"]: next(v for k, v in e.items() if k.startswith("value")) for e in ext["extension"]}


def test_healthcare_service_is_ror_shaped(client, directory):
    _, ehpad, _, (permanent, temporary, _) = directory
    resource = fhir_json(client.get(f"/fhir/HealthcareService/unit-{permanent.pk}"), resource_type="HealthcareService")
    assert resource["id"] == f"unit-{permanent.pk}" and resource["active"] is True
    assert resource["providedBy"] == {"reference": f"Organization/{ehpad.finess}", "display": ehpad.name}
    assert resource["location"][0]["reference"] == f"Location/unit-{permanent.pk}"
    assert resource["meta"]["profile"] == [c.ROR_HEALTHCARE_SERVICE_PROFILE]
    # No national offer id known: Relais's own, marked temporary (decision 0049).
    assert resource["identifier"] == [{"use": "temp", "system": c.UNIT_ID_SYSTEM, "value": str(permanent.pk)}]
    assert resource["specialty"] == [
        {
            "coding": [
                {"system": c.ACTIVITY_SYSTEM, "code": "298", "display": "Accompagnements pour vivre dans un logement"}
            ]
        }
    ]
    (created,) = extension(resource, c.CREATION_DATE_EXTENSION)
    assert datetime.fromisoformat(created["valueDateTime"]) == permanent.created_at
    assert resource["type"][0]["coding"][0] == {
        "system": c.ACTIVITY_FIELD_SYSTEM,
        "code": "04",
        "display": "Médico-social (MS)",
    }
    care_mode = resource["characteristic"][0]["coding"]
    assert [(x["system"], x["code"]) for x in care_mode] == [
        (c.CARE_MODE_SYSTEM, "46"),
        (c.RELAIS_CARE_MODE_SYSTEM, "permanent_accommodation"),
    ]
    other = {(x["system"], x["code"]) for ch in resource["characteristic"][1:] for x in ch["coding"]}
    assert other == {(c.RELAIS_GIR_SYSTEM, str(n)) for n in range(1, 5)} | {(c.RELAIS_FEATURE_SYSTEM, "alzheimer_unit")}
    (patient,) = extension(resource, c.PATIENT_TYPE_EXTENSION)
    assert patient["extension"][0] == {"url": "ageRange", "valueRange": {"low": {"value": 60}, "high": {"value": 120}}}
    assert patient["extension"][1]["valueCodeableConcept"]["coding"][0]["code"] == "01"  # older people
    zone = extension(resource, c.TERRITORIAL_DIVISION_EXTENSION)
    assert [sub(z)["codeTerritorialDivision"]["coding"][0]["code"] for z in zone] == ["35238", "35051"]
    assert sub(zone[0])["typeTerritorialDivision"]["coding"][0]["code"] == "3"
    assert extension(resource, c.SENSITIVE_UNIT_EXTENSION) == [
        {"url": c.SENSITIVE_UNIT_EXTENSION, "valueBoolean": False}
    ]

    temp = fhir_json(client.get(f"/fhir/HealthcareService/unit-{temporary.pk}"))
    assert temp["characteristic"][1]["coding"][0] == {
        "system": c.RECEPTION_SYSTEM,
        "code": "01",
        "display": "Temporaire",
    }


def test_units_of_a_closed_site_are_inactive(client, directory):
    _, _, _, (_, _, day) = directory
    service = fhir_json(client.get(f"/fhir/HealthcareService/unit-{day.pk}"))
    assert service["active"] is False
    (patient,) = extension(service, c.PATIENT_TYPE_EXTENSION)
    assert patient["extension"] == [{"url": "ageRange", "valueRange": {"low": {"value": 6}, "high": {"value": 20}}}]
    assert {"system": c.RELAIS_DEFICIENCY_SYSTEM, "code": "autism", "display": "Troubles du spectre de l'autisme"} in [
        x for ch in service["characteristic"] for x in ch["coding"]
    ]
    location = fhir_json(client.get(f"/fhir/Location/unit-{day.pk}"), resource_type="Location")
    assert location["status"] == "inactive" and not extension(location, c.CAPACITY_EXTENSION)


def test_location_carries_the_dated_capacity(client, directory):
    _, ehpad, _, (permanent, temporary, _) = directory
    location = fhir_json(client.get(f"/fhir/Location/unit-{permanent.pk}"), resource_type="Location")
    assert location["meta"]["profile"] == [c.ROR_LOCATION_PROFILE]
    assert location["extension"][0] == {
        "url": c.CREATION_DATE_EXTENSION,
        "valueDateTime": location["extension"][0]["valueDateTime"],
    }
    assert datetime.fromisoformat(location["extension"][0]["valueDateTime"]) == permanent.created_at
    capacities = [sub(e) for e in extension(location, c.CAPACITY_EXTENSION)]
    assert [(x["capacityStatus"]["coding"][0]["code"], x["nbCapacity"]) for x in capacities] == [
        ("01", 38),
        ("02", 3),
        ("03", 35),
        ("04", 0),
        ("05", 0),
    ]
    first = capacities[0]
    assert first["capacityStatus"]["coding"][0]["system"] == c.CAPACITY_STATUS_SYSTEM
    assert c.CAPACITY_STATUS_SYSTEM.endswith("TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-TypeStatutCapacite")
    assert first["capacityType"]["coding"][0]["code"] == "01"  # beds: accommodation
    assert first["temporalityCapacity"]["coding"][0]["code"] == "01"
    assert datetime.fromisoformat(first["capacityUpdateDate"]) == datetime(
        2024, 7, 8, 18, 15, tzinfo=ZoneInfo("Europe/Paris")
    )
    assert extension(location, c.AUTHORISED_CAPACITY_EXTENSION) == [
        {"url": c.AUTHORISED_CAPACITY_EXTENSION, "valueInteger": 40}
    ]
    assert extension(location, c.COMMUNE_COG_EXTENSION)[0]["valueCodeableConcept"]["coding"][0]["code"] == "35238"
    assert location["position"] == {"longitude": -1.6612, "latitude": 48.0921}
    assert location["address"] == {
        "line": ["3 rue des Ajoncs"],
        "city": "Rennes",
        "postalCode": "35200",
        "country": "FR",
    }
    assert location["managingOrganization"]["reference"] == f"Organization/{ehpad.finess}"
    assert location["type"][0]["coding"][0]["code"] == "001" and location["status"] == "active"

    installed_only = fhir_json(client.get(f"/fhir/Location/unit-{temporary.pk}"))
    (only,) = [sub(e) for e in extension(installed_only, c.CAPACITY_EXTENSION)]
    assert only["nbCapacity"] == 4 and only["capacityStatus"]["coding"][0]["code"] == "01"
    temporary.refresh_from_db()
    assert datetime.fromisoformat(only["capacityUpdateDate"]) == temporary.updated_at


def test_unknown_units_are_not_found(client, directory):
    permanent = directory[3][0]
    for type_name in ("HealthcareService", "Location"):
        for unknown in ("unit-999999", str(permanent.pk), "unit-x", "unit-"):
            outcome = fhir_json(client.get(f"/fhir/{type_name}/{unknown}"), 404, "OperationOutcome")
            assert outcome["issue"][0]["code"] == "not-found"


def test_healthcare_service_search(client, directory):
    _, ehpad, _, (permanent, temporary, day) = directory
    p, t, d = (f"unit-{u.pk}" for u in (permanent, temporary, day))
    assert search(client, "HealthcareService")["total"] == 3
    assert ids(search(client, "HealthcareService", f"organization=Organization/{ehpad.finess}")) == [p, t]
    assert ids(search(client, "HealthcareService", f"location=Location/{t}")) == [t]
    assert ids(search(client, "HealthcareService", "name=hebergement%20t")) == [t]
    assert ids(search(client, "HealthcareService", "active=false")) == [d]
    assert ids(search(client, "HealthcareService", "active=true")) == [p, t]
    assert ids(search(client, "HealthcareService", f"characteristic={c.CARE_MODE_SYSTEM}|46")) == [p, t]
    assert ids(search(client, "HealthcareService", "characteristic=semi_internat,48")) == [d]
    assert len(ids(search(client, "HealthcareService", f"service-type={c.ACTIVITY_FIELD_SYSTEM}|04"))) == 3
    assert ids(search(client, "HealthcareService", f"identifier={c.UNIT_ID_SYSTEM}|{day.pk}")) == [d]
    assert ids(search(client, "HealthcareService", f"_id={p}")) == [p]
    Unit.objects.filter(pk=day.pk).update(external_id="ror-42")
    assert ids(search(client, "HealthcareService", "identifier=ror-42")) == [d]
    Unit.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC")))
    assert ids(search(client, "HealthcareService", "_lastUpdated=lt2020-06-01")) == []  # the sites are newer
    page = search(client, "HealthcareService", "_count=2&_offset=1")
    assert [link["relation"] for link in page["link"]] == ["self", "previous"] and len(page["entry"]) == 2


def test_location_search_and_revinclude(client, directory):
    _, ehpad, _, (permanent, temporary, _) = directory
    p, t = (f"unit-{u.pk}" for u in (permanent, temporary))
    assert ids(search(client, "Location", "address-postalcode=352")) == [p, t]
    assert ids(search(client, "Location", f"organization=Organization/{ehpad.finess}&name=hebergement%20p")) == [p]
    assert ids(search(client, "Location", f"identifier={permanent.pk}")) == [p]
    Unit.objects.filter(pk=permanent.pk).update(
        ror_identifier="53/77", ror_identifier_system="https://ror.example.invalid"
    )
    assert ids(search(client, "Location", "identifier=https://ror.example.invalid|53/77")) == [p]
    assert ids(search(client, "HealthcareService", "identifier=53/77")) == [p]
    assert ids(search(client, "HealthcareService", "identifier=|53/77")) == []  # it has a system

    bundle = search(client, "Location", "address-postalcode=35&_revinclude=HealthcareService:location&_count=1")
    assert bundle["total"] == 2 and ids(bundle) == [p] and ids(bundle, "include") == [p]
    included = next(e for e in bundle["entry"] if e["search"]["mode"] == "include")
    assert included["resource"]["resourceType"] == "HealthcareService"
    assert included["fullUrl"].endswith(f"/fhir/HealthcareService/{p}")
    next_url = next(link["url"] for link in bundle["link"] if link["relation"] == "next")
    assert "_revinclude=HealthcareService%3Alocation" in next_url
    second = fhir_json(client.get(local_path(next_url)))
    assert ids(second) == [t] and ids(second, "include") == [t]
    everything = search(client, "Location", "_revinclude=HealthcareService:location")
    assert everything["total"] == 3 and len(everything["entry"]) == 6
    assert "entry" not in search(client, "Location", "name=nothing&_revinclude=HealthcareService:location")
    for type_name, value in (("Location", "HealthcareService:organization"), ("HealthcareService", "Location:x")):
        response = client.get(f"/fhir/{type_name}?_revinclude={value}")
        outcome = fhir_json(response, 400, "OperationOutcome")
        assert outcome["issue"][0]["code"] == "not-supported" and outcome["issue"][0]["expression"] == ["_revinclude"]
    assert ids(search(client, "Location", f"_lastUpdated=gt{datetime.now().year + 1}")) == []
    assert len(ids(search(client, "Location", "_lastUpdated=ge2000"))) == 3


def test_searches_take_a_fixed_number_of_queries(client, directory, django_assert_max_num_queries):
    ehpad = directory[1]
    for n in range(15):
        offer_data.unit(ehpad, name=f"Unité {n}", installed=n)
    with django_assert_max_num_queries(3):  # count, page, services of the page
        bundle = search(client, "Location", "_count=50&_revinclude=HealthcareService:location")
    assert bundle["total"] == 18 and len(bundle["entry"]) == 36
    with django_assert_max_num_queries(2):
        assert search(client, "HealthcareService", "_count=50")["total"] == 18
    with django_assert_max_num_queries(10):  # three counts, three pages, the parents' directory ids
        assert search(client, "Organization", "_count=50")["total"] == 3


def test_the_capability_statement_names_the_directory_profiles(client):
    statement = fhir_json(client.get("/fhir/metadata"), resource_type="CapabilityStatement")
    listed = {r["type"]: r.get("supportedProfile", []) for r in statement["rest"][0]["resource"]}
    assert listed["HealthcareService"] == [c.ROR_HEALTHCARE_SERVICE_PROFILE]
    assert listed["Location"] == [c.ROR_LOCATION_PROFILE]
    assert listed["Organization"] == [c.ROR_ORGANIZATION_PROFILE, c.FR_CORE_ORGANIZATION_PROFILE]
