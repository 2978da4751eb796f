"""Every reference to an organisation resolves on /fhir/Organization (decisions 0049, 0051): a directory entry by its
FINESS id (with its FINESS identifier), another organisation by « relais-<pk> »; references Relais reads back too."""

from relais.audit.services import access_log_record
from relais.fhir.testing import fhir_json
from relais.offer.fhir import codes
from relais.offer.fhir.organization_reference import organisation_from_reference, organization_reference
from relais.pathway.fhir.events import KIND_SYSTEM
from relais.pathway.record.models import PlanTask, TimelineEvent
from tests.fhir.offer_data import legal_entity, site

from .conftest import post


def organization_references(value) -> list[dict]:
    """Every Reference with ``Organization/...`` in a resource, contained resources included."""
    found = []
    if isinstance(value, dict):
        if str(value.get("reference", "")).startswith("Organization/"):
            found.append(value)
        for item in value.values():
            found += organization_references(item)
    elif isinstance(value, list):
        for item in value:
            found += organization_references(item)
    return found


def assert_resolves(client, resource: dict, expected: int) -> list[dict]:
    references = organization_references(resource)
    assert len(references) >= expected, resource
    for reference in references:
        response = client.get("/fhir/" + reference["reference"])
        target = fhir_json(response, 200, resource_type="Organization")
        assert reference["reference"] == f"Organization/{target['id']}"
        if "identifier" in reference:  # the FINESS identifier the reference carries is the target's
            assert {"system": codes.FINESS_SYSTEM, "value": reference["identifier"]["value"]} in [
                {k: i.get(k) for k in ("system", "value")} for i in target.get("identifier", [])
            ]
    return references


def directory_world(world):
    """The SSIAD is a site of the directory (linked); the DAC only carries the FINESS number of another entry."""
    entity = legal_entity(name="Association Émeraude")
    world.ssiad_site = site(entity, name="SSIAD Émeraude", category="354", organisation=world.organisations.ssiad)
    dac_entry = site(entity, name="DAC Rance (FINESS)", category="354")
    world.organisations.dac.finess = dac_entry.finess
    world.organisations.dac.save(update_fields=["finess"])
    world.dac_entry = dac_entry
    return world


def test_care_team_task_encounter_and_audit_event_point_where_organization_serves(world, as_subject):
    directory_world(world)
    ssiad = world.organisations.ssiad
    PlanTask.objects.create(plan=world.plan, title="Portage des repas", assignee_organisation=ssiad, created_by="test")
    nurse = as_subject(world.subjects["health_care_team"])
    encounter = {
        "resourceType": "Encounter",
        "meta": {"security": [{"system": "urn:relais:data-category", "code": "medical"}]},
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "type": [{"coding": [{"system": KIND_SYSTEM, "code": "hospital_stay"}], "text": "Séjour"}],
        "subject": {"reference": f"Patient/{world.person.pk}"},
        "period": {"start": "2026-02-10T09:30:00+01:00"},
    }
    fhir_json(post(nurse, "/fhir/Encounter", encounter), 201)
    assert TimelineEvent.objects.filter(author_organisation=ssiad).exists()
    referent = as_subject(world.subjects["referent"])

    care_team = fhir_json(referent.get(f"/fhir/CareTeam/{world.record.pk}"), resource_type="CareTeam")
    references = assert_resolves(referent, care_team, expected=5)
    by_id = {r["reference"]: r for r in references}
    assert by_id[f"Organization/{world.ssiad_site.finess}"]["identifier"]["value"] == world.ssiad_site.finess
    assert care_team["managingOrganization"][0]["reference"] == f"Organization/{world.dac_entry.finess}"
    assert f"Organization/relais-{world.organisations.practice.pk}" in by_id  # outside the directory

    tasks = fhir_json(referent.get(f"/fhir/Task?patient={world.person.pk}"), resource_type="Bundle")
    owners = [
        e["resource"]["owner"] for e in tasks["entry"] if "Organization/" in e["resource"]["owner"].get("reference", "")
    ]
    assert [o["reference"] for o in owners] == [f"Organization/{world.ssiad_site.finess}"]
    assert_resolves(referent, tasks, expected=1)

    nurse = as_subject(world.subjects["health_care_team"])  # the same client: the referent does not see MEDICAL
    encounters = fhir_json(nurse.get(f"/fhir/Encounter?patient={world.person.pk}"), resource_type="Bundle")
    assert_resolves(nurse, encounters, expected=1)

    access_log_record(
        actor=world.subjects["health_care_team"].actor,
        action="read",
        obj=world.record,
        subject=f"persons.person:{world.person.pk}",
        ground="test",
        detail="test",
    )
    referent = as_subject(world.subjects["referent"])
    audit = fhir_json(referent.get(f"/fhir/AuditEvent?patient={world.person.pk}&_count=200"), resource_type="Bundle")
    agents = assert_resolves(referent, audit, expected=2)
    assert f"Organization/{world.ssiad_site.finess}" in {a["reference"] for a in agents}


def test_references_relais_sent_are_read_back_in_every_form(world):
    directory_world(world)
    ssiad, practice, dac = world.organisations.ssiad, world.organisations.practice, world.organisations.dac
    for organisation in (ssiad, practice, dac):
        assert organisation_from_reference(organization_reference(organisation)) == organisation
    assert organisation_from_reference({"reference": f"Organization/relais-{ssiad.pk}"}) == ssiad  # sent before
    finess = {"system": codes.FINESS_SYSTEM, "value": world.ssiad_site.finess}
    assert organisation_from_reference({"type": "Organization", "identifier": finess}) == ssiad
    assert organisation_from_reference({"reference": "Organization/999999999"}) is None
    assert organisation_from_reference({"reference": "Patient/1"}) is None


def test_a_plan_task_owned_by_a_directory_organisation_comes_back_to_it(world, as_subject):
    directory_world(world)
    from relais.pathway.circle.models import CircleMember

    assert CircleMember.objects.filter(record=world.record, organisation=world.organisations.ssiad).exists()
    referent = as_subject(world.subjects["referent"])
    body = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "plan",
        "description": "Livraison du lit médicalisé",
        "for": {"reference": f"Patient/{world.person.pk}"},
        "owner": organization_reference(world.organisations.ssiad),
    }
    created = fhir_json(post(referent, "/fhir/Task", body), 201, resource_type="Task")
    assert created["owner"]["reference"] == f"Organization/{world.ssiad_site.finess}"
    task = PlanTask.objects.get(title="Livraison du lit médicalisé")
    assert task.assignee_organisation == world.organisations.ssiad
