"""FHIR Schedule, Slot, Appointment: R4B-valid shapes, policy on Appointment, create books a slot, the ANS example."""

import json

from django.conf import settings

from relais.agenda.models import Agenda, Appointment
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


def test_an_organisation_agenda_is_held_by_a_location(world, as_subject):
    agenda = Agenda.objects.create(organisation=world.organisations.ssiad, label="Agenda du SSIAD")
    client = as_subject(world.subjects["health_consent"])
    schedule = fhir_json(client.get(f"/fhir/Schedule/{agenda.pk}"), resource_type="Schedule")
    assert [a["type"] for a in schedule["actor"]] == ["Location"]
    location = schedule["contained"][0]
    assert location["resourceType"] == "Location" and location["managingOrganization"]["type"] == "Organization"
    assert_valid_fhir(schedule, "Schedule")


def test_schedule_and_slots_are_gap_shaped(world, as_subject):
    client = as_subject(world.subjects["health_consent"])
    schedule = fhir_json(client.get(f"/fhir/Schedule/{world.agenda.pk}"), resource_type="Schedule")
    assert schedule["meta"]["profile"] == [
        "https://interop.esante.gouv.fr/ig/fhir/gap/StructureDefinition/gap-fr-schedule"
    ]
    # FR Core: the holder is a PractitionerRole (contained: the nurse at the SSIAD), never an Organization.
    role, practitioner = schedule["actor"]
    assert role["reference"] == "#holder" and role["type"] == "PractitionerRole"
    assert practitioner["type"] == "Practitioner"
    assert practitioner["identifier"]["value"] == str(world.nurse.user.pk)
    contained = schedule["contained"][0]
    assert contained["resourceType"] == "PractitionerRole" and contained["practitioner"] == practitioner
    ssiad = world.organisations.ssiad
    assert contained["organization"]["display"] == ssiad.name and contained["organization"]["type"] == "Organization"
    assert all(actor.get("type") != "Organization" for actor in schedule["actor"])
    bundle = fhir_json(
        client.get(f"/fhir/Slot?schedule=Schedule/{world.agenda.pk}&status=free"), resource_type="Bundle"
    )
    assert bundle["total"] == len(world.slots)
    slot = bundle["entry"][0]["resource"]
    assert_valid_fhir(slot, "Slot")
    assert slot["meta"]["profile"] == ["https://interop.esante.gouv.fr/ig/fhir/gap/StructureDefinition/gap-fr-slot"]
    assert slot["identifier"][0]["use"] == "usual" and slot["schedule"]["type"] == "Schedule"
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
    assert created["status"] == "booked" and created["slot"][0]["reference"] == f"Slot/{world.slots[0].pk}"
    by_url = {e["url"]: e for e in created["extension"]}
    assert by_url["urn:relais:fhir:extension:video-link"]["valueUrl"].startswith("https://visio")
    operator = by_url["https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-appointment-operator"]
    assert operator["valueReference"]["type"] == "Practitioner"  # the GP who booked
    assert created["meta"]["profile"][1] == "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-appointment"
    actors = [p["actor"] for p in created["participant"]]
    assert [a.get("type") for a in actors] == ["Patient", "PractitionerRole", "Practitioner"]
    assert created["contained"][0]["resourceType"] == "PractitionerRole"
    assert created["minutesDuration"] == 30
    again = _outcome(_post(client, "/fhir/Appointment", body), 409)
    assert again["expression"] == ["Appointment.slot[0]"] and "déjà réservé" in again["diagnostics"]
    read = fhir_json(client.get(f"/fhir/Appointment/{created['id']}"), resource_type="Appointment")
    assert read["participant"][0]["actor"] == {"reference": f"Patient/{world.person.pk}", "type": "Patient"}
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
    """GAP flow 6a goes to the agenda manager that holds the slot: the example's slot is another server's."""
    example = json.loads((ANS / "gap__Appointment-example-req-appointment.json").read_text(encoding="utf-8"))
    client = as_subject(world.subjects["health_consent"])
    issue = _outcome(_post(client, "/fhir/Appointment", example), 422)
    assert issue["expression"] == ["Appointment.slot[0].reference"]
    assert "https://exampleserver.org/fhir/Slot/example" in issue["diagnostics"] and "flux 6a" in issue["diagnostics"]
    # This server's own absolute URL of a slot is its slot.
    example["slot"] = [{"reference": f"{settings.SITE_URL}/fhir/Slot/{world.slots[1].pk}"}]
    issue = _outcome(_post(client, "/fhir/Appointment", example), 422)
    assert issue["expression"] == ["Appointment.participant[0].actor"]  # now the example's patient is the problem
    # With Relais references in place of the example server's, the same resource is accepted.
    example["slot"] = [{"reference": f"Slot/{world.slots[0].pk}"}]
    example["participant"][0]["actor"] = {"reference": f"Patient/{world.person.pk}", "display": "Mme Morvan"}
    created = fhir_json(_post(client, "/fhir/Appointment", example), 201, resource_type="Appointment")
    assert created["status"] == "booked"
    example["slot"] = [{"reference": "Slot/999999"}]
    assert _outcome(_post(client, "/fhir/Appointment", example), 404)["expression"] == ["Appointment.slot[0].reference"]


def test_the_official_slot_example_and_relais_s_slots_share_the_gap_shape(world, as_subject):
    """example-frslot (GAP guide): it validates as R4 and every element it fills, Relais's Slot fills too, except
    specialty (Relais's agendas have no specialty: decision 0052)."""
    official = json.loads((ANS / "gap__Slot-example.json").read_text(encoding="utf-8"))
    assert_valid_fhir(official, "Slot")
    client = as_subject(world.subjects["health_consent"])
    ours = fhir_json(client.get(f"/fhir/Slot/{world.slots[0].pk}"), resource_type="Slot")
    assert set(official) - set(ours) == {"specialty"}
    assert ours["meta"]["profile"] == official["meta"]["profile"]
    assert ours["identifier"][0]["use"] == official["identifier"][0]["use"]


def test_agenda_references_to_organisations_resolve_on_organization(world, as_subject):
    """Decision 0052 with 0049: the agenda builds its organisation references with the one helper, so the SSIAD,
    a directory site, is pointed to by its FINESS id; following every reference answers 200."""
    from tests.pathway.fhir.test_organisation_references import assert_resolves, directory_world

    directory_world(world)
    agenda = Agenda.objects.create(organisation=world.organisations.ssiad, label="Agenda du SSIAD")
    client = as_subject(world.subjects["health_consent"])
    for pk in (world.agenda.pk, agenda.pk):
        schedule = fhir_json(client.get(f"/fhir/Schedule/{pk}"), resource_type="Schedule")
        [reference] = assert_resolves(client, schedule, expected=1)
        assert reference["reference"] == f"Organization/{world.ssiad_site.finess}"
