"""The official ANS care-circle creation Bundle (CDS_BundleTransactionCreation) sent whole to POST /fhir/."""

from relais.fhir.testing import fhir_json
from relais.pathway.circle.models import CoordinationRecord, MemberKind
from relais.persons.models import Person

from .conftest import ans, post

BUNDLE = "cds__Bundle-cds-bundle-transaction-creation-example.json"


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
