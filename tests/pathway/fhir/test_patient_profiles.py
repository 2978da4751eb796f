"""Patient as FR Core Patient / FR Core Patient INS (decision 0051): names, identifiers, identity status."""

from relais.fhir.testing import fhir_json
from relais.persons.ins import ins_with_key
from relais.persons.models import Person

from .conftest import post

FR_CORE = "https://hl7.fr/ig/fhir/core/StructureDefinition/"
RELIABILITY = FR_CORE + "fr-core-identity-reliability"
BIRTH_LIST = FR_CORE + "fr-core-patient-birth-list-given-name"
INS_SYSTEMS = {"urn:oid:1.2.250.1.213.1.4.8": "official", "urn:oid:1.2.250.1.213.1.4.9": "temp"}


def _status(data: dict) -> str:
    reliability = next(e for e in data["extension"] if e["url"] == RELIABILITY)
    return next(s["valueCoding"]["code"] for s in reliability["extension"] if s["url"] == "identityStatus")


def _fr_core_invariants_hold(data: dict) -> bool:
    """fr-core-1 (VALI needs an INS) and fr-core-2 (VALI: one official identifier), as FR Core writes them."""
    if _status(data) != "VALI":
        return True
    ids = data.get("identifier") or []
    has_ins = any(INS_SYSTEMS.get(i["system"]) == i.get("use") for i in ids)
    nia = any(i["system"] == "urn:oid:1.2.250.1.213.1.4.9" and i.get("use") == "temp" for i in ids)
    return has_ins and (sum(i.get("use") == "official" for i in ids) == 1 or nia)


def test_validated_identity_without_ins_is_not_sent_as_vali(world, as_subject):
    Person.objects.filter(pk=world.person.pk).update(identity_status="VALI", phone="0612345678")
    client = as_subject(world.subjects["referent"])
    data = fhir_json(client.get(f"/fhir/Patient/{world.person.pk}"), resource_type="Patient")
    assert data["meta"]["profile"] == [FR_CORE + "fr-core-patient"]
    assert _status(data) == "PROV" and _fr_core_invariants_hold(data)
    assert {"url": "urn:relais:fhir:extension:identity-status", "valueCode": "VALI"} in data["extension"]
    assert data["identifier"] == [
        {
            "use": "usual",
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                        "code": "PI",
                        "display": "Patient internal identifier",
                    }
                ]
            },
            "system": "urn:relais:person",
            "value": str(world.person.pk),
        }
    ]
    official = data["name"][0]
    assert official["given"] == ["Annaïg", "Marie"]
    assert official["extension"] == [{"url": BIRTH_LIST, "valueString": "Annaïg Marie"}]
    # Another Relais reads the status back; another system sees a provisional identity.
    data.pop("id")
    data["name"][0]["family"] = "Kerhervé"  # not a duplicate of the first person
    data["birthDate"] = "1950-06-01"
    created = fhir_json(post(client, "/fhir/Patient", data), status=201, resource_type="Patient")
    copy = Person.objects.get(pk=created["id"])
    assert (copy.identity_status, copy.first_names, copy.phone) == ("VALI", "Annaïg Marie", "0612345678")


def test_person_with_ins_and_birth_place_follows_the_ins_profile(world, as_subject):
    ins = ins_with_key("2410335238042")
    Person.objects.filter(pk=world.person.pk).update(
        ins=ins, identity_status="VALI", birth_place_code="35238", birth_place_label="Rennes"
    )
    client = as_subject(world.subjects["referent"])
    data = fhir_json(client.get(f"/fhir/Patient/{world.person.pk}"), resource_type="Patient")
    assert data["meta"]["profile"] == [FR_CORE + "fr-core-patient-ins"]
    assert _status(data) == "VALI" and _fr_core_invariants_hold(data)
    nir = data["identifier"][0]
    assert (nir["use"], nir["system"], nir["value"], nir["type"]["coding"][0]["code"]) == (
        "official",
        "urn:oid:1.2.250.1.213.1.4.8",
        ins,
        "INS-NIR",
    )
    official = data["name"][0]
    assert official["given"] == ["Annaïg"]  # the INS profile: the first first name only
    assert official["extension"] == [{"url": BIRTH_LIST, "valueString": "Annaïg Marie"}]
    birth_place = next(e for e in data["extension"] if e["url"].endswith("patient-birthPlace"))
    assert birth_place["valueAddress"]["extension"][0]["valueCoding"]["code"] == "35238"


def test_temporary_ins_is_sent_as_nia(world, as_subject):
    nia = ins_with_key("7410335238042")
    Person.objects.filter(pk=world.person.pk).update(ins=nia, identity_status="VALI")
    client = as_subject(world.subjects["referent"])
    data = fhir_json(client.get(f"/fhir/Patient/{world.person.pk}"), resource_type="Patient")
    assert data["meta"]["profile"] == [FR_CORE + "fr-core-patient"]  # no birth place: not the INS profile
    assert (data["identifier"][0]["system"], data["identifier"][0]["use"]) == ("urn:oid:1.2.250.1.213.1.4.9", "temp")
    assert _fr_core_invariants_hold(data)
