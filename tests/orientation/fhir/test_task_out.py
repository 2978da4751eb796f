"""Status changes published as SDO Tasks: shape (validated with fhir.resources R4B), scoping, search and paging."""

from datetime import UTC

import pytest

from relais.fhir.conformance import check
from relais.fhir.testing import fhir_json, local_path
from relais.offer.models import Category, Site, Unit
from relais.orientation.fhir import codes as c
from relais.orientation.requests.models import StatusTransition
from relais.orientation.requests.services import admission_request_transition, unit_request_transition

pytestmark = pytest.mark.django_db


def _input(task, name):
    return next((i for i in task["input"] if i["type"]["text"] == name), None)


def test_a_web_transition_appears_as_an_sdo_task(client, sent, token):
    request = sent.requests[0]
    admission_request_transition(actor=sent.staff[0], request=request, target="40")
    transition = StatusTransition.objects.get(request=request, to_status="40")

    task = fhir_json(client.get(f"/fhir/Task/{transition.pk}", **token(sent.sites[0].organisation)), 200, "Task")

    assert task["meta"]["profile"] == [c.SDO_TASK_PROFILE]
    assert task["status"] == "completed" and task["intent"] == "plan"
    assert task["businessStatus"]["coding"][0] == {
        "system": "https://mos.esante.gouv.fr/NOS/TRE_R357-StatutPersonnePriseCharge/FHIR/TRE-R357-StatutPersonnePriseCharge",
        "code": "40",
        "display": task["businessStatus"]["coding"][0]["display"],
    }
    assert task["focus"]["identifier"] == {"system": c.REQUEST_SYSTEM, "value": str(request.pk)}
    assert task["for"]["reference"] == f"Patient/{sent.person.pk}"
    assert task["owner"]["reference"] == "Organization/290000100"
    assert task["owner"]["identifier"]["value"] == "290000100"
    assert task["requester"]["reference"] == f"Organization/relais-{sent.coordinator.organisation.pk}"
    assert _input(task, "idNat_Struct")["valueIdentifier"]["value"] == "1290000100"
    assert _input(task, "statutESMS")["valueCodeableConcept"]["coding"][0]["code"] == "40"
    assert "location" not in task and _input(task, "statutUnite") is None


def test_a_unit_transition_carries_the_unit_and_the_reason(client, sent, token):
    request = sent.requests[0]
    for target in ("40", "42"):
        admission_request_transition(actor=sent.staff[0], request=request, target=target)
    unit_request_transition(actor=sent.staff[0], request=request, unit=sent.unit, target="182")
    unit_request_transition(actor=sent.staff[0], request=request, unit=sent.unit, target="180", reason="100")
    transition = StatusTransition.objects.get(request=request, to_status="180")

    task = fhir_json(client.get(f"/fhir/Task/{transition.pk}", **token(sent.sites[0].organisation)), 200, "Task")

    assert task["location"]["reference"] == f"Location/unit-{sent.unit.pk}"
    assert task["statusReason"]["coding"][0]["system"] == c.REASON_SYSTEM
    assert task["statusReason"]["coding"][0]["code"] == "100"
    assert _input(task, "statutUnite")["valueCodeableConcept"]["coding"][0]["code"] == "180"
    assert _input(task, "motifUnite")["valueCodeableConcept"]["coding"][0]["code"] == "100"
    # A unit never published in the ROR has only Relais's id; one from the ROR its national id (decision 0050).
    assert _input(task, "idUnite")["valueIdentifier"] == {
        "use": "secondary",
        "system": c.UNIT_ID_SYSTEM,
        "value": str(sent.unit.pk),
    }
    mode = _input(task, "modePriseCharge")["valueCodeableConcept"]["coding"]
    assert mode == [{"system": c.CARE_MODE_SYSTEM, "code": "46", "display": "Hébergement (accueil jour et nuit)"}]
    sent.unit.external_id = "ROR-OI-7"
    sent.unit.save()
    task = fhir_json(client.get(f"/fhir/Task/{transition.pk}", **token(sent.sites[0].organisation)), 200, "Task")
    assert _input(task, "idUnite")["valueIdentifier"] == {"use": "official", "value": "ROR-OI-7"}


def test_every_input_is_typed_by_the_profile_code_system_and_names_the_decision(client, sent, token):
    """The inputs match SDOTask's slices (pattern on type) and idDecision / idNat_Decision are always there."""
    transition = StatusTransition.objects.get(request=sent.requests[0])
    task = fhir_json(client.get(f"/fhir/Task/{transition.pk}", **token(sent.sites[0].organisation)), 200, "Task")

    for item in task["input"]:
        (coding,) = item["type"]["coding"]
        assert coding["system"] == c.INPUT_SYSTEM and coding["code"] == item["type"]["text"]
    # A request sent without a decision (the world's): the two required ids say why they are absent.
    absent = _input(task, "idNat_Decision")["valueIdentifier"]["extension"][0]
    assert absent["valueCode"] == "not-applicable"
    assert _input(task, "idDecision")["valueIdentifier"]["extension"][0] == absent


def test_a_hidden_task_answers_like_a_missing_one(client, sent, token):
    transition = StatusTransition.objects.get(request=sent.requests[0])
    other_esms = token(sent.sites[2].organisation)

    hidden = fhir_json(client.get(f"/fhir/Task/{transition.pk}", **other_esms), 404, "OperationOutcome")
    missing = fhir_json(client.get("/fhir/Task/999999", **other_esms), 404, "OperationOutcome")

    assert hidden["issue"][0]["code"] == missing["issue"][0]["code"] == "not-found"
    assert hidden["issue"][0]["diagnostics"].replace(str(transition.pk), "X") == missing["issue"][0][
        "diagnostics"
    ].replace("999999", "X")
    assert fhir_json(client.get("/fhir/Task", **other_esms), 200, "Bundle")["total"] == 0


def test_anonymous_callers_get_401(client, sent):
    transition = StatusTransition.objects.get(request=sent.requests[0])
    assert fhir_json(client.get(f"/fhir/Task/{transition.pk}"), 401, "OperationOutcome")["issue"][0]["code"] == "login"
    assert client.get("/fhir/Task").status_code == 401


def test_each_side_sees_only_its_tasks(client, sent, token):
    admission_request_transition(actor=sent.staff[1], request=sent.requests[1], target="40")

    esms0 = fhir_json(client.get("/fhir/Task", **token(sent.sites[0].organisation)), 200, "Bundle")
    esms1 = fhir_json(client.get("/fhir/Task", **token(sent.sites[1].organisation)), 200, "Bundle")
    orientation = fhir_json(client.get("/fhir/Task", **token(sent.coordinator.organisation)), 200, "Bundle")
    managing_body = fhir_json(client.get("/fhir/Task", **token(sent.body_director.organisation)), 200, "Bundle")

    assert esms0["total"] == 1 and esms1["total"] == 2
    assert orientation["total"] == 3 and managing_body["total"] == 3


def test_last_updated_feed_with_paging_and_status_filter(client, sent, token):
    request = sent.requests[0]
    for target, reason in (("40", None), ("41", "152"), ("42", None)):
        admission_request_transition(actor=sent.staff[0], request=request, target=target, reason=reason)
    headers = token(sent.sites[0].organisation)
    created = StatusTransition.objects.get(request=request, to_status="39").at
    stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # strictly after the creation

    page = fhir_json(client.get(f"/fhir/Task?_lastUpdated=gt{stamp}&_count=2", **headers), 200, "Bundle")
    assert page["total"] == 3
    codes = [e["resource"]["businessStatus"]["coding"][0]["code"] for e in page["entry"]]
    assert codes == ["40", "41"]
    next_url = next(link["url"] for link in page["link"] if link["relation"] == "next")
    rest = fhir_json(client.get(local_path(next_url), **headers), 200, "Bundle")
    assert [e["resource"]["businessStatus"]["coding"][0]["code"] for e in rest["entry"]] == ["42"]

    only = fhir_json(client.get(f"/fhir/Task?business-status={c.STATUS_SYSTEM}|41", **headers), 200, "Bundle")
    assert only["total"] == 1
    focus = fhir_json(client.get(f"/fhir/Task?focus={c.REQUEST_SYSTEM}|{request.pk}", **headers), 200, "Bundle")
    assert focus["total"] == 4
    assert fhir_json(client.get("/fhir/Task?_lastUpdated=gt2026-99", **headers), 400, "OperationOutcome")
    mine = fhir_json(client.get(f"/fhir/Task?patient=Patient/{sent.person.pk}&status=completed", **headers), 200)
    assert mine["total"] == 4
    assert fhir_json(client.get(f"/fhir/Task?patient=Patient/{sent.person.pk + 1}", **headers), 200)["total"] == 0
    assert fhir_json(client.get("/fhir/Task?status=requested", **headers), 200)["total"] == 0


def test_a_unit_task_carries_the_units_organisation_category_when_relais_knows_it(client, sent, token):
    """categorieOrganisation (regle-StatutUnite): the unit's TRE_R244 category, else the site's FINESS default;
    absent when neither is known (decision 0050)."""
    request = sent.requests[0]
    for target in ("40", "42"):
        admission_request_transition(actor=sent.staff[0], request=request, target=target)
    unit_request_transition(actor=sent.staff[0], request=request, unit=sent.unit, target="182")
    transition = StatusTransition.objects.get(request=request, to_status="182")
    headers = token(sent.sites[0].organisation)
    system = "https://mos.esante.gouv.fr/NOS/TRE_R244-CategorieOrganisation/FHIR/TRE-R244-CategorieOrganisation"

    task = fhir_json(client.get(f"/fhir/Task/{transition.pk}", **headers), 200, "Task")
    assert _input(task, "categorieOrganisation") is None  # a site without FINESS category, a unit without one

    Category.objects.get_or_create(code="255", defaults={"label": "MAS"})
    Site.objects.filter(pk=sent.sites[0].pk).update(category_id="255")
    task = fhir_json(client.get(f"/fhir/Task/{transition.pk}", **headers), 200, "Task")
    category = _input(task, "categorieOrganisation")
    assert category["type"]["coding"][0]["code"] == "categorieOrganisation"
    assert category["valueCodeableConcept"]["coding"] == [
        {"system": system, "code": "40", "display": "Maison d'accueil spécialisée (MAS)"}
    ]
    names = [i["type"]["text"] for i in task["input"]]
    assert names.index("nomUnite") < names.index("categorieOrganisation") < names.index("modePriseCharge")

    Unit.objects.filter(pk=sent.unit.pk).update(organisation_category="257")  # what the ROR said wins
    task = fhir_json(client.get(f"/fhir/Task/{transition.pk}", **headers), 200, "Task")
    assert _input(task, "categorieOrganisation")["valueCodeableConcept"]["coding"][0]["code"] == "257"
    assert not check(task).errors
