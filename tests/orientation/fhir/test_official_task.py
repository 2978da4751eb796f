"""The official SDOTask example goes in (decision 0050): without ``Task.identifier``, the request named as the SI-SDO
names it (idNat_Struct + idNat_Decision), the unit by its national id, the status systems as the example writes them."""

import copy

import pytest

from relais.fhir.testing import fhir_json
from relais.orientation.requests.models import AdmissionRequest, StatusTransition, UnitRequestStatus
from relais.orientation.requests.services import admission_request_transition, unit_request_transition

from .conftest import example, post_json

pytestmark = pytest.mark.django_db
NATIONAL_ID = "VT-2026-000042"


@pytest.fixture
def entered(sent):
    """Request 0 came from an SI-SDO notification (its external ref), the person entered the ESMS and its unit."""
    request = sent.requests[0]
    AdmissionRequest.objects.filter(pk=request.pk).update(external_ref=f"sdo:{NATIONAL_ID}:{sent.sites[0].finess}")
    request.refresh_from_db()
    sent.unit.external_id = "ROR-OI-0001"
    sent.unit.save()
    staff = sent.staff[0]
    for target in ("40", "42", "72", "71", "47"):
        admission_request_transition(actor=staff, request=request, target=target)
    for target in ("182", "183", "184", "186"):
        unit_request_transition(actor=staff, request=request, unit=sent.unit, target=target)
    sent.request = request
    return sent


def filled(world) -> dict:
    """The example with its placeholders replaced by the test world's values (nothing else changed)."""
    task = copy.deepcopy(example("SDOTask.json"))
    for item in task["input"]:
        name = item["type"]["text"]
        if name == "idNat_Struct":
            item["valueString"] = "1" + world.sites[0].finess
        elif name == "idNat_Decision":
            item["valueString"] = NATIONAL_ID
        elif name == "idUnite":
            item["valueIdentifier"] = {"value": world.unit.external_id}
    return task


def test_the_example_as_published_is_refused_for_its_placeholder_esms(client, entered, token):
    outcome = fhir_json(
        post_json(client, "/fhir/Task", example("SDOTask.json"), token(entered.sites[0].organisation)), 422
    )
    issue = outcome["issue"][0]
    assert issue["code"] == "not-found"
    assert issue["expression"] == ["Task.input[0].valueString"]  # idNat_Struct: "value idNat_Struct", no FINESS
    assert "identifier" not in issue["diagnostics"]


def test_the_filled_example_moves_both_levels_without_an_identifier(client, entered, token):
    headers = token(entered.sites[0].organisation)
    task = filled(entered)
    assert "identifier" not in task and "focus" not in task

    created = fhir_json(post_json(client, "/fhir/Task", task, headers), 201, "Task")

    request = AdmissionRequest.objects.get(pk=entered.request.pk)
    assert request.status == "48"
    assert UnitRequestStatus.objects.get(request=request, unit=entered.unit).status == "188"
    assert StatusTransition.objects.get(request=request, to_status="188").reason == "89"
    assert created["businessStatus"]["coding"][0]["code"] == "48"

    # Posted again (a retry after a lost answer): the same Task, nothing applied twice.
    count = StatusTransition.objects.filter(request=request).count()
    again = fhir_json(post_json(client, "/fhir/Task", task, headers), 201, "Task")
    assert again["id"] == created["id"]
    assert StatusTransition.objects.filter(request=request).count() == count


def test_a_decision_unknown_for_this_esms_is_not_found(client, entered, token):
    task = filled(entered)
    for item in task["input"]:
        if item["type"]["text"] == "idNat_Decision":
            item["valueString"] = "VT-AUTRE"
    outcome = fhir_json(post_json(client, "/fhir/Task", task, token(entered.sites[0].organisation)), 422)
    assert outcome["issue"][0]["code"] == "not-found"
    assert outcome["issue"][0]["expression"][0].endswith(".valueString")
    assert AdmissionRequest.objects.get(pk=entered.request.pk).status == "47"


def test_another_esms_cannot_use_the_example_on_this_request(client, entered, token):
    outcome = fhir_json(post_json(client, "/fhir/Task", filled(entered), token(entered.sites[1].organisation)), 422)
    assert outcome["issue"][0]["code"] == "not-found"
    assert AdmissionRequest.objects.get(pk=entered.request.pk).status == "47"


def test_the_esms_may_be_named_by_a_contained_organisation_instead_of_id_nat_struct(client, entered, token):
    task = filled(entered)
    task["input"] = [i for i in task["input"] if i["type"]["text"] != "idNat_Struct"]
    task["contained"] = [
        {
            "resourceType": "Organization",
            "id": "esms",
            "identifier": [{"system": "https://finess.esante.gouv.fr", "value": entered.sites[0].finess}],
        }
    ]
    task["owner"] = {"reference": "#esms"}
    fhir_json(post_json(client, "/fhir/Task", task, token(entered.sites[0].organisation)), 201, "Task")
    assert AdmissionRequest.objects.get(pk=entered.request.pk).status == "48"


def test_an_owner_other_than_the_request_esms_is_refused(client, entered, token):
    task = filled(entered)
    task["owner"] = {"identifier": {"system": "https://finess.esante.gouv.fr", "value": entered.sites[1].finess}}
    outcome = fhir_json(post_json(client, "/fhir/Task", task, token(entered.sites[0].organisation)), 422)
    assert outcome["issue"][0]["expression"] == ["Task.owner.identifier.value"]
    assert AdmissionRequest.objects.get(pk=entered.request.pk).status == "47"
