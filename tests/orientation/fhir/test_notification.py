"""The SI-SDO notification Bundle: person, decision and requests, all or nothing, idempotent (API and command)."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from relais.fhir.testing import fhir_json
from relais.offer.models import Unit
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests.models import AdmissionRequest, StatusTransition
from relais.persons.models import Person

from .conftest import example, post_json

pytestmark = pytest.mark.django_db
EXAMPLE = "SDOBundleResultatRechercheNotificationESMS.json"
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"system": "urn:mdph29:usager", "value": "USAGER-0001"}],
    "name": [{"family": "Kerbrat", "given": ["Nolwenn", "Anne"]}],
    "gender": "female",
    "birthDate": "1994-03-12",
}


def completed_example(world) -> dict:
    """The ANS example with its placeholders filled: two ESMS of the world, a Patient, the decision's validity."""
    bundle = example(EXAMPLE)
    for entry, site in zip(bundle["entry"], world.sites[:2], strict=True):
        task = entry["resource"]
        for item in task["input"]:
            if item["type"]["text"] == "idNat_Struct":
                item["valueString"] = f"1{site.finess}"
        task["for"] = {"reference": "Patient/p1"}
    bundle["entry"][0]["resource"]["restriction"] = {"period": {"start": "2026-01-01", "end": "2031-12-31"}}
    bundle["entry"].append({"fullUrl": "https://mdph.example.org/Patient/p1", "resource": copy.deepcopy(PATIENT)})
    return bundle


def counts():
    return Person.objects.count(), OrientationDecision.objects.count(), AdmissionRequest.objects.count()


def test_the_ans_example_parses_and_is_refused_on_its_placeholder_esms(client, world, token):
    before = counts()
    response = post_json(client, "/fhir/Bundle", example(EXAMPLE), token(world.mdph.organisation))

    outcome = fhir_json(response, 422, "OperationOutcome")
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[0].resource.input[0].valueString"]
    assert "value idNat_Struct" in outcome["issue"][0]["diagnostics"]
    assert counts() == before


def test_the_completed_example_creates_person_decision_and_requests_once(client, world, token):
    headers = token(world.mdph.organisation)
    before = counts()

    bundle = fhir_json(post_json(client, "/fhir/Bundle", completed_example(world), headers), 201, "Bundle")

    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 2)
    person = Person.objects.get(external_ref="USAGER-0001")
    assert (person.family_name, person.first_names, person.sex) == ("Kerbrat", "Nolwenn Anne", "F")
    decision = OrientationDecision.objects.get(person=person)
    assert decision.mdph_decision_id == "IdDecision" and str(decision.validity_end) == "2031-12-31"
    assert decision.organisation == world.mdph.organisation
    requests = list(AdmissionRequest.objects.filter(person=person).order_by("wish_rank"))
    assert [r.site for r in requests] == world.sites[:2]
    assert [r.external_ref for r in requests] == ["sdo:IdNat_Decision:290000100", "sdo:IdNat_Decision:290000101"]
    assert all(r.status == "39" and r.decision == decision for r in requests)
    assert StatusTransition.objects.filter(request__in=requests, source="fhir").count() == 2
    tasks = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"]
    assert [t["businessStatus"]["coding"][0]["code"] for t in tasks] == ["39", "39"]
    inputs = {i["type"]["text"]: i for i in tasks[0]["input"]}
    assert inputs["idDecision"]["valueIdentifier"] == {"use": "usual", "value": "IdDecision"}
    assert inputs["idNat_Decision"]["valueIdentifier"] == {"use": "official", "value": "IdNat_Decision"}
    rights = inputs["typeDroitPrestation"]["valueCodeableConcept"]
    assert rights["coding"][0]["display"] == "type de Droit et Prestation"

    again = fhir_json(post_json(client, "/fhir/Bundle", completed_example(world), headers), 201, "Bundle")
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 2)
    assert "existing" in again["entry"][0]["resource"]["issue"][0]["diagnostics"]
    # the ESMS now sees the request in its Task feed
    feed = fhir_json(client.get("/fhir/Task", **token(world.sites[1].organisation)), 200, "Bundle")
    assert feed["total"] == 1


def test_the_command_imports_and_reimports(tmp_path, world):
    path = tmp_path / "notification.json"
    path.write_text(json.dumps(completed_example(world)), encoding="utf-8")
    out = io.StringIO()
    call_command("import_sdo_notification", str(path), "--organisation", str(world.mdph.organisation.pk), stdout=out)
    summary = json.loads(out.getvalue().splitlines()[-1])
    assert summary["person"]["outcome"] == "created" and summary["decision"]["outcome"] == "created"
    assert [r["outcome"] for r in summary["requests"]] == ["created", "created"]

    out = io.StringIO()
    call_command("import_sdo_notification", str(path), stdout=out)  # the only MDPH by default
    summary = json.loads(out.getvalue().splitlines()[-1])
    assert summary["person"]["outcome"] == "existing" and summary["decision"]["outcome"] == "existing"
    assert [r["outcome"] for r in summary["requests"]] == ["existing", "existing"]


def test_the_command_refuses_an_esms_and_names_the_path(tmp_path, world):
    bundle = completed_example(world)
    bundle["entry"][2]["resource"]["birthDate"] = "1994"
    path = tmp_path / "notification.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(CommandError, match="organisation d'orientation"):
        call_command("import_sdo_notification", str(path), "--organisation", str(world.sites[0].organisation.pk))
    with pytest.raises(CommandError, match=r"Bundle\.entry\[2\]\.resource\.birthDate"):
        call_command("import_sdo_notification", str(path))
    assert not Person.objects.filter(family_name="Kerbrat").exists()


@pytest.mark.parametrize(
    "change, status, path",
    [
        (lambda b: b.update(type="transaction"), 400, "Bundle.type"),
        (lambda b: b["entry"][1]["resource"].update(authoredOn="demain"), 400, "Bundle.entry[1].resource.authoredOn"),
        (
            lambda b: b["entry"][1]["resource"]["input"].pop(0),
            400,
            "Bundle.entry[1].resource.input",
        ),
        (
            lambda b: b["entry"][0]["resource"]["restriction"]["period"].update(start="2032-01-01"),
            422,
            "Bundle.entry[0].resource.restriction.period",
        ),
        (
            lambda b: b["entry"][1]["resource"].update({"for": {"reference": "Patient/p2"}}),
            422,
            "Bundle.entry[1].resource.for",
        ),
        (lambda b: b["entry"][2]["resource"].pop("name"), 400, "Bundle.entry[2].resource.name[0].family"),
    ],
)
def test_invalid_bundles_name_the_path_and_write_nothing(client, world, token, change, status, path):
    bundle = completed_example(world)
    change(bundle)
    before = counts()
    outcome = fhir_json(post_json(client, "/fhir/Bundle", bundle, token(world.mdph.organisation)), status)
    assert outcome["issue"][0]["expression"][0] == path
    assert counts() == before


def test_an_esms_client_may_not_post_a_notification(client, world, token):
    response = post_json(client, "/fhir/Bundle", completed_example(world), token(world.sites[0].organisation))
    assert fhir_json(response, 403, "OperationOutcome")
    assert fhir_json(client.get("/fhir/Bundle", **token(world.mdph.organisation)), 405, "OperationOutcome")


def test_a_notification_may_point_to_a_person_the_sender_follows(client, sent, token):
    bundle = completed_example(sent)
    bundle["entry"].pop()  # no Patient entry: Task.for is Patient/<pk>
    for entry in bundle["entry"]:
        entry["resource"]["for"] = {"reference": f"Patient/{sent.person.pk}"}
        for item in entry["resource"]["input"]:
            if item["type"]["text"] == "idNat_Struct":
                item["valueString"] = f"1{sent.sites[2].finess}"
    before = counts()

    refused = fhir_json(post_json(client, "/fhir/Bundle", bundle, token(sent.mdph.organisation)), 422)
    assert refused["issue"][0]["expression"] == ["Bundle.entry[0].resource.for.reference"]
    assert counts() == before

    fhir_json(post_json(client, "/fhir/Bundle", bundle, token(sent.coordinator.organisation)), 201, "Bundle")
    request = AdmissionRequest.objects.get(person=sent.person, site=sent.sites[2])
    assert request.wish_rank == 3 and request.decision.organisation == sent.coordinator.organisation
    assert counts() == (before[0], before[1] + 1, before[2] + 1)


def test_an_esms_the_decision_does_not_cover_is_a_business_rule_error(client, world, token):
    """Same coverage rule as the screens (decision 0033): the person (born 1994) is too young for site 0's only unit,
    and a notification carries no derogation. Nothing is created."""
    Unit.objects.filter(pk=world.unit.pk).update(age_min=60)
    before = counts()
    response = post_json(client, "/fhir/Bundle", completed_example(world), token(world.mdph.organisation))
    outcome = fhir_json(response, 422, "OperationOutcome")
    assert outcome["issue"][0]["code"] == "business-rule"
    assert "« Foyer 0 » n'est pas couvert par la décision d'orientation" in outcome["issue"][0]["diagnostics"]
    assert "aucune de ses unités n'accueille une personne de" in outcome["issue"][0]["diagnostics"]
    assert counts() == before


def test_an_esms_named_by_its_owner_finess_instead_of_id_nat_struct(client, world, token):
    """References to organisations resolve against the directory by identifier (decision 0050)."""
    bundle = completed_example(world)
    first = bundle["entry"][0]["resource"]
    first["input"] = [i for i in first["input"] if i["type"]["text"] != "idNat_Struct"]
    first["owner"] = {"identifier": {"system": "https://finess.esante.gouv.fr", "value": world.sites[0].finess}}

    fhir_json(post_json(client, "/fhir/Bundle", bundle, token(world.mdph.organisation)), 201, "Bundle")

    person = Person.objects.get(external_ref="USAGER-0001")
    sites = [r.site for r in AdmissionRequest.objects.filter(person=person).order_by("wish_rank")]
    assert sites == world.sites[:2]
