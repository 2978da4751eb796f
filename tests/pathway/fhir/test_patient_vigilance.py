"""Identity vigilance on FHIR (decision 0030): a Patient close to a known person is refused with 409 and the
candidates, unless meta.tag says they were set aside; a transaction Bundle is refused whole; the candidates' reads
stay in the access log although the request was rolled back."""

import copy

from relais.audit.models import AccessLogEntry
from relais.fhir.testing import fhir_json
from relais.persons.models import IdentityEvent, Person

from .conftest import ans, post
from .test_ans_and_transaction import _circle_bundle

TAG = {"system": "urn:relais:identity-vigilance", "code": "new-person-confirmed"}


def twin_of(person) -> dict:
    """The ANS Patient example retyped with the identity of `person`, family and first names swapped."""
    patient = ans("cds__Patient-cds-patient-example.json")
    patient["name"] = [{"use": "official", "family": person.first_names, "given": [person.family_name]}]
    patient["birthDate"] = person.birth_date.isoformat()
    patient["gender"] = {"F": "female", "M": "male"}[person.sex]
    patient.pop("identifier", None)
    return patient


def test_a_patient_close_to_a_known_person_is_a_409_listing_the_candidate(world, as_subject):
    client = as_subject(world.subjects["referent"])
    before = Person.objects.count()
    outcome = fhir_json(post(client, "/fhir/Patient", twin_of(world.person)), status=409)
    assert outcome["issue"][0]["code"] == "duplicate" and "new-person-confirmed" in outcome["issue"][0]["diagnostics"]
    candidate = outcome["issue"][1]["diagnostics"]
    assert candidate.startswith(f"Patient/{world.person.pk} — score 85") and "nom et prénom inversés" in candidate
    assert Person.objects.count() == before
    assert AccessLogEntry.objects.filter(
        subject=f"persons.person:{world.person.pk}", ground="identity_vigilance", action="read"
    ).exists()


def test_the_confirmation_tag_creates_the_patient_and_its_identity_event(world, as_subject):
    client = as_subject(world.subjects["referent"])
    patient = twin_of(world.person)
    patient["meta"] = {**patient.get("meta", {}), "tag": [TAG]}
    data = fhir_json(post(client, "/fhir/Patient", patient), status=201)
    assert IdentityEvent.objects.filter(person_id=data["id"], kind="created").exists()


def test_a_transaction_bundle_with_a_candidate_is_refused_whole(world, as_subject):
    client = as_subject(world.subjects["referent"])
    first = _circle_bundle(world.referent)
    fhir_json(post(client, "/fhir/", first), status=200)
    before = Person.objects.count()
    again = copy.deepcopy(first)
    outcome = fhir_json(post(client, "/fhir/", again), status=409)
    assert outcome["issue"][0]["diagnostics"].startswith("Bundle.entry[0]")
    assert Person.objects.count() == before
    thobois = Person.objects.get(family_name="Thobois")
    assert AccessLogEntry.objects.filter(subject=f"persons.person:{thobois.pk}", ground="identity_vigilance").exists()
