"""The conformance checker itself, on small hand-written resources against the committed snapshot (decision 0048).

A correct resource passes; each kind of violation is reported with its FHIR path and the profile it breaks.
"""

import copy

from relais.fhir.conformance import check, check_bundle, check_resource

SDO = "https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/sdo-task"
INPUT_CS = "https://interop.esante.gouv.fr/ig/fhir/sdo/CodeSystem/input-task-sdo-codesystem"
CARE_TEAM = "https://interop.esante.gouv.fr/ig/fhir/cds/StructureDefinition/cds-ihe-careteam"
PATIENT_INS = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins"
RELIABILITY = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
CDS_CREATION = "https://interop.esante.gouv.fr/ig/fhir/cds/StructureDefinition/cds-bundle-transaction-creation"
J252 = "https://mos.esante.gouv.fr/NOS/TRE_R357-StatutPersonnePriseCharge/FHIR/TRE-R357-StatutPersonnePriseCharge"


def _input(code, **value):
    return {"type": {"coding": [{"system": INPUT_CS, "code": code}], "text": code}, **value}


def sdo_task():
    return {
        "resourceType": "Task",
        "id": "t1",
        "meta": {"profile": [SDO], "lastUpdated": "2026-12-01T10:00:00+01:00"},
        "status": "completed",
        "intent": "plan",
        "input": [
            _input("idNat_Struct", valueIdentifier={"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1750000001"}),
            _input("nomESMS", valueString="IME Les Tilleuls"),
            _input("statutESMS", valueCodeableConcept={"coding": [{"system": J252, "code": "39"}]}),
            _input("idDecision", valueIdentifier={"value": "D-1"}),
            _input("idNat_Decision", valueIdentifier={"value": "N-1"}),
        ],
    }


def _messages(problems):
    return [str(p) for p in problems]


def test_a_conformant_sdo_task_passes():
    assert check_resource(sdo_task()) == []


def test_cardinality_fixed_value_and_max_zero_are_reported_with_their_path():
    task = sdo_task()
    del task["meta"]["lastUpdated"]
    task["status"] = "in-progress"
    problems = check_resource(task)
    assert any(p.path == "Task.meta.lastUpdated" and "at least 1" in p.message for p in problems), problems
    assert any(p.path == "Task.status" and "#completed" in p.message and p.profile == SDO for p in problems)
    bundle = _cds_bundle()
    bundle["entry"][0]["response"] = {"status": "201"}
    problems = check_bundle(bundle)
    assert any(p.path == "Bundle.entry[0].response" and p.message == "must be absent" for p in problems), problems


def test_a_missing_slice_and_a_slice_of_the_wrong_type_are_named():
    task = sdo_task()
    task["input"][0]["type"] = {"coding": [{"display": "idNat_Struct"}], "text": "idNat_Struct"}  # display only
    task["input"][4]["valueString"] = task["input"][4].pop("valueIdentifier")["value"]
    problems = _messages(check_resource(task))
    assert any(m.startswith("Task.input: slice 'idNat_Struct'") and "at least 1, found 0" in m for m in problems)
    # The item meant for it is named, with what it lacks.
    assert any(
        m.startswith("Task.input[0].type: slice 'idNat_Struct': ")
        and m.endswith(f"does not match {INPUT_CS}#idNat_Struct [sdo-task]")
        for m in problems
    ), problems
    assert any(
        m.startswith("Task.input[4].valueString: slice 'idNat_Decision': type String, expected Identifier")
        for m in problems
    ), problems


def test_a_required_binding_known_to_relais_is_checked():
    task = sdo_task()
    task["input"][2]["valueCodeableConcept"]["coding"][0]["code"] = "999"
    problems = check_resource(task)
    assert [p.path for p in problems] == ["Task.input[2].valueCodeableConcept"]
    assert f"{J252}#999 is not in" in problems[0].message and "JDV_J252" in problems[0].message


def test_an_invariant_is_checked_and_an_unknown_one_is_listed_as_unchecked():
    task = sdo_task()
    task["input"].append(_input("statutUnite", valueCodeableConcept={"coding": [{"code": "1"}]}))
    problems = check_resource(task)
    assert any(
        p.path == "Task"
        and p.message.startswith("invariant regle-StatutUnite (missing idUnite, nomUnite, categorieOrganisation")
        for p in problems
    ), problems
    result = check(_patient(status="VALI", identifiers=[]))
    assert any("fr-core-1" in p.message and p.path == "Patient" for p in result.problems)
    assert any(u.startswith("required binding") for u in result.unchecked)


def _patient(status="PROV", identifiers=None):
    return {
        "resourceType": "Patient",
        "meta": {"profile": [PATIENT_INS]},
        "extension": [
            {"url": RELIABILITY, "extension": [{"url": "identityStatus", "valueCoding": {"code": status}}]},
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
                "valueAddress": {"extension": [{"url": "x", "valueString": "y"}]},
            },
        ],
        "identifier": identifiers
        if identifiers is not None
        else [{"use": "official", "system": "urn:oid:1.2.250.1.213.1.4.10", "value": "1"}],
        "name": [{"use": "official", "family": "Exemple", "given": ["Léa"]}],
        "gender": "female",
        "birthDate": "1990-01-01",
    }


def test_an_extension_required_at_its_place_is_reported():
    patient = _patient()
    problems = _messages(check_resource(patient))
    assert any(m.startswith("Patient.name[0].extension: slice 'birth-list-given-name'") for m in problems), problems
    patient["extension"].pop(1)
    problems = _messages(check_resource(patient))
    assert any(m.startswith("Patient.extension: slice 'birthPlace'") for m in problems), problems


def test_reference_targets_are_checked():
    team = {
        "resourceType": "CareTeam",
        "meta": {"profile": [CARE_TEAM]},
        "identifier": [{"value": "ct-1"}],
        "status": "active",
        "name": "Cercle de soins",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-01-01"},
        "participant": [{"member": {"reference": "Practitioner/x"}, "period": {"start": "2026-01-01"}}],
    }
    problems = check_resource(team)
    assert _messages(problems) == [
        "CareTeam.participant[0].member: refers to a Practitioner (reference), expected as-practitionerrole or "
        "cds-fr-related-person or cds-organization [cds-ihe-careteam]"
    ]
    team["participant"][0]["member"] = {"reference": "PractitionerRole/r1"}
    team["subject"] = {"display": "Léa Exemple"}
    assert [p.path for p in check_resource(team)] == ["CareTeam.subject"]


def _cds_bundle():
    team = {"resourceType": "CareTeam", "id": "ct"}
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [CDS_CREATION]},
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:1", "resource": team, "request": {"method": "POST", "url": "CareTeam"}},
            {
                "fullUrl": "urn:uuid:2",
                "resource": {"resourceType": "Patient", "id": "p"},
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }


def test_a_bundle_is_checked_with_its_entries_and_their_profiles():
    bundle = _cds_bundle()
    problems = check_bundle(bundle)
    # The care team entry must follow the CDS CareTeam profile, whether or not it claims it.
    assert any(p.path == "Bundle.entry[0].resource.identifier" and p.profile == CARE_TEAM for p in problems)
    broken = copy.deepcopy(bundle)
    broken["entry"][1]["request"]["method"] = "GET"
    assert any(p.path == "Bundle.entry[1].request.method" and "req-met" in p.message for p in check_bundle(broken)), (
        check_bundle(broken)
    )
    broken["entry"].pop(1)
    assert any("slice 'patient'" in p.message for p in check_bundle(broken))


def test_a_resource_without_a_profile_or_with_the_wrong_type_is_reported():
    assert _messages(check_resource({"resourceType": "Task"})) == ["Task.meta.profile: declares no profile [-]"]
    problems = check_resource({"resourceType": "Patient", "meta": {"profile": [SDO]}})
    assert [p.message for p in problems] == ["is a Patient, the profile is for Task"]


NDE_REQUEST = "https://interop.esante.gouv.fr/ig/fhir/nde/StructureDefinition/nde-notificationrequest"


def test_a_reference_the_profile_wants_contained_must_point_inside_the_resource():
    request = {
        "resourceType": "CommunicationRequest",
        "meta": {"profile": [NDE_REQUEST]},
        "contained": [{"resourceType": "Patient", "id": "p"}],
        "status": "active",
        "subject": {"reference": "#p"},
        "requester": {"reference": "Organization/o1"},
    }
    problems = [
        p
        for p in check_resource(request)
        if p.path in ("CommunicationRequest.subject", "CommunicationRequest.requester")
    ]
    assert _messages(problems) == [
        "CommunicationRequest.requester: must refer to a contained resource (#id), found 'Organization/o1' "
        "[nde-notificationrequest]"
    ]
