"""Timeline events received through FHIR (Encounter): create through event_post, read and search under the policy."""

import json

from django.urls import reverse

from relais.audit.models import AccessLogEntry
from relais.fhir.testing import fhir_json
from relais.pathway import matrix as m
from relais.pathway.circle.services import objection_record
from relais.pathway.fhir.events import DETAIL_EXTENSION, KIND_SYSTEM
from relais.pathway.record import services as rs
from relais.pathway.record.models import TimelineEvent

from .conftest import post


def encounter(world, kind="hospital_stay", category=m.MEDICAL, title="Séjour en pneumologie", **extra) -> dict:
    resource = {
        "resourceType": "Encounter",
        "meta": {"security": [{"system": "urn:relais:data-category", "code": category}]},
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "type": [{"coding": [{"system": KIND_SYSTEM, "code": kind}], "text": title}],
        "subject": {"reference": f"Patient/{world.person.pk}"},
        "period": {"start": "2026-02-10T09:30:00+01:00"},
    }
    resource.update(extra)
    return resource


def test_a_member_posts_a_hospital_stay_which_lands_in_the_timeline_marked_fhir_and_traced(world, as_subject):
    client = as_subject(world.subjects["health_care_team"])
    body = encounter(world, extension=[{"url": DETAIL_EXTENSION, "valueString": "Sortie prévue lundi."}])
    response = post(client, "/fhir/Encounter", body)
    data = fhir_json(response, 201, resource_type="Encounter")
    assert response["Location"].endswith(f"/Encounter/{data['id']}")
    event = TimelineEvent.objects.get(pk=data["id"])
    assert (event.kind, event.category, event.source) == ("hospital_stay", m.MEDICAL, "fhir")
    assert event.title == "Séjour en pneumologie" and event.body == "Sortie prévue lundi."
    assert event.author_user == world.subjects["health_care_team"].user and event.record == world.record
    assert event.occurred_at.isoformat().startswith("2026-02-10T08:30")
    assert data["class"]["code"] == "IMP" and data["meta"]["tag"][0]["code"] == "fhir"
    assert data["meta"]["security"][0]["code"] == m.MEDICAL
    entry = AccessLogEntry.objects.filter(object_type="pathway.timelineevent", action="create").latest("id")
    assert entry.ground == "care_team" and entry.subject == f"persons.person:{world.person.pk}"
    page = client.get(reverse("pathway:record", args=[world.record.pk]) + "?nature=hospital_stay")
    assert "Séjour en pneumologie" in page.content.decode()


def test_a_discharge_takes_its_date_from_period_end_and_a_date_alone_is_midday(world, as_subject):
    client = as_subject(world.subjects["social_care_team"])
    body = encounter(
        world, kind="discharge", category=m.SOCIAL, title="Retour à domicile", period={"end": "2026-03-02"}
    )
    data = fhir_json(post(client, "/fhir/Encounter", body), 201, resource_type="Encounter")
    assert data["status"] == "finished" and list(data["period"]) == ["end"]
    assert data["period"]["end"].startswith("2026-03-02T12:00")


def test_each_event_is_read_by_its_own_category(world, as_subject):
    nurse = world.subjects["health_care_team"].actor
    medical = rs.event_post(
        actor=nurse, person=world.person, kind="hospital_stay", title="Cardiologie", category=m.MEDICAL
    )
    social = rs.event_post(actor=nurse, person=world.person, kind="home_visit", title="Visite")
    educator = as_subject(world.subjects["social_care_team"])
    assert educator.get(f"/fhir/Encounter/{medical.pk}").status_code == 404
    hidden, missing = educator.get(f"/fhir/Encounter/{medical.pk}"), educator.get("/fhir/Encounter/999999")
    assert json.loads(hidden.content)["issue"][0]["code"] == json.loads(missing.content)["issue"][0]["code"]
    data = fhir_json(educator.get(f"/fhir/Encounter/{social.pk}"), resource_type="Encounter")
    assert data["class"]["code"] == "HH" and data["type"][0]["text"] == "Visite" and "tag" not in data["meta"]
    gp = as_subject(world.subjects["health_consent"])  # consent covers medical, not social
    assert gp.get(f"/fhir/Encounter/{medical.pk}").status_code == 200
    assert gp.get(f"/fhir/Encounter/{social.pk}").status_code == 404
    assert as_subject(world.subjects["outsider"]).get(f"/fhir/Encounter/{social.pk}").status_code == 404
    assert as_subject(world.subjects["anonymous"]).get(f"/fhir/Encounter/{social.pk}").status_code == 401


def test_notes_are_not_encounters(world, as_subject):
    note = rs.event_post(actor=world.referent, person=world.person, kind="note", title="Appel de la fille")
    client = as_subject(world.subjects["referent"])
    assert client.get(f"/fhir/Encounter/{note.pk}").status_code == 404
    assert fhir_json(client.get(f"/fhir/Encounter?patient={world.person.pk}"))["total"] == 0


def test_search_counts_only_what_the_policy_allows_and_filters_by_type(world, as_subject):
    nurse = world.subjects["health_care_team"].actor
    rs.event_post(actor=nurse, person=world.person, kind="hospital_stay", title="Cardiologie", category=m.MEDICAL)
    rs.event_post(actor=nurse, person=world.person, kind="home_visit", title="Visite 1")
    rs.event_post(actor=nurse, person=world.person, kind="home_visit", title="Visite 2")
    path = f"/fhir/Encounter?patient=Patient/{world.person.pk}"
    nurse_client = as_subject(world.subjects["health_care_team"])
    bundle = fhir_json(nurse_client.get(path), resource_type="Bundle")
    assert bundle["total"] == 3
    visits = fhir_json(nurse_client.get(f"{path}&type={KIND_SYSTEM}|home_visit"))
    assert sorted(e["resource"]["type"][0]["text"] for e in visits["entry"]) == ["Visite 1", "Visite 2"]
    assert fhir_json(as_subject(world.subjects["social_care_team"]).get(path))["total"] == 2
    assert fhir_json(as_subject(world.subjects["carer"]).get(path))["total"] == 0
    assert fhir_json(as_subject(world.subjects["outsider"]).get("/fhir/Encounter"))["total"] == 0
    objection_record(actor=world.referent, person=world.person, expressed_by="la personne")
    assert fhir_json(nurse_client.get(path))["total"] == 0
    bad = nurse_client.get("/fhir/Encounter?type=note")
    assert bad.status_code == 400 and "type" in json.loads(bad.content)["issue"][0]["diagnostics"]


def test_refused_creates_write_nothing(world, as_subject):
    before = TimelineEvent.objects.count()
    educator = as_subject(world.subjects["social_care_team"])
    refused = post(educator, "/fhir/Encounter", encounter(world))  # medical: health professionals only
    outcome = fhir_json(refused, 403, resource_type="OperationOutcome")
    assert "données médicales (matrice de partage)" in outcome["issue"][0]["diagnostics"]
    carer = as_subject(world.subjects["carer"])  # reads identity, writes nothing
    assert post(carer, "/fhir/Encounter", encounter(world, category=m.SOCIAL)).status_code == 403
    outsider = as_subject(world.subjects["outsider"])
    assert post(outsider, "/fhir/Encounter", encounter(world, category=m.SOCIAL)).status_code == 404
    assert TimelineEvent.objects.count() == before


def test_bad_input_names_the_path_and_writes_nothing(world, as_subject):
    client = as_subject(world.subjects["health_care_team"])
    before = TimelineEvent.objects.count()
    cases = {
        "Encounter.type.coding.code": encounter(world, kind="note"),
        "Encounter.type": encounter(world, type=[{"text": "Sans nature"}]),
        "Encounter.type[0].text": encounter(world, title=""),
        "Encounter.type[0].text ": encounter(world, title="x" * 201),  # too long: said by the model, same path
        "Encounter.meta.security": encounter(world, category=m.PLAN),
        "Encounter.period": encounter(world, period={}),
        "Encounter.period.start": encounter(world, period={"start": "2026-02"}),
        "Encounter.subject": encounter(world, subject={"reference": "Patient/abc"}),
    }
    for path, body in cases.items():
        if not body["type"][0].get("text"):
            body["type"][0].pop("text", None)
        if not body["period"]:
            body.pop("period")
        outcome = fhir_json(post(client, "/fhir/Encounter", body), 422, resource_type="OperationOutcome")
        assert outcome["issue"][0]["diagnostics"].startswith(f"{path.strip()} :"), (path, outcome)
    assert TimelineEvent.objects.count() == before
