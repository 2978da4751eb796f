"""The ANS care-circle examples on input, and the transaction Bundle: accepted whole or refused whole."""

import copy
import json

from relais.audit.models import AccessLogEntry
from relais.fhir.testing import fhir_json
from relais.pathway.circle.models import CircleMember, CoordinationRecord, MemberKind
from relais.persons.models import Person

from .conftest import ans, post


def test_ans_patient_is_accepted_and_its_bad_ins_key_is_not_stored(world, as_subject):
    client = as_subject(world.subjects["referent"])
    data = fhir_json(post(client, "/fhir/Patient", ans("cds__Patient-cds-patient-example.json")), status=201)
    person = Person.objects.get(pk=data["id"])
    assert (person.family_name, person.first_names, person.sex) == ("Thobois", "Jacques", "M")
    assert person.identity_status == "VALI" and person.birth_place_code == "29064" and person.ins is None
    note = AccessLogEntry.objects.filter(subject=f"persons.person:{person.pk}", ground="fhir").get()
    assert "Patient.identifier[0].value" in note.detail and "clé" in note.detail


def test_ans_care_team_is_accepted_with_its_unknown_participants_named(world, as_subject):
    client = as_subject(world.subjects["referent"])
    patient = fhir_json(post(client, "/fhir/Patient", ans("cds__Patient-cds-patient-example.json")), status=201)
    care_team = ans("cds__CareTeam-cds-careteam-example.json")
    care_team["subject"] = {"reference": f"Patient/{patient['id']}"}
    data = fhir_json(post(client, "/fhir/CareTeam", care_team), status=201, resource_type="CareTeam")
    notes = [n["text"] for n in data["note"]]
    assert notes[0].startswith("CareTeam.participant[0].member (RelatedPerson/cds-relatedperson-example) non ajouté")
    assert notes[1].startswith("CareTeam.participant[1].member (Organization/cds-organization-example) non ajouté")
    record = CoordinationRecord.objects.get(person_id=patient["id"])
    assert [m.user for m in record.members.all()] == [world.referent.user]  # the sender opened it, as referent
    again = fhir_json(client.get(f"/fhir/CareTeam/{record.pk}"), resource_type="CareTeam")
    assert "note" not in again and len(again["participant"]) == 1


def test_care_team_create_adds_a_professional_with_its_ground(world, as_subject, make_member):
    client = as_subject(world.subjects["referent"])
    outsider = world.subjects["outsider"]
    care_team = {
        "resourceType": "CareTeam",
        "subject": {"reference": f"Patient/{world.person.pk}"},
        "participant": [
            {
                "extension": [
                    {
                        "url": "urn:relais:fhir:extension:care-circle-access",
                        "extension": [
                            {
                                "url": "ground",
                                "valueCoding": {"system": "urn:relais:care-circle-ground", "code": "care_team"},
                            },
                            {"url": "personInformed", "valueDateTime": "2026-01-05T10:00:00+01:00"},
                        ],
                    }
                ],
                "member": {"identifier": {"system": "urn:relais:user", "value": str(outsider.user.pk)}},
                "onBehalfOf": {"reference": f"Organization/relais-{world.organisations.ssiad.pk}"},
            }
        ],
    }
    assert client.get(f"/fhir/Patient/{world.person.pk}").status_code == 200
    fhir_json(post(client, "/fhir/CareTeam", care_team), status=201, resource_type="CareTeam")
    assert CircleMember.objects.filter(user=outsider.user, ground="care_team").exists()
    without_ground = copy.deepcopy(care_team)
    del without_ground["participant"][0]["extension"]
    other_nurse, _actor = make_member(world.organisations.ssiad, professional_category="nurse")
    without_ground["participant"][0]["member"]["identifier"]["value"] = str(other_nurse.pk)
    refused = post(client, "/fhir/CareTeam", without_ground)
    assert refused.status_code == 422
    assert json.loads(refused.content)["issue"][0]["expression"] == ["CareTeam.participant[0].extension"]
    single = copy.deepcopy(care_team)  # no onBehalfOf: the professional's only organisation
    del single["participant"][0]["onBehalfOf"]
    single["participant"][0]["member"]["identifier"]["value"] = str(other_nurse.pk)
    fhir_json(post(client, "/fhir/CareTeam", single), status=201, resource_type="CareTeam")
    assert CircleMember.objects.get(user=other_nurse).organisation == world.organisations.ssiad


def _circle_bundle(referent_actor, invalid_last=False):
    patient = ans("cds__Patient-cds-patient-example.json")
    related = ans("cds__RelatedPerson-cds-relatedperson-example.json")
    related["patient"] = {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
    care_team = ans("cds__CareTeam-cds-careteam-example.json")
    care_team["subject"] = {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
    care_team["participant"][0]["member"] = {"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"}
    goal = {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "Retour à domicile"},
        "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
    }
    if invalid_last:
        goal["target"] = [{"dueDate": "31/01/2030"}]
    entries = [
        ("urn:uuid:11111111-1111-4111-8111-111111111111", patient),
        ("urn:uuid:33333333-3333-4333-8333-333333333333", care_team),
        ("urn:uuid:22222222-2222-4222-8222-222222222222", related),
        ("urn:uuid:44444444-4444-4444-8444-444444444444", goal),
    ]
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": url, "resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}
            for url, resource in entries
        ],
    }


def test_transaction_creates_a_circle_with_urn_uuid_references(world, as_subject):
    client = as_subject(world.subjects["referent"])
    data = fhir_json(post(client, "/fhir/", _circle_bundle(world.referent)), resource_type="Bundle")
    assert data["type"] == "transaction-response"
    assert [e["response"]["status"] for e in data["entry"]] == ["201 Created"] * 4
    patient_id = data["entry"][0]["resource"]["id"]
    record = CoordinationRecord.objects.get(person_id=patient_id)
    proxy = record.members.get(kind=MemberKind.PROXY)
    assert (proxy.proxy_role, proxy.display_name, proxy.start.isoformat()) == ("carer", "CHIBOUT Lamine", "2013-01-12")
    assert data["entry"][2]["response"]["location"] == f"RelatedPerson/{proxy.pk}"
    assert data["entry"][3]["resource"]["subject"] == {"reference": f"Patient/{patient_id}"}
    assert record.plan.goals.get().description == "Retour à domicile"


def test_transaction_with_an_invalid_last_entry_writes_nothing(world, as_subject):
    client = as_subject(world.subjects["referent"])
    before = (Person.objects.count(), CoordinationRecord.objects.count(), AccessLogEntry.objects.count())
    response = post(client, "/fhir/", _circle_bundle(world.referent, invalid_last=True))
    assert response.status_code == 400
    issue = json.loads(response.content)["issue"][0]
    assert issue["expression"] == ["Bundle.entry[3].resource.target[0].dueDate"]
    assert issue["diagnostics"].startswith("Bundle.entry[3]")
    assert (Person.objects.count(), CoordinationRecord.objects.count(), AccessLogEntry.objects.count()) == before


def test_transaction_failing_in_a_late_entry_rolls_back_the_earlier_ones(world, as_subject):
    """Valid shapes, but the Goal is refused by a business rule after Patient and CareTeam were created."""
    client = as_subject(world.subjects["referent"])
    bundle = _circle_bundle(world.referent)
    bundle["entry"][3]["resource"]["description"] = {"text": " "}
    before = (Person.objects.count(), CoordinationRecord.objects.count(), AccessLogEntry.objects.count())
    response = post(client, "/fhir/", bundle)
    assert response.status_code == 422
    issue = json.loads(response.content)["issue"][0]
    assert issue["expression"] == ["Bundle.entry[3].resource.description"]
    assert (Person.objects.count(), CoordinationRecord.objects.count(), AccessLogEntry.objects.count()) == before


def test_transaction_refuses_what_it_does_not_support(world, as_subject):
    client = as_subject(world.subjects["referent"])
    bundle = _circle_bundle(world.referent)
    bundle["entry"][1]["request"]["method"] = "DELETE"
    response = post(client, "/fhir/", bundle)
    assert response.status_code == 400
    assert json.loads(response.content)["issue"][0]["expression"] == ["Bundle.entry[1].request.method"]
    bundle = _circle_bundle(world.referent)
    bundle["entry"][1]["resource"]["subject"] = {"reference": "urn:uuid:99999999-9999-4999-8999-999999999999"}
    response = post(client, "/fhir/", bundle)
    assert response.status_code == 422
    assert json.loads(response.content)["issue"][0]["expression"] == ["Bundle.entry[1].resource.subject.reference"]
    batch = {**bundle, "type": "batch"}
    assert post(client, "/fhir/", batch).status_code == 400
    assert client.get("/fhir/").status_code == 404  # no whole-system search
    assert client.put("/fhir/", data="{}", content_type="application/fhir+json").status_code == 405
    client.logout()
    assert post(client, "/fhir/", _circle_bundle(world.referent)).status_code == 401


def test_transaction_of_the_raw_ans_examples_resolves_type_and_id_references(world, as_subject):
    """The examples reference each other as Patient/cds-patient-example…: the entries' Type/id resolve them."""
    client = as_subject(world.subjects["referent"])
    names = [
        "cds__CareTeam-cds-careteam-example.json",
        "cds__RelatedPerson-cds-relatedperson-example.json",
        "cds__Patient-cds-patient-example.json",
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:5555555{i}-5555-4555-8555-555555555555",
                "resource": ans(name),
                "request": {"method": "POST", "url": ans(name)["resourceType"]},
            }
            for i, name in enumerate(names)
        ],
    }
    data = fhir_json(post(client, "/fhir/", bundle), resource_type="Bundle")
    care_team, related, patient = (e["resource"] for e in data["entry"])  # answered in Bundle order
    assert care_team["subject"] == {"reference": f"Patient/{patient['id']}"}
    assert related["patient"] == {"reference": f"Patient/{patient['id']}"}
    assert [c["code"] for c in related["relationship"][0]["coding"]] == ["CAREGIVER", "carer"]
    assert "Organization/cds-organization-example" in care_team["note"][0]["text"]
