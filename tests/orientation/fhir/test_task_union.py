"""One FHIR Task type for two kinds of objects: SI-SDO status changes and the shared plan's actions."""

import pytest

from relais.fhir.testing import fhir_json
from relais.pathway.circle.models import CircleMember
from relais.pathway.circle.services import record_open
from relais.pathway.record.services import plan_task_add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def without_2fa(no_2fa):
    """Session reads here are about dispatch; 2FA is tested with the foundation."""


@pytest.fixture
def both(sent, client):
    """The DAC coordinator sent two requests (2 SDO Tasks) and runs the person's record with three plan actions."""
    world = sent
    world.coordinator.user.professional_category = "coordination_staff"
    world.coordinator.user.save()
    record_open(actor=world.coordinator, person=world.person)
    referent = CircleMember.objects.get(user=world.coordinator.user)
    for title in ("Appeler le médecin traitant", "Visite à domicile", "Dossier APA"):
        plan_task_add(actor=world.coordinator, person=world.person, title=title, assignee_member=referent)
    client.force_login(world.coordinator.user)
    return world


def test_search_covers_both_kinds_with_paging(client, both):
    first = fhir_json(client.get("/fhir/Task", {"_count": 3}), resource_type="Bundle")
    assert first["total"] == 5
    ids = [entry["resource"]["id"] for entry in first["entry"]]
    assert ids[:2] == [str(t.pk) for t in both.requests[0].transitions.all()] + [
        str(t.pk) for t in both.requests[1].transitions.all()
    ]
    assert ids[2].startswith("plan-")
    second = fhir_json(client.get("/fhir/Task", {"_count": 3, "_offset": 3}), resource_type="Bundle")
    first_plan = int(ids[2].removeprefix("plan-"))
    assert [entry["resource"]["id"] for entry in second["entry"]] == [
        f"plan-{first_plan + 1}",
        f"plan-{first_plan + 2}",
    ]


def test_sdo_only_parameters_restrict_to_status_changes(client, both):
    bundle = fhir_json(client.get("/fhir/Task", {"business-status": "39"}), resource_type="Bundle")
    assert bundle["total"] == 2
    assert all(not e["resource"]["id"].startswith("plan-") for e in bundle["entry"])


def test_read_dispatches_on_the_id(client, both):
    sdo_id = both.requests[0].transitions.first().pk
    assert fhir_json(client.get(f"/fhir/Task/{sdo_id}"))["businessStatus"]["coding"][0]["code"] == "39"
    plan = fhir_json(client.get("/fhir/Task", {"status": "requested", "patient": f"Patient/{both.person.pk}"}))
    plan_ids = [e["resource"]["id"] for e in plan["entry"] if e["resource"]["id"].startswith("plan-")]
    assert len(plan_ids) == 3
    assert fhir_json(client.get(f"/fhir/Task/{plan_ids[0]}"))["description"] == "Appeler le médecin traitant"


def test_an_esms_sees_its_status_changes_and_none_of_the_plan(client, both):
    client.force_login(both.staff[0].user)
    bundle = fhir_json(client.get("/fhir/Task"), resource_type="Bundle")
    assert bundle["total"] == 1 and bundle["entry"][0]["resource"]["id"] == str(both.requests[0].transitions.first().pk)
