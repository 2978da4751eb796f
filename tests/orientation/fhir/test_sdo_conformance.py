"""What the SI-SDO exchange serves conforms to the SDO profiles, checked by relais.fhir.conformance (decision 0050):
an ESMS-level Task, stored and generated DocumentReferences, an ESMSConsent. The unit-level Task's one known gap
(categorieOrganisation, invariant regle-StatutUnite) is asserted to be the only one."""

import pytest

from relais.fhir.conformance import check_resource
from relais.fhir.testing import fhir_json
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests.models import StatusTransition
from relais.orientation.requests.services import admission_request_transition, unit_request_transition

from .conftest import post_json
from .test_documents import consent, esms_document
from .test_notification import completed_example

pytestmark = pytest.mark.django_db


def errors(resource: dict) -> list[str]:
    return [f"{p.path}: {p.message}" for p in check_resource(resource) if p.severity == "error"]


def test_served_sdo_resources_conform(client, world, token):
    mdph, esms = token(world.mdph.organisation), token(world.sites[0].organisation)
    notification = fhir_json(post_json(client, "/fhir/Bundle", completed_example(world), mdph), 201, "Bundle")
    decision = OrientationDecision.objects.get(mdph_decision_id="IdDecision")
    request = decision.requests.get(site=world.sites[0])
    for target in ("40", "42"):
        admission_request_transition(actor=world.staff[0], request=request, target=target)
    unit_request_transition(actor=world.staff[0], request=request, unit=world.unit, target="182")

    tasks = [e["resource"] for e in notification["entry"] if e["resource"]["resourceType"] == "Task"]
    tasks += [e["resource"] for e in fhir_json(client.get("/fhir/Task?_count=50", **esms), 200, "Bundle")["entry"]]
    unit_task = fhir_json(
        client.get(f"/fhir/Task/{StatusTransition.objects.get(to_status='182').pk}", **esms), 200, "Task"
    )
    for task in tasks:
        if task["id"] != unit_task["id"]:
            assert errors(task) == [], task["id"]
    (gap,) = errors(unit_task)
    assert "regle-StatutUnite" in gap  # categorieOrganisation: no TRE_R244 category on a unit (decision 0050)

    stored = fhir_json(post_json(client, "/fhir/DocumentReference", esms_document(), mdph), 201)
    generated = fhir_json(client.get(f"/fhir/DocumentReference/decision-{decision.pk}", **esms), 200)
    agreement = fhir_json(post_json(client, "/fhir/Consent", consent(), esms), 201, "Consent")
    for resource in (stored, generated, agreement):
        assert errors(resource) == [], resource["id"]
