"""The official ANS care-circle creation Bundle (CDS_BundleTransactionCreation) sent whole to POST /fhir/."""

from django.utils import timezone

from relais.fhir.testing import fhir_json
from relais.pathway.circle.models import CoordinationRecord, MemberKind
from relais.persons.models import Person

from .conftest import ans, post

BUNDLE = "cds__Bundle-cds-bundle-transaction-creation-example.json"
ROLE_CLASS = "https://mos.esante.gouv.fr/NOS/TRE_R260-HL7RoleClass/FHIR/TRE-R260-HL7RoleClass"


def test_official_creation_bundle_is_accepted_and_its_organization_is_matched_not_created(world, as_subject):
    client = as_subject(world.subjects["referent"])
    data = fhir_json(post(client, "/fhir/", ans(BUNDLE)), resource_type="Bundle")
    assert data["type"] == "transaction-response"
    care_team, organization, patient, related = data["entry"]  # answered in Bundle order
    assert [e["response"]["status"] for e in data["entry"]] == ["201 Created", "200 OK", "201 Created", "201 Created"]
    # The example's organisation has no identifier: nothing matches, nothing is stored, the answer says so.
    assert "resource" not in organization and "location" not in organization["response"]
    assert "répertoire" in organization["response"]["outcome"]["issue"][0]["diagnostics"]
    person = Person.objects.get(pk=patient["resource"]["id"])
    assert (person.family_name, person.first_names) == ("Thobois", "Jacques")
    record = CoordinationRecord.objects.get(person=person)
    assert care_team["resource"]["id"] == str(record.pk)
    proxy = record.members.get(kind=MemberKind.PROXY)
    assert (proxy.family_name, proxy.given_name, proxy.phone) == ("Lamine", "CHIBOUT", "0602143212")
    assert related["response"]["location"] == f"RelatedPerson/{proxy.pk}"
    notes = [n["text"] for n in care_team["resource"]["note"]]
    assert any("Cabinet médical CC CC" in note for note in notes)  # the organisation member, by its name


def test_organization_entry_with_a_directory_identifier_resolves_to_the_directory(world, as_subject):
    organisation = world.organisations.ssiad
    organisation.finess = "350000011"
    organisation.save(update_fields=["finess"])
    client = as_subject(world.subjects["referent"])
    bundle = ans(BUNDLE)
    bundle["entry"][1]["resource"]["identifier"] = [
        {"system": "https://finess.esante.gouv.fr", "value": organisation.finess}
    ]
    data = fhir_json(post(client, "/fhir/", bundle), resource_type="Bundle")
    location = data["entry"][1]["response"]["location"]
    assert location.startswith("Organization/")
    notes = [n["text"] for n in data["entry"][0]["resource"]["note"]]
    assert any(location in note for note in notes)


def test_organization_entry_known_by_its_id_nat_st_resolves_to_the_directory_site(world, as_subject):
    """Decision 0049: the idNatSt form of a FINESS number (ROROrganization, FR Core) matches like the FINESS one."""
    from tests.fhir.offer_data import legal_entity, site

    entry = site(legal_entity(name="Association Émeraude"), name="SSIAD Émeraude", category="354")
    client = as_subject(world.subjects["referent"])
    bundle = ans(BUNDLE)
    bundle["entry"][1]["resource"]["identifier"] = [
        {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": f"1{entry.finess}"},
    ]
    data = fhir_json(post(client, "/fhir/", bundle), resource_type="Bundle")
    assert data["entry"][1]["response"]["location"] == f"Organization/{entry.finess}"


def test_official_related_person_alone_is_accepted_for_a_known_patient_and_refused_for_an_unknown_one(
    world, as_subject
):
    client = as_subject(world.subjects["referent"])
    related = ans("cds__RelatedPerson-cds-relatedperson-example.json")
    refused = post(client, "/fhir/RelatedPerson", related)  # Patient/cds-patient-example: not a Relais patient
    assert refused.status_code == 422
    assert refused.json()["issue"][0]["expression"] == ["RelatedPerson.patient"]
    related["patient"] = {"reference": f"Patient/{world.person.pk}"}
    data = fhir_json(post(client, "/fhir/RelatedPerson", related), status=201, resource_type="RelatedPerson")
    assert data["name"][0]["family"] == "Lamine" and data["telecom"] == [{"system": "phone", "value": "0602143212"}]
    assert data["meta"]["profile"] == [
        "https://interop.esante.gouv.fr/ig/fhir/cds/StructureDefinition/cds-fr-related-person"
    ]


def test_update_bundle_adds_and_ends_members_and_changes_a_relative(world, as_subject):
    """CDS_BundleTransactionMAJ: PUT of the CareTeam and the RelatedPerson, POST of a new relative."""
    client = as_subject(world.subjects["referent"])
    created = fhir_json(post(client, "/fhir/", ans(BUNDLE)), resource_type="Bundle")
    care_team, related = created["entry"][0]["resource"], created["entry"][3]["resource"]
    patient_ref = care_team["subject"]
    today = timezone.localdate().isoformat()
    related["telecom"] = [{"system": "phone", "value": "0700000000"}]
    newcomer = {
        "resourceType": "RelatedPerson",
        "identifier": [{"system": "https://fake-system", "value": "id-relatedPerson-13"}],
        "patient": patient_ref,
        "relationship": [{"coding": [{"system": ROLE_CLASS, "code": "NOK"}]}],
        "name": [{"family": "Thobois", "given": ["Maud"]}],
        "telecom": [{"system": "phone", "value": "0611111111"}],
    }
    outsider = world.subjects["outsider"].user
    care_team["participant"] = [
        {"member": {"reference": f"RelatedPerson/{related['id']}"}, "period": {"start": "2013-01-12", "end": today}},
        {"member": {"reference": "urn:uuid:0b0b0b0b-0000-4000-8000-000000000001"}, "period": {"start": today}},
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
            "member": {
                "type": "PractitionerRole",
                "identifier": {"system": "urn:relais:user", "value": str(outsider.pk)},
            },
            "period": {"start": today},
        },
    ]
    update = {
        "resourceType": "Bundle",
        "meta": {
            "profile": ["https://interop.esante.gouv.fr/ig/fhir/cds/StructureDefinition/cds-bundle-transaction-maj"]
        },
        "type": "transaction",
        "entry": [
            {"resource": care_team, "request": {"method": "PUT", "url": f"CareTeam/{care_team['id']}"}},
            {"resource": related, "request": {"method": "PUT", "url": f"RelatedPerson/{related['id']}"}},
            {
                "fullUrl": "urn:uuid:0b0b0b0b-0000-4000-8000-000000000001",
                "resource": newcomer,
                "request": {"method": "POST", "url": "RelatedPerson"},
            },
        ],
    }
    data = fhir_json(post(client, "/fhir/", update), resource_type="Bundle")
    assert [e["response"]["status"] for e in data["entry"]] == ["200 OK", "200 OK", "201 Created"]
    record = CoordinationRecord.objects.get(pk=care_team["id"])
    old = record.members.get(pk=related["id"])
    assert (old.phone, old.end.isoformat()) == ("0700000000", today)
    new = record.members.get(kind=MemberKind.PROXY, family_name="Thobois")
    assert (new.proxy_role, new.given_name, new.end) == ("trusted_person", "Maud", None)
    assert record.members.filter(user=outsider, end__isnull=True, ground="care_team").exists()
    patient_put = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": created["entry"][2]["resource"],
                "request": {"method": "PUT", "url": f"Patient/{created['entry'][2]['resource']['id']}"},
            }
        ],
    }
    refused = post(client, "/fhir/", patient_put)  # identity changes go through identity vigilance (decision 0036)
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["expression"] == ["Bundle.entry[0].resource.resourceType"]
