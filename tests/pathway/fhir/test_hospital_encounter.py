"""Hospital stays through FHIR (decision 0045): an Encounter posted by a hospital's software creates, then updates,
a hospital movement; read and search return it under the policy; bad input is an OperationOutcome naming the path."""

import json
from datetime import timedelta

from django.utils import timezone

from relais.fhir.testing import fhir_json
from relais.notifications.models import Notification
from relais.pathway.fhir.movement import DESTINATION_SYSTEM, DISPOSITION_SYSTEM, PLANNED_EXTENSION
from relais.pathway.record.models import PlanTask
from relais.pathway.record.movements import HospitalMovement

from .conftest import post

NDA = "urn:oid:1.2.250.1.999.1.1"  # a hospital's own stay numbers (synthetic)


def stay(world, *, status="in-progress", start=None, end=None, disposition=None, **extra) -> dict:
    today = timezone.localdate()
    resource = {
        "resourceType": "Encounter",
        "identifier": [{"system": NDA, "value": "2026-000123"}],
        "status": status,
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "subject": {"reference": f"Patient/{world.person.pk}"},
        "period": {"start": (start or today - timedelta(days=5)).isoformat()},
        "serviceProvider": {
            "display": "CHU de Rennes",
            "identifier": {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1350000001"},
        },
        "location": [{"location": {"display": "Médecine gériatrique"}}],
        "extension": [{"url": PLANNED_EXTENSION, "valueDate": (today + timedelta(days=2)).isoformat()}],
    }
    if end:
        resource["period"]["end"] = end.isoformat()
    if disposition:
        resource["hospitalization"] = {
            "dischargeDisposition": {"coding": [{"system": DISPOSITION_SYSTEM, "code": disposition}]}
        }
    resource.update(extra)
    return {key: value for key, value in resource.items() if value is not None}


def test_a_hospital_posts_the_entry_then_the_discharge_home_and_reads_it_back(world, as_subject):
    client = as_subject(world.subjects["health_care_team"])
    body = stay(world, reasonCode=[{"text": "Pneumopathie"}])
    created = fhir_json(post(client, "/fhir/Encounter", body), 201, resource_type="Encounter")
    assert created["id"].startswith("hosp-") and created["status"] == "in-progress"
    movement = HospitalMovement.objects.get()
    assert (movement.hospital, movement.hospital_finess, movement.ward) == (
        "CHU de Rennes",
        "350000001",
        "Médecine gériatrique",
    )
    assert movement.reason == "Pneumopathie" and movement.source == "fhir"
    # The same message again: the same movement, nobody told twice.
    again = fhir_json(post(client, "/fhir/Encounter", body), 201, resource_type="Encounter")
    assert again["id"] == created["id"] and HospitalMovement.objects.count() == 1
    assert Notification.objects.filter(kind="pathway.hospital_entry").count() == 3  # coordinator, educator, guardian

    today = timezone.localdate()
    discharged = stay(world, status="finished", end=today, disposition="home")
    data = fhir_json(post(client, "/fhir/Encounter", discharged), 201, resource_type="Encounter")
    assert data["id"] == created["id"] and data["status"] == "finished"
    codes = {(cd["system"], cd["code"]) for cd in data["hospitalization"]["dischargeDisposition"]["coding"]}
    assert codes == {(DISPOSITION_SYSTEM, "home"), (DESTINATION_SYSTEM, "home")}
    fhir_json(post(client, "/fhir/Encounter", discharged), 201, resource_type="Encounter")  # re-post
    assert PlanTask.objects.filter(created_by__startswith="Liste").count() == 5

    # Read: the nurse sees the reason; the coordinator sees the stay without it.
    read = fhir_json(client.get(f"/fhir/Encounter/{created['id']}"), 200, resource_type="Encounter")
    assert read["reasonCode"] == [{"text": "Pneumopathie"}] and read["period"]["end"] == today.isoformat()
    coordinator = as_subject(world.subjects["referent"])
    read = fhir_json(coordinator.get(f"/fhir/Encounter/{created['id']}"), 200, resource_type="Encounter")
    assert "reasonCode" not in read and read["serviceProvider"]["display"] == "CHU de Rennes"
    found = fhir_json(
        coordinator.get(f"/fhir/Encounter?patient=Patient/{world.person.pk}&status=finished"), 200, "Bundle"
    )
    assert [e["resource"]["id"] for e in found["entry"]] == [created["id"]]
    assert fhir_json(as_subject(world.subjects["outsider"]).get(f"/fhir/Encounter/{created['id']}"), 404)


def test_bad_hospital_encounters_name_the_path_and_write_nothing(world, as_subject):
    client = as_subject(world.subjects["health_care_team"])
    today = timezone.localdate()
    cases = {
        "Encounter.status": stay(world, status="cancelled"),
        "Encounter.period.end": stay(world, status="finished"),
        "Encounter.period.end ": stay(world, status="finished", end=today - timedelta(days=9), disposition="home"),
        "Encounter.hospitalization.dischargeDisposition": stay(
            world, status="finished", end=today, disposition="aadvice"
        ),
        "Encounter.hospitalization.dischargeDisposition ": stay(
            world, status="finished", end=today, hospitalization={}
        ),
        "Encounter.serviceProvider.display": stay(world, serviceProvider={"reference": "Organization/x"}),
    }
    for path, body in cases.items():
        outcome = fhir_json(post(client, "/fhir/Encounter", body), 422, resource_type="OperationOutcome")
        assert outcome["issue"][0]["diagnostics"].startswith(f"{path.strip()} :"), (path, outcome)
        assert outcome["issue"][0]["expression"] == [path.strip()]
    # The R4B model itself: a bad date is a 400 naming its path.
    outcome = fhir_json(post(client, "/fhir/Encounter", stay(world, period={"start": "hier"})), 400, "OperationOutcome")
    assert "Encounter.period.start" in outcome["issue"][0]["expression"][0]
    # A social worker may post the stay, not its medical reason: 403 naming reasonCode.
    educator = as_subject(world.subjects["social_care_team"])
    outcome = fhir_json(post(educator, "/fhir/Encounter", stay(world, reasonCode=[{"text": "Chute"}])), 403)
    assert outcome["issue"][0]["expression"] == ["Encounter.reasonCode"]
    assert not HospitalMovement.objects.exists()


def test_put_updates_a_stay_by_its_id(world, as_subject):
    client = as_subject(world.subjects["health_care_team"])
    created = fhir_json(post(client, "/fhir/Encounter", stay(world, identifier=None)), 201, resource_type="Encounter")
    today = timezone.localdate()
    body = stay(world, status="finished", end=today, disposition="rehab", id=created["id"])
    body.pop("identifier")
    put = client.put(f"/fhir/Encounter/{created['id']}", data=json.dumps(body), content_type="application/fhir+json")
    data = fhir_json(put, 200, resource_type="Encounter")
    assert data["status"] == "finished" and data["period"]["end"] == today.isoformat()
    assert HospitalMovement.objects.get().destination == "rehabilitation"
    path = f"/fhir/Encounter/{created['id']}"
    wrong = client.put(path, data=json.dumps({**body, "id": "hosp-0"}), content_type="application/fhir+json")
    assert fhir_json(wrong, 400)["issue"][0]["expression"] == ["Encounter.id"]
    missing = client.put(
        "/fhir/Encounter/hosp-999999",
        data=json.dumps({**body, "id": "hosp-999999"}),
        content_type="application/fhir+json",
    )
    fhir_json(missing, 404)
    outsider = as_subject(world.subjects["outsider"])
    fhir_json(outsider.put(path, data=json.dumps(body), content_type="application/fhir+json"), 404)
    timeline = client.put(
        "/fhir/Encounter/1", data=json.dumps({**body, "id": "1"}), content_type="application/fhir+json"
    )
    fhir_json(timeline, 405)  # the timeline's encounters are not updated through FHIR
    metadata = fhir_json(client.get("/fhir/metadata"), 200)
    encounter = next(r for r in metadata["rest"][0]["resource"] if r["type"] == "Encounter")
    assert [i["code"] for i in encounter["interaction"]] == ["read", "search-type", "create", "update"]
