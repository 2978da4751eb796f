"""Evaluations in FHIR R4: Questionnaire (the grids, public definitions) and QuestionnaireResponse (filled grids).

A QuestionnaireResponse is read, searched and created under the care circle's policy for the grid's data category
(``relais.pathway.policy.decide``): a response the caller may not read answers 404 like a missing id and is not
counted by searches; every resource served is traced in the access log. The computed score (the GIR for AGGIR) is
carried by the extension ``urn:relais:fhir:extension:evaluation-score`` (sub-extensions ``scorer``, ``value``,
``label``): it is computed by Relais, never taken from a client (a created response's extension is ignored).
See docs/decisions/0023-evaluations-and-aggir.md.

No ANS guide profiles these resources: they declare the base R4 profiles (``meta.profile``, and ``profile`` in the
CapabilityStatement), so a partner knows no national constraint applies (decision 0052).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.fhir.registry import register as fhir_register
from relais.pathway.access import fhir_common as c

from . import engine
from .models import FormDefinition, FormResponse, ResponseStatus
from .services import evaluation_save

QUESTIONNAIRE_PARAMS = [
    SearchParam("url", "uri", "URL canonique de la grille"),
    SearchParam("status", "token", "active | retired"),
]
QUESTIONNAIRE_PROFILE = "http://hl7.org/fhir/StructureDefinition/Questionnaire"
RESPONSE_PROFILE = "http://hl7.org/fhir/StructureDefinition/QuestionnaireResponse"
RESPONSE_PARAMS = [
    SearchParam("patient", "reference", "Personne évaluée (Patient/<id>)"),
    SearchParam("subject", "reference", "Personne évaluée (Patient/<id>)"),
    SearchParam("questionnaire", "reference", "Grille (Questionnaire/<id> ou URL canonique)"),
    SearchParam("status", "token", "in-progress | completed"),
]


def questionnaire_resource(definition: FormDefinition) -> dict[str, Any]:
    resource = dict(definition.questionnaire)
    resource["id"] = definition.key
    resource["status"] = "active" if definition.active else "retired"
    resource["meta"] = {"lastUpdated": c.instant(definition.loaded_at), "profile": [QUESTIONNAIRE_PROFILE]}
    return resource


def read_questionnaire(actor, resource_id: str):
    definition = FormDefinition.objects.filter(key=resource_id).first()
    return questionnaire_resource(definition) if definition else None


def search_questionnaires(actor, params, offset, count):
    definitions = FormDefinition.objects.order_by("key")
    for value in params.get("url", []):
        definitions = definitions.filter(url__in=value.split(","))
    for value in params.get("status", []):
        wanted = set(value.split(","))
        if not wanted <= {"active", "retired"}:
            raise FhirError(400, "invalid", "status : « active » ou « retired » attendu.", expression="status")
        if wanted == {"active"}:
            definitions = definitions.filter(active=True)
        elif wanted == {"retired"}:
            definitions = definitions.filter(active=False)
    total = definitions.count()
    return [questionnaire_resource(d) for d in definitions[offset : offset + count]], total


def response_resource(response: FormResponse) -> dict[str, Any]:
    resource = {"resourceType": "QuestionnaireResponse", "id": str(response.pk)}
    resource.update({k: v for k, v in response.response.items() if k not in ("resourceType", "id")})
    resource["meta"] = {"lastUpdated": c.instant(response.updated_at), "profile": [RESPONSE_PROFILE]}
    return resource


def _readable(actor, response: FormResponse):
    decision = c.ask(actor, response.person, response.definition.category)
    return decision if decision.allowed else None


def read_response(actor, resource_id: str):
    pk = c.number(resource_id)
    response = FormResponse.objects.select_related("definition", "person").filter(pk=pk).first() if pk else None
    decision = _readable(actor, response) if response else None
    if decision is None:
        return None
    c.trace(actor, decision, response, response.person_id, f"FHIR QuestionnaireResponse : {response.definition.title}")
    return response_resource(response)


def _definition_of(value: str, path: str) -> FormDefinition:
    raw = value.strip()
    if raw.startswith("Questionnaire/"):
        definition = FormDefinition.objects.filter(key=raw.removeprefix("Questionnaire/")).first()
    else:
        url, _sep, version = raw.partition("|")
        found = FormDefinition.objects.filter(url=url)
        definition = found.filter(version=version).first() if version else found.first()
    if definition is None:
        raise FhirError(404, "not-found", f"{path} : grille « {value} » inconnue.", expression=path)
    return definition


def search_responses(actor, params, offset, count):
    responses = FormResponse.objects.select_related("definition", "person").order_by("-updated_at", "-pk")
    user = getattr(actor, "user", None) if actor is not None else None
    if user is None:
        return [], 0
    responses = responses.filter(person__coordination_record__members__user=user).distinct()
    ids = c.patient_ids(params)
    if ids is not None:
        responses = responses.filter(person_id__in=ids)
    for value in params.get("questionnaire", []):
        keys = [_definition_of(v, "questionnaire").pk for v in value.split(",")]
        responses = responses.filter(definition_id__in=keys)
    for value in params.get("status", []):
        statuses = value.split(",")
        if not set(statuses) <= set(ResponseStatus.values):
            raise FhirError(400, "invalid", "status : « in-progress » ou « completed » attendu.", expression="status")
        responses = responses.filter(status__in=statuses)
    decisions: dict[tuple[int, str], Any] = {}
    allowed = []
    for response in responses:
        key = (response.person_id, response.definition.category)
        if key not in decisions:
            decisions[key] = _readable(actor, response)
        if decisions[key] is not None:
            allowed.append((response, decisions[key]))
    page = allowed[offset : offset + count]
    for response, decision in page:
        c.trace(actor, decision, response, response.person_id, f"FHIR recherche : {response.definition.title}")
    return [response_resource(r) for r, _d in page], len(allowed)


@transaction.atomic
def create_response(actor, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("resourceType") != "QuestionnaireResponse":
        raise FhirError(400, "invalid", "resourceType : QuestionnaireResponse attendu.", expression="resourceType")
    if not isinstance(body.get("questionnaire"), str):
        raise FhirError(422, "required", "questionnaire : référence de la grille requise.", expression="questionnaire")
    definition = _definition_of(body["questionnaire"], "questionnaire")
    person, _decision = c.person_for_write(actor, body.get("subject"), "subject", definition.category)
    status = body.get("status")
    if status not in ResponseStatus.values:
        raise FhirError(422, "invalid", "status : « in-progress » ou « completed » attendu.", expression="status")
    raw = engine.raw_from_response(body.get("item"))
    response = evaluation_save(
        actor=actor,
        person=person,
        definition=definition,
        raw=raw,
        complete=status == ResponseStatus.COMPLETED,
    )
    return response_resource(response)


def register() -> None:
    fhir_register(
        "Questionnaire",
        read=read_questionnaire,
        search=search_questionnaires,
        search_params=QUESTIONNAIRE_PARAMS,
        public=True,
        profile=QUESTIONNAIRE_PROFILE,
        documentation="Grilles d'évaluation (AGGIR, grilles chargées par load_forms) ; définitions publiques. "
        "Extensions : catégorie de données (urn:relais:fhir:extension:data-category), calcul du score "
        "(urn:relais:fhir:extension:evaluation-scorer).",
    )
    fhir_register(
        "QuestionnaireResponse",
        read=read_response,
        search=search_responses,
        create=create_response,
        search_params=RESPONSE_PARAMS,
        profile=RESPONSE_PROFILE,
        documentation="Évaluations remplies d'une personne, selon la politique d'accès du cercle de soins et la "
        "catégorie de données de la grille ; score calculé (GIR) dans l'extension "
        "urn:relais:fhir:extension:evaluation-score.",
    )
