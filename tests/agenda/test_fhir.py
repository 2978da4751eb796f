"""FHIR Schedule, Slot, Appointment: R4B-valid shapes, policy on Appointment, create books a slot, the ANS example."""

import json

from django.conf import settings

from relais.agenda.models import Appointment
from relais.agenda.services import appointment_book
from relais.audit.models import AccessLogEntry
from relais.fhir.testing import assert_valid_fhir, fhir_json

ANS = settings.REFERENCE_DIR / "examples" / "fhir" / "coordination"


def _post(client, path, data):
    return client.post(path, data=json.dumps(data), content_type="application/fhir+json")


def _outcome(response, status):
    assert response.status_code == status, response.content
    data = json.loads(response.content)
    assert_valid_fhir(data, "OperationOutcome")
    return data["issue"][0]


def test_schedule_and_slots_are_gap_shaped(world, as_subject):
    client = as_subject(world.subjects["health_consent"])
    schedule = fhir_json(client.get(f"/fhir/Schedule/{world.agenda.pk}"), resource_type="Schedule")
    assert schedule["meta"]["profile"] == [
        "https://interop.esante.gouv.fr/ig/fhir/gap/StructureDefinition/gap-fr-schedule"
    ]
    assert schedule["actor"][0]["identifier"]["value"] == str(world.nurse.user.pk)
    assert schedule["actor"][1]["reference"] == f"Organization/relais-{world.organisations.ssiad.pk}"
    bundle = fhir_json(
        client.get(f"/fhir/Slot?schedule=Schedule/{world.agenda.pk}&status=free"), resource_type="Bundle"
    )
    assert bundle["total"] == len(world.slots)
    slot = bundle["entry"][0]["resource"]
    assert_valid_fhir(slot, "Slot")
    assert slot["serviceType"][0]["coding"][0]["code"] == "teleconsultation" and "visio" not in json.dumps(slot)
    appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    assert fhir_json(client.get(f"/fhir/Slot?schedule=Schedule/{world.agenda.pk}&status=busy"))["total"] == 1
    day = world.slots[0].start.date().isoformat()
    assert fhir_json(client.get(f"/fhir/Slot?start={day}"))["total"] == 4
    assert _outcome(client.get("/fhir/Slot?start=demain"), 400)["expression"] == ["start"]


def test_appointment_create_books_a_free_slot_for_a_person_of_the_circle(world, as_subject):
    client = as_subject(world.subjects["health_consent"])
    body = {
        "resourceType": "Appointment",
        "status": "proposed",
        "slot": [{"reference": f"Slot/{world.slots[0].pk}"}],
        "description": "Suivi de plaie",
        "participant": [
            {"actor": {"reference": f"Patient/{world.person.pk}"}, "status": "accepted"},
        ],
    }
    created = fhir_json(_post(client, "/fhir/Appointment", body), 201, resource_type="Appointment")
    assert created["status"] == "booked" and created["slot"] == [{"reference": f"Slot/{world.slots[0].pk}"}]
    assert created["extension"][0]["valueUrl"].startswith("https://visio")
    assert created["minutesDuration"] == 30
    again = _outcome(_post(client, "/fhir/Appointment", body), 409)
    assert again["expression"] == ["Appointment.slot[0]"] and "déjà réservé" in again["diagnostics"]
    read = fhir_json(client.get(f"/fhir/Appointment/{created['id']}"), resource_type="Appointment")
    assert read["participant"][0]["actor"] == {"reference": f"Patient/{world.person.pk}"}
    assert AccessLogEntry.objects.filter(detail="FHIR Appointment read", subject=f"persons.person:{world.person.pk}")


def test_appointment_is_invisible_outside_the_circle(world, as_subject):
    appointment = appointment_book(actor=world.gp, slot=world.slots[0], person=world.person)
    outsider = as_subject(world.subjects["outsider"])
    assert outsider.get(f"/fhir/Appointment/{appointment.pk}").status_code == 404
    assert outsider.get("/fhir/Appointment/999999").status_code == 404
    assert fhir_json(outsider.get("/fhir/Appointment"))["total"] == 0
    nurse = as_subject(world.subjects["health_care_team"])
    assert fhir_json(nurse.get(f"/fhir/Appointment?patient=Patient/{world.person.pk}"))["total"] == 1
    body = {
        "resourceType": "Appointment",
        "status": "proposed",
        "slot": [{"reference": f"Slot/{world.slots[1].pk}"}],
        "participant": [{"actor": {"reference": f"Patient/{world.person.pk}"}, "status": "accepted"}],
    }
    outsider = as_subject(world.subjects["outsider"])  # one test client: log the outsider in again
    issue = _outcome(_post(outsider, "/fhir/Appointment", body), 404)
    assert issue["expression"] == ["Appointment.participant[0].actor"]
    assert Appointment.objects.count() == 1


def test_the_ans_example_is_refused_naming_the_unknown_reference(world, as_subject):
    example = json.loads((ANS / "gap__Appointment-example-req-appointment.json").read_text(encoding="utf-8"))
    client = as_subject(world.subjects["health_consent"])
    issue = _outcome(_post(client, "/fhir/Appointment", example), 422)
    assert issue["expression"] == ["Appointment.slot[0].reference"]
    assert "https://exampleserver.org/fhir/Slot/example" in issue["diagnostics"]
    # With Relais references in place of the example server's, the same resource is accepted.
    example["slot"] = [{"reference": f"Slot/{world.slots[0].pk}"}]
    example["participant"][0]["actor"] = {"reference": f"Patient/{world.person.pk}", "display": "Mme Morvan"}
    created = fhir_json(_post(client, "/fhir/Appointment", example), 201, resource_type="Appointment")
    assert created["status"] == "booked"
    example["slot"] = [{"reference": "Slot/999999"}]
    assert _outcome(_post(client, "/fhir/Appointment", example), 404)["expression"] == ["Appointment.slot[0].reference"]
