"""Pathway FHIR resources over HTTP: shapes (R4B-valid), the policy on read/search/create, traceability."""

import json

from relais.audit.models import AccessLogEntry
from relais.fhir.testing import assert_valid_fhir, fhir_json
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, Consent
from relais.pathway.circle.services import consent_revoke, objection_record
from relais.pathway.fhir import task as plan_task
from relais.pathway.record.models import PlanGoal

from .conftest import ans, post


def test_patient_read_for_a_care_team_member_is_fr_core_shaped_and_traced(world, as_subject):
    client = as_subject(world.subjects["health_care_team"])
    data = fhir_json(client.get(f"/fhir/Patient/{world.person.pk}"), resource_type="Patient")
    assert data["name"][0] == {
        "extension": [
            {
                "url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name",
                "valueString": "Annaïg Marie",
            }
        ],
        "use": "official",
        "family": "Morvan",
        "given": ["Annaïg", "Marie"],
    }
    status = data["extension"][0]["extension"][0]["valueCoding"]
    assert status["code"] == "PROV" and "fr-core-cs-v2-0445" in status["system"]
    entry = AccessLogEntry.objects.filter(object_type="persons.person", action="read").latest("id")
    assert entry.ground == "care_circle:care_team" and entry.subject == f"persons.person:{world.person.pk}"
    assert entry.detail == "FHIR Patient read"


def test_refused_read_is_exactly_a_missing_id(world, as_subject):
    client = as_subject(world.subjects["outsider"])
    hidden = client.get(f"/fhir/Patient/{world.person.pk}")
    missing = client.get("/fhir/Patient/999999")
    assert hidden.status_code == missing.status_code == 404
    assert json.loads(hidden.content)["issue"][0]["code"] == json.loads(missing.content)["issue"][0]["code"]
    assert fhir_json(client.get("/fhir/Patient?_count=0"), resource_type="Bundle")["total"] == 0
    assert fhir_json(client.get("/fhir/CareTeam"), resource_type="Bundle")["total"] == 0


def test_search_totals_count_only_what_the_actor_may_see(world, as_subject):
    nurse = as_subject(world.subjects["health_care_team"])
    assert fhir_json(nurse.get(f"/fhir/CarePlan?patient=Patient/{world.person.pk}"))["total"] == 1
    objection_record(actor=world.referent, person=world.person, expressed_by="la personne")
    assert fhir_json(nurse.get(f"/fhir/CarePlan?patient=Patient/{world.person.pk}"))["total"] == 0
    assert nurse.get(f"/fhir/Goal/{world.goal.pk}").status_code == 404


def test_care_team_carries_roles_periods_and_grounds(world, as_subject):
    client = as_subject(world.subjects["social_care_team"])
    data = fhir_json(client.get(f"/fhir/CareTeam/{world.record.pk}"), resource_type="CareTeam")
    assert data["subject"] == {"reference": f"Patient/{world.person.pk}"}
    by_id = {p["id"]: p for p in data["participant"]}
    gp = by_id[f"member-{world.members['gp'].pk}"]
    access = {sub["url"]: sub for sub in gp["extension"][0]["extension"]}
    assert access["ground"]["valueCoding"]["code"] == "consent"
    assert access["consent"]["valueReference"] == {"reference": f"Consent/{world.consent.pk}"}
    nurse = by_id[f"member-{world.members['nurse'].pk}"]
    assert {sub["url"] for sub in nurse["extension"][0]["extension"]} == {"ground", "personInformed"}
    assert nurse["onBehalfOf"]["reference"] == f"Organization/relais-{world.organisations.ssiad.pk}"
    carer = by_id[f"member-{world.members['carer'].pk}"]
    assert carer["member"]["reference"] == f"RelatedPerson/{world.members['carer'].pk}"
    assert [c["code"] for c in carer["role"][0]["coding"]] == ["CAREGIVER", "carer"]  # national, then Relais's
    # CDS_IHECareTeam: professionals are (logical) PractitionerRole references, with a national role beside Relais's.
    assert nurse["member"]["type"] == "PractitionerRole"
    assert [r["coding"][0]["system"] for r in nurse["role"]] == [
        "https://mos.esante.gouv.fr/NOS/TRE_R260-HL7RoleClass/FHIR/TRE-R260-HL7RoleClass",
        "urn:relais:care-circle-role",
    ]
    assert data["meta"]["profile"] == [
        "https://interop.esante.gouv.fr/ig/fhir/cds/StructureDefinition/cds-ihe-careteam"
    ]
    related = fhir_json(client.get(carer["member"]["reference"].join(["/fhir/", ""])), resource_type="RelatedPerson")
    assert related["patient"] == {"reference": f"Patient/{world.person.pk}"}
    assert related["identifier"] == [
        {"system": "urn:relais:care-circle-member", "value": str(world.members["carer"].pk)}
    ]
    proxy_user = world.members["carer"].user  # a proxy with an account, recorded without name parts or phone
    assert related["name"][0]["family"] == (proxy_user.last_name or world.members["carer"].display_name)
    assert related["telecom"] == [{"system": "email", "value": proxy_user.email}]


def test_consent_read_and_revocation_make_it_inactive(world, as_subject):
    client = as_subject(world.subjects["referent"])
    data = fhir_json(client.get(f"/fhir/Consent/{world.consent.pk}"), resource_type="Consent")
    assert data["status"] == "active"
    assert {c["coding"][0]["code"] for c in data["provision"]["code"]} == {m.IDENTITY, m.MEDICAL, m.PLAN}
    consent_revoke(actor=world.referent, consent=world.consent, revoked_by="la personne")
    data = fhir_json(client.get(f"/fhir/Consent/{world.consent.pk}"), resource_type="Consent")
    assert data["status"] == "inactive" and "end" in data["provision"]["period"]
    gp = as_subject(world.subjects["health_consent"])
    assert gp.get(f"/fhir/CarePlan/{world.plan.pk}").status_code == 404  # revocation takes effect at once


def test_consent_create_through_fhir_records_it_for_the_member(world, as_subject):
    client = as_subject(world.subjects["referent"])
    member = world.members["gp"]
    body = {
        "resourceType": "Consent",
        "extension": [{"url": "urn:relais:fhir:extension:consent-method", "valueCode": "electronic"}],
        "status": "active",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{world.person.pk}"},
        "performer": [{"display": "la personne"}],
        "provision": {
            "actor": [
                {
                    "role": {"coding": [{"code": "IRCP"}]},
                    "reference": {"identifier": {"system": "urn:relais:care-circle-member", "value": str(member.pk)}},
                }
            ],
            "code": [{"coding": [{"system": "urn:relais:data-category", "code": m.SOCIAL}]}],
        },
    }
    data = fhir_json(post(client, "/fhir/Consent", body), status=201, resource_type="Consent")
    assert Consent.objects.get(pk=data["id"]).scope == [m.SOCIAL]
    nurse = as_subject(world.subjects["health_care_team"])  # not a manager of the circle
    response = post(nurse, "/fhir/Consent", body)
    assert response.status_code == 403


def test_plan_and_goals(world, as_subject):
    secretary = as_subject(world.subjects["other_consent"])  # "other" profile: reads the plan, does not write it
    plan = fhir_json(secretary.get(f"/fhir/CarePlan/{world.plan.pk}"), resource_type="CarePlan")
    assert plan["note"] == [{"text": "Autonomie : Aide à la toilette"}]
    assert plan["activity"][0]["reference"]["reference"] == f"Task/plan-{world.task.pk}"
    assert plan["goal"] == [{"reference": f"Goal/{world.goal.pk}"}]
    goal = {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "Reprendre la marche"},
        "subject": {"reference": f"Patient/{world.person.pk}"},
        "target": [{"dueDate": "2030-01-31"}],
    }
    assert post(secretary, "/fhir/Goal", goal).status_code == 403
    nurse = as_subject(world.subjects["health_care_team"])
    created = fhir_json(post(nurse, "/fhir/Goal", goal), status=201, resource_type="Goal")
    assert PlanGoal.objects.get(pk=created["id"]).target_date.isoformat() == "2030-01-31"
    outsider = as_subject(world.subjects["outsider"])
    assert post(outsider, "/fhir/Goal", goal).status_code == 404


def test_audit_events_list_who_read_the_record(world, as_subject):
    nurse = as_subject(world.subjects["health_care_team"])
    nurse.get(f"/fhir/Patient/{world.person.pk}")
    assert fhir_json(nurse.get(f"/fhir/AuditEvent?patient={world.person.pk}"))["total"] == 0  # not a manager
    referent = as_subject(world.subjects["referent"])
    bundle = fhir_json(referent.get(f"/fhir/AuditEvent?patient=Patient/{world.person.pk}&_count=200"))
    events = [e["resource"] for e in bundle["entry"]]
    reads = [e for e in events if e["subtype"][0]["code"] == "read"]
    assert any(e["purposeOfEvent"][0]["text"] == "care_circle:care_team" for e in reads)
    assert reads[0]["type"]["code"] == "rest" and reads[0]["agent"][0]["requestor"] is True
    one = fhir_json(referent.get(f"/fhir/AuditEvent/{events[0]['id']}"), resource_type="AuditEvent")
    assert one["entity"][0]["what"] == {"reference": f"Patient/{world.person.pk}"}
    # TDEAuditEvent: the observer is a reference (Device), with an identifier, not a display only.
    assert one["source"]["observer"] == {
        "type": "Device",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "https://relais.example.org/fhir"},
        "display": "Relais",
    }
    assert one["meta"]["profile"] == ["https://interop.esante.gouv.fr/ig/fhir/tde/StructureDefinition/tde-auditevent"]
    assert len(one["subtype"]) == 1 and one["period"]["start"] and len(one["agent"]) <= 2
    assert all(agent.get("who") for agent in one["agent"])
    assert referent.get(f"/fhir/AuditEvent?patient={world.person.pk}&x=1").status_code == 400
    assert referent.get("/fhir/AuditEvent").status_code == 400  # patient is required


def test_audit_events_include_the_lists_the_person_was_seen_in(world, as_subject):
    """Decision 0047: a list of two persons is one entry; each person's AuditEvents show it with the person's ground."""
    from relais.audit.services import access_log_list_record

    entry = access_log_list_record(
        actor=world.subjects["health_care_team"].actor,
        object_type="pathway.coordinationrecord",
        rows=[(f"persons.person:{world.person.pk}", 1, "care_team"), ("persons.person:999999", 2, "consent")],
        detail="liste « Mes dossiers »",
    )
    referent = as_subject(world.subjects["referent"])
    bundle = fhir_json(referent.get(f"/fhir/AuditEvent?patient={world.person.pk}&_count=200"))
    listed = [e["resource"] for e in bundle["entry"] if e["resource"]["id"] == str(entry.pk)]
    assert len(listed) == 1 and listed[0]["purposeOfEvent"][0]["text"] == "care_team"
    assert listed[0]["entity"][0]["what"] == {"reference": f"Patient/{world.person.pk}"}
    assert "999999" not in json.dumps(listed[0])  # the other person of the list is not named


def test_machine_clients_see_nothing_of_the_circle(world, client):
    from relais.accounts.services import api_client_create

    _, raw = api_client_create(actor=None, organisation=world.organisations.ssiad, name="Logiciel")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/fhir/Patient/{world.person.pk}", **headers).status_code == 404
    assert fhir_json(client.get("/fhir/CareTeam", **headers))["total"] == 0


def test_plan_task_mapping_functions(world):
    nurse = world.subjects["health_care_team"].actor
    data = plan_task.read(nurse, f"plan-{world.task.pk}")
    assert_valid_fhir(data, "Task")
    assert data["owner"]["display"] and data["basedOn"] == [{"reference": f"CarePlan/{world.plan.pk}"}]
    assert plan_task.read(nurse, str(world.task.pk)) is None  # plain numbers are SI-SDO Tasks
    assert plan_task.read(world.subjects["outsider"].actor, f"plan-{world.task.pk}") is None
    tasks, total = plan_task.search(nurse, {"patient": [str(world.person.pk)]}, 0, 20)
    assert total == 1 and tasks[0]["status"] == "requested"
    created = plan_task.create(
        nurse,
        {
            "resourceType": "Task",
            "status": "requested",
            "intent": "plan",
            "description": "Appeler l'aidante",
            "for": {"reference": f"Patient/{world.person.pk}"},
            "owner": {
                "identifier": {"system": "urn:relais:care-circle-member", "value": str(world.members["carer"].pk)}
            },
            "restriction": {"period": {"end": "2030-02-01"}},
        },
    )
    assert_valid_fhir(created, "Task")
    assert plan_task.search(nurse, {}, 0, 20)[1] == 2


def test_proxy_added_through_related_person(world, as_subject):
    client = as_subject(world.subjects["referent"])
    body = {
        "resourceType": "RelatedPerson",
        "patient": {"reference": f"Patient/{world.person.pk}"},
        "relationship": [{"coding": [{"system": "urn:relais:care-circle-proxy-role", "code": "legal_guardian"}]}],
        "name": [{"family": "Morvan", "given": ["Yann"]}],
    }
    data = fhir_json(post(client, "/fhir/RelatedPerson", body), status=201, resource_type="RelatedPerson")
    member = CircleMember.objects.get(pk=data["id"])
    assert member.proxy_role == "legal_guardian" and member.display_name == "Yann Morvan"


def test_the_official_audit_event_and_relais_s_share_the_tde_shape(world, as_subject):
    """TDEAuditEventExample parses as R4 and every element it fills, Relais's AuditEvent fills too (the observer a
    reference, not a display); Relais serves traces, it takes none in (TdE Gestionnaire's create is not offered)."""
    official = ans("tde__AuditEvent-TDEAuditEventExample.json")
    assert_valid_fhir(official, "AuditEvent")
    referent = as_subject(world.subjects["referent"])
    referent.get(f"/fhir/Patient/{world.person.pk}")
    bundle = fhir_json(referent.get(f"/fhir/AuditEvent?patient={world.person.pk}&_count=1"))
    ours = bundle["entry"][0]["resource"]
    assert_valid_fhir(ours, "AuditEvent")

    def shape(resource):
        return {
            f"{key}.{sub}" if isinstance(value, dict) else key
            for key, value in resource.items()
            if key not in {"id", "text"}
            for sub in (value if isinstance(value, dict) else [None])
        }

    assert shape(official) - shape(ours) == set()
    assert "reference" in official["source"]["observer"] and "identifier" in ours["source"]["observer"]
    assert post(referent, "/fhir/AuditEvent", official).status_code == 405
