"""The care circle and its plan, as served on a small circle, against the profiles' snapshot (decisions 0048, 0051).

The conformance suite (tests/fhir/test_conformance.py) checks every type on the demo territory; this module checks the
shapes the demo does not hold (proxies with and without name parts, an INS with a birth place, a VALI without INS,
the official examples taken in) on the small circle, so that a regression names the care-circle resource at once.
"""

import pytest

from relais.fhir.conformance import check, check_bundle
from relais.fhir.testing import fhir_json
from relais.pathway.circle.services import circle_proxy_add
from relais.persons.ins import ins_with_key
from relais.persons.models import Person

from .conftest import ans, post

TYPES = ("Patient", "CareTeam", "RelatedPerson", "Consent", "CarePlan", "Goal", "Task", "Encounter")


def _served(client, person_id: int) -> list[dict]:
    resources = []
    for type_name in TYPES:
        query = f"_id={person_id}" if type_name == "Patient" else f"patient=Patient/{person_id}"
        bundle = fhir_json(client.get(f"/fhir/{type_name}?{query}&_count=200"), resource_type="Bundle")
        resources += [entry["resource"] for entry in bundle.get("entry", [])]
    return resources


def _problems(resources: list[dict]) -> list[str]:
    return [f"{r['resourceType']}/{r.get('id')}: {p}" for r in resources for p in check(r).errors]


@pytest.mark.parametrize("identity", ["provisional", "vali_without_ins", "ins_and_birth_place"])
def test_the_circle_and_its_plan_conform(world, as_subject, identity):
    fields = {
        "provisional": {},
        "vali_without_ins": {"identity_status": "VALI"},
        "ins_and_birth_place": {
            "ins": ins_with_key("2410335238042"),
            "identity_status": "VALI",
            "birth_place_code": "35238",
            "birth_place_label": "Rennes",
        },
    }[identity]
    Person.objects.filter(pk=world.person.pk).update(**fields)
    circle_proxy_add(
        actor=world.referent,
        person=world.person,
        proxy_role="trusted_person",
        given_name="Gwen",
        family_name="Morvan",
        phone="0611223344",
    )
    client = as_subject(world.subjects["referent"])
    resources = _served(client, world.person.pk)
    assert {r["resourceType"] for r in resources} >= {"Patient", "CareTeam", "RelatedPerson", "CarePlan", "Goal"}
    assert all(r.get("meta", {}).get("profile") for r in resources)
    assert _problems(resources) == []


def test_the_official_creation_bundle_conforms_to_its_profile():
    """The example Relais takes in is itself what the guide's Bundle profile describes (the snapshot's check)."""
    assert [str(p) for p in check_bundle(ans("cds__Bundle-cds-bundle-transaction-creation-example.json"))] == []


def test_what_relais_answers_to_the_official_bundle_conforms(world, as_subject):
    client = as_subject(world.subjects["referent"])
    data = fhir_json(post(client, "/fhir/", ans("cds__Bundle-cds-bundle-transaction-creation-example.json")))
    created = [e["resource"] for e in data["entry"] if "resource" in e]
    assert _problems(created) == []
