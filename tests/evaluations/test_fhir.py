"""Questionnaire and QuestionnaireResponse over FHIR, validated with fhir.resources R4B, under the circle's policy."""

import json

from relais.audit.models import AccessLogEntry
from relais.evaluations.models import FormDefinition, FormResponse
from relais.evaluations.services import evaluation_save
from relais.fhir.testing import fhir_json

from .answers import AGGIR_ANSWERS


def fill(world, subject="health_care_team"):
    return evaluation_save(
        actor=world.subjects[subject].actor,
        person=world.person,
        definition=FormDefinition.objects.get(key="aggir"),
        raw=AGGIR_ANSWERS,
        complete=True,
    )


def as_(client, world, subject):
    client.logout()
    if world.subjects[subject].actor is not None:
        client.force_login(world.subjects[subject].user)
    return client


def post(client, data):
    return client.post("/fhir/QuestionnaireResponse", data=json.dumps(data), content_type="application/fhir+json")


def test_questionnaire_is_public_and_valid(client, forms):
    data = fhir_json(client.get("/fhir/Questionnaire/aggir"), resource_type="Questionnaire")
    assert data["url"] == "urn:relais:questionnaire:aggir" and data["status"] == "active"
    # No ANS profile for evaluations: the base R4 profile is declared, in the resource and the CapabilityStatement.
    assert data["meta"]["profile"] == ["http://hl7.org/fhir/StructureDefinition/Questionnaire"]
    metadata = fhir_json(client.get("/fhir/metadata"), resource_type="CapabilityStatement")
    profiles = {r["type"]: r.get("profile") for r in metadata["rest"][0]["resource"]}
    assert profiles["QuestionnaireResponse"] == "http://hl7.org/fhir/StructureDefinition/QuestionnaireResponse"
    bundle = fhir_json(client.get("/fhir/Questionnaire?url=urn:relais:questionnaire:aggir"), resource_type="Bundle")
    assert bundle["total"] == 1
    assert fhir_json(client.get("/fhir/Questionnaire/inconnue"), 404, "OperationOutcome")


def test_response_read_by_the_gp_carries_the_gir_and_is_traced(client, world):
    evaluation = fill(world)
    data = fhir_json(
        as_(client, world, "health_consent").get(f"/fhir/QuestionnaireResponse/{evaluation.pk}"),
        resource_type="QuestionnaireResponse",
    )
    score = {e["url"]: e for e in data["extension"][0]["extension"]}
    assert score["value"]["valueInteger"] == 2 and score["label"]["valueString"] == "GIR 2"
    assert data["subject"]["reference"] == f"Patient/{world.person.pk}"
    gp = world.subjects["health_consent"].user
    assert AccessLogEntry.objects.filter(user_id=gp.pk, object_id=str(evaluation.pk), action="read").exists()


def test_refused_read_is_a_missing_id_and_search_counts_nothing(client, world):
    evaluation = fill(world)
    for subject in ("social_care_team", "outsider", "carer"):
        client = as_(client, world, subject)
        hidden = client.get(f"/fhir/QuestionnaireResponse/{evaluation.pk}")
        missing = client.get("/fhir/QuestionnaireResponse/999999")
        assert hidden.status_code == missing.status_code == 404, subject
        bundle = fhir_json(client.get(f"/fhir/QuestionnaireResponse?patient=Patient/{world.person.pk}"))
        assert bundle["total"] == 0, subject
    client = as_(client, world, "legal_guardian")  # reads medical data
    bundle = fhir_json(
        client.get(f"/fhir/QuestionnaireResponse?patient={world.person.pk}&questionnaire=Questionnaire/aggir")
    )
    assert bundle["total"] == 1


def test_create_computes_the_gir_and_ignores_a_client_score(client, world):
    items = [
        {"linkId": k, "answer": [{"valueCoding": {"code": v}} if len(v) == 1 else {"valueString": v}]}
        for k, v in AGGIR_ANSWERS.items()
    ]
    items = [
        {"linkId": "visite.date", "answer": [{"valueDate": "2026-11-20"}]} if i["linkId"] == "visite.date" else i
        for i in items
    ]
    body = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "urn:relais:questionnaire:aggir|2008",
        "status": "completed",
        "subject": {"reference": f"Patient/{world.person.pk}"},
        "extension": [{"url": "urn:relais:fhir:extension:evaluation-score", "valueInteger": 6}],
        "item": items,
    }
    data = fhir_json(post(as_(client, world, "health_care_team"), body), 201, "QuestionnaireResponse")
    evaluation = FormResponse.objects.get(pk=data["id"])
    assert evaluation.score == 2
    # Not allowed to write medical data: 403 with the policy's sentence; outside the circle: 404.
    refused = post(as_(client, world, "social_care_team"), body)
    assert refused.status_code == 403 and "données médicales" in refused.json()["issue"][0]["diagnostics"]
    assert post(as_(client, world, "outsider"), body).status_code == 404
    # A missing required answer is named.
    body["item"] = [i for i in items if i["linkId"] != "transferts"]
    bad = post(as_(client, world, "health_care_team"), body)
    assert bad.status_code in (400, 422) and "Transferts" in bad.content.decode()
    assert FormResponse.objects.count() == 1
