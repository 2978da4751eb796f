"""Tasks posted by an ESMS record system move the request's status through the services (source fhir)."""

import pytest

from relais.accounts.roles import Role
from relais.fhir.testing import fhir_json
from relais.orientation.fhir import codes as c
from relais.orientation.requests.models import AdmissionRequest, Source, StatusTransition, UnitRequestStatus

from .conftest import example, post_json

pytestmark = pytest.mark.django_db
ALIAS_J252 = "https://mos.esante.gouv.fr/NOS/JDV_J252-StatutPersonnePriseChargeESMS/"


def task(request, status, *, identifier="esms-42", reason=None, system=c.STATUS_SYSTEM, **extra):
    resource = {
        "resourceType": "Task",
        "meta": {"profile": [c.SDO_TASK_PROFILE]},
        "identifier": [{"system": "urn:logiciel-esms:task", "value": identifier}],
        "status": "completed",
        "intent": "plan",
        "focus": {"identifier": {"system": c.REQUEST_SYSTEM, "value": str(request.pk)}},
        "businessStatus": {"coding": [{"system": system, "code": status}]},
        **extra,
    }
    if reason:
        resource["statusReason"] = {"coding": [{"system": c.REASON_SYSTEM, "code": reason}]}
    return resource


def test_a_posted_task_moves_the_status_and_is_logged_with_source_fhir(client, sent, token):
    request = sent.requests[0]
    headers = token(sent.sites[0].organisation)

    created = fhir_json(post_json(client, "/fhir/Task", task(request, "40"), headers), 201, "Task")

    request.refresh_from_db()
    assert request.status == "40"
    transition = StatusTransition.objects.get(request=request, to_status="40")
    assert transition.source == Source.FHIR and transition.actor_kind == "esms"
    assert created["id"] == str(transition.pk)
    # ...and it is published like any other change
    read = fhir_json(client.get(f"/fhir/Task/{transition.pk}", **token(sent.coordinator.organisation)), 200, "Task")
    assert read["businessStatus"]["coding"][0]["code"] == "40"


def test_the_same_task_posted_twice_applies_once(client, sent, token):
    request = sent.requests[0]
    headers = token(sent.sites[0].organisation)
    first = fhir_json(post_json(client, "/fhir/Task", task(request, "40"), headers), 201, "Task")
    fhir_json(post_json(client, "/fhir/Task", task(request, "41", identifier="esms-43", reason="152"), headers), 201)

    again = fhir_json(post_json(client, "/fhir/Task", task(request, "40"), headers), 201, "Task")

    assert again["id"] == first["id"]
    request.refresh_from_db()
    assert request.status == "41"
    assert StatusTransition.objects.filter(request=request).count() == 3  # 39, 40, 41


def test_a_forbidden_transition_is_a_422_with_the_workflow_message(client, sent, token):
    request = sent.requests[0]
    response = post_json(client, "/fhir/Task", task(request, "47"), token(sent.sites[0].organisation))

    outcome = fhir_json(response, 422, "OperationOutcome")
    assert outcome["issue"][0]["expression"] == ["Task.businessStatus"]
    assert "47" in outcome["issue"][0]["diagnostics"] and "39" in outcome["issue"][0]["diagnostics"]
    request.refresh_from_db()
    assert request.status == "39"
    assert StatusTransition.objects.filter(request=request).count() == 1


def test_a_missing_reason_names_the_status(client, sent, token):
    headers = token(sent.sites[0].organisation)
    fhir_json(post_json(client, "/fhir/Task", task(sent.requests[0], "40"), headers), 201)
    outcome = fhir_json(post_json(client, "/fhir/Task", task(sent.requests[0], "41", identifier="x"), headers), 422)
    assert "motif" in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "change, status, path",
    [
        (lambda t: t.update(authoredOn="hier"), 400, "Task.authoredOn"),
        (lambda t: t["identifier"][0].update(value="x" * 300), 400, "Task.identifier[0]"),
        (
            lambda t: t["businessStatus"]["coding"][0].update(system="urn:autre"),
            400,
            "Task.businessStatus.coding[0].system",
        ),
        (lambda t: t["businessStatus"]["coding"][0].update(code="999"), 400, "Task.businessStatus.coding[0].code"),
        (lambda t: t["focus"]["identifier"].update(value="999999"), 422, "Task.focus.identifier"),
        (lambda t: t.pop("businessStatus"), 400, "Task.businessStatus"),
    ],
)
def test_invalid_tasks_name_the_path_and_change_nothing(client, sent, token, change, status, path):
    resource = task(sent.requests[0], "40")
    change(resource)
    outcome = fhir_json(post_json(client, "/fhir/Task", resource, token(sent.sites[0].organisation)), status)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"][0] == path
    assert AdmissionRequest.objects.get(pk=sent.requests[0].pk).status == "39"


def test_a_request_of_another_esms_is_not_found(client, sent, token):
    outcome = fhir_json(
        post_json(client, "/fhir/Task", task(sent.requests[1], "40"), token(sent.sites[0].organisation)), 422
    )
    assert outcome["issue"][0]["code"] == "not-found"
    assert AdmissionRequest.objects.get(pk=sent.requests[1].pk).status == "39"


def test_anonymous_and_readers_without_the_role_are_refused(client, sent, make_member, no_2fa):
    assert post_json(client, "/fhir/Task", task(sent.requests[0], "40"), {}).status_code == 401
    member, _actor = make_member(sent.sites[0].organisation, role=Role.MEMBER)
    client.force_login(member)  # does not even see the request
    assert fhir_json(post_json(client, "/fhir/Task", task(sent.requests[0], "40"), {}), 422)["issue"][0]["code"] == (
        "not-found"
    )
    carer, _actor = make_member(sent.sites[0].organisation, role=Role.CARE_PROFESSIONAL)
    client.force_login(carer)  # sees it, but does not run admissions
    assert fhir_json(post_json(client, "/fhir/Task", task(sent.requests[0], "40"), {}), 403)
    assert AdmissionRequest.objects.get(pk=sent.requests[0].pk).status == "39"


def test_sdo_inputs_with_alias_systems_move_both_levels_or_nothing(client, sent, token):
    request = sent.requests[0]
    headers = token(sent.sites[0].organisation)
    for code, ident in (("40", "a"), ("42", "b")):
        fhir_json(post_json(client, "/fhir/Task", task(request, code, identifier=ident), headers), 201)
    sdo = example("SDOTask.json")  # the ANS example's inputs, pointed at our request and unit
    inputs = {i["type"]["text"]: i for i in sdo["input"]}
    del inputs["idNat_Decision"], inputs["idDecision"]  # focus names the request
    inputs["idNat_Struct"]["valueString"] = "1" + sent.sites[0].finess  # another ESMS than the request's: 422
    inputs["statutESMS"]["valueCodeableConcept"]["coding"][0].update(system=ALIAS_J252, code="72")
    inputs["statutUnite"]["valueCodeableConcept"]["coding"][0]["code"] = "184"  # not reachable from nothing
    inputs["idUnite"]["valueIdentifier"] = {"system": c.UNIT_ID_SYSTEM, "value": str(sent.unit.pk)}
    del inputs["motifUnite"]
    resource = {**sdo, "identifier": [{"value": "sdo-1"}], "focus": task(request, "40")["focus"]}
    resource["input"] = list(inputs.values())
    resource.pop("id")

    outcome = fhir_json(post_json(client, "/fhir/Task", resource, headers), 422, "OperationOutcome")
    assert outcome["issue"][0]["expression"][0].startswith("Task.input[")
    request.refresh_from_db()
    assert request.status == "42"  # the ESMS-level part was rolled back too
    assert not UnitRequestStatus.objects.filter(request=request).exists()

    inputs["statutUnite"]["valueCodeableConcept"]["coding"][0]["code"] = "182"
    created = fhir_json(post_json(client, "/fhir/Task", resource, headers), 201, "Task")
    request.refresh_from_db()
    assert request.status == "72"
    assert UnitRequestStatus.objects.get(request=request, unit=sent.unit).status == "182"
    assert created["businessStatus"]["coding"][0]["code"] == "72"
    assert StatusTransition.objects.filter(request=request, source=Source.FHIR).count() == 4
