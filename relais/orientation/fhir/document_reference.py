"""DocumentReference of the SI-SDO (SDODocumentReference / ESMSDocumentReference), decision 0050.

Out (read, search), three kinds, each under the orientation policy:
- ``doc-<n>``: a document received for a decision (the CDA « Individu et décision » or « Évaluation »), as sent;
- ``decision-<n>``: the decision as Relais holds it, with the person's identity and the admission file's
  administrative part, written as a French text document (type 57830-2, « Document Individu et décision »);
- ``evaluation-<n>``: the admission file's medical part (type 51848-0, « Document évaluation »), only for who may
  read it (``policy.can_read_medical``: a health professional of a receiving ESMS, the part's author).
In (create): a document for a decision the orientation caller sees, named by its identifiers (idDecision ``usual``,
idNat_Decision ``official``), its content in ``attachment.data``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from relais.audit.services import access_log_record
from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.fhir.search import parse_int_id, parse_reference, parse_token, split_or
from relais.offer.fhir.organization import instant
from relais.orientation import policy
from relais.orientation.admission.selectors import admission_file_parts
from relais.orientation.decisions import documents as docs
from relais.orientation.decisions.models import DecisionDocument, DocumentKind, OrientationDecision

from . import codes as c
from .inputs import invalid
from .task_out import decision_identifiers, with_national_id

GROUND = docs.GROUND
LOINC = "http://loinc.org"
SEARCH_PARAMS = [
    SearchParam("_id", "token", "doc-<n> (document reçu), decision-<n> (décision), evaluation-<n> (volet médical)."),
    SearchParam("patient", "reference", "Personne (Patient/<n>) dont la décision est décrite."),
    SearchParam("identifier", "token", "Identifiant de la décision : idDecision (MDPH) ou idNat_Decision (SI-SDO)."),
    SearchParam("type", "token", f"Type LOINC : {LOINC}|57830-2 (individu et décision) ou |51848-0 (évaluation)."),
]


# --- Out -------------------------------------------------------------------------------------------------------


def _identifiers(decision: OrientationDecision) -> list[dict[str, Any]]:
    usual, official = decision_identifiers(decision)
    return [usual, official]


def _resource(
    resource_id: str, decision: OrientationDecision, kind: str, attachment: dict[str, Any], **extra
) -> dict[str, Any]:
    profiles = [c.SDO_DOCUMENT_PROFILE] + ([c.ESMS_DOCUMENT_PROFILE] if kind else [])
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": resource_id,
        "meta": {"profile": profiles},
        "identifier": _identifiers(decision),
        "status": "current",
    }
    if kind:
        resource["type"] = {"coding": [{"system": LOINC, "code": kind, "display": DocumentKind(kind).label}]}
    resource["subject"] = {"reference": f"Patient/{decision.person_id}", "type": "Patient"}
    resource.update(extra)
    resource["content"] = [{"attachment": attachment}]
    return resource


def stored_resource(document: DecisionDocument) -> dict[str, Any]:
    attachment = {
        "contentType": document.content_type,
        "data": base64.b64encode(bytes(document.data)).decode(),
        "title": document.title,
        "creation": instant(document.created_at),
    }
    if document.language:
        attachment["language"] = document.language
    extra: dict[str, Any] = {"date": instant(document.created_at)}
    if document.author_display:
        extra["author"] = [{"display": document.author_display}]
    return _resource(f"doc-{document.pk}", document.decision, document.kind, attachment, **extra)


def _text_attachment(title: str, lines: list[str], when) -> dict[str, Any]:
    body = "\n".join(lines) + "\n"
    return {
        "contentType": "text/plain; charset=utf-8",
        "language": "fr",
        "data": base64.b64encode(body.encode()).decode(),
        "title": title,
        "creation": instant(when),
    }


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "non renseignée"


def decision_resource(actor, decision: OrientationDecision) -> dict[str, Any]:
    """The decision, the person's identity and the administrative part of the admission file, in words."""
    person = decision.person
    administrative, _medical = admission_file_parts(actor=actor, person=person)
    lines = [
        f"Personne : {person.family_name} {person.first_names}, date de naissance {_day(person.birth_date)}",
        f"Décision : {decision.get_kind_display()} {decision.mdph_decision_id}".rstrip(),
        f"Date de décision : {_day(decision.decision_date)}",
        f"Validité : du {_day(decision.validity_start)} au {_day(decision.validity_end)}",
        f"Statut : {decision.get_status_display()}",
    ]
    if decision.categories:
        lines.append("Catégories d'établissement : " + ", ".join(map(str, decision.categories)))
    if administrative is not None:
        lines += [
            "Dossier d'admission (volet administratif)",
            f"Situation actuelle : {administrative.living_situation_label}",
            f"Urgence : {administrative.urgency_label} {administrative.urgency_reason}".rstrip(),
            f"Date d'entrée souhaitée : {_day(administrative.expected_entry)}",
            f"Souhaits : {administrative.wishes or 'non renseignés'}",
        ]
    kind = DocumentKind.INDIVIDUAL_AND_DECISION
    attachment = _text_attachment(docs.KIND_TITLES[kind], lines, decision.updated_at)
    return _resource(f"decision-{decision.pk}", decision, kind, attachment, date=instant(decision.updated_at))


def evaluation_resource(actor, decision: OrientationDecision) -> dict[str, Any] | None:
    """The admission file's medical part, for who may read it; None otherwise or when it was never filled."""
    _administrative, medical = admission_file_parts(actor=actor, person=decision.person)
    if medical is None or medical.updated_at is None:
        return None
    lines = [
        "Dossier d'admission (volet médical)",
        f"GIR : {medical.gir or 'non évalué'}",
        f"Besoins de soins : {medical.care_needs or 'non renseignés'}",
        f"Éléments médicaux : {medical.medical_notes or 'non renseignés'}",
        f"Rédigé par : {medical.author_name or 'non renseigné'}, le {_day(medical.updated_at)}",
    ]
    kind = DocumentKind.EVALUATION
    attachment = _text_attachment(docs.KIND_TITLES[kind], lines, medical.updated_at)
    return _resource(f"evaluation-{decision.pk}", decision, kind, attachment, date=instant(medical.updated_at))


def _trace(actor, decision: OrientationDecision, resource_id: str) -> None:
    access_log_record(
        actor=actor,
        action="read",
        obj=decision,
        subject=f"persons.person:{decision.person_id}",
        ground=GROUND,
        detail=f"FHIR DocumentReference {resource_id}",
    )


def _decisions(actor):
    return policy.decisions_visible_to(actor).select_related("person")


def read_document(actor, resource_id: str) -> dict[str, Any] | None:
    prefix, _, number = resource_id.partition("-")
    pk = parse_int_id(number)
    if pk is None:
        return None
    if prefix == "doc":
        document = docs.documents_visible_to(actor).filter(pk=pk).first()
        if document is None or not docs.document_readable(actor, document):
            return None
        _trace(actor, document.decision, resource_id)
        return stored_resource(document)
    decision = _decisions(actor).filter(pk=pk).first() if prefix in ("decision", "evaluation") else None
    if decision is None:
        return None
    resource = decision_resource(actor, decision) if prefix == "decision" else evaluation_resource(actor, decision)
    if resource is not None:
        _trace(actor, decision, resource_id)
    return resource


def _decision_filter(key: str, values: list[str]) -> Q:
    result = Q(pk__in=[])
    for value in values:
        system, code = parse_token(value)
        if key == "patient":
            pk = parse_int_id(parse_reference(value, "Patient") or "")
            result |= Q(person_id=pk) if pk is not None else Q(pk__in=[])
        elif key == "identifier" and code:
            if system == c.RELAIS_DECISION_SYSTEM:
                pk = parse_int_id(code)
                result |= Q(pk=pk) if pk is not None else Q(pk__in=[])
            else:
                result |= Q(mdph_decision_id=code) | with_national_id(code)
    return result


def search_documents(actor, params, offset: int, count: int) -> tuple[list[dict[str, Any]], int]:
    decisions = _decisions(actor)
    for key in ("patient", "identifier"):
        for group in split_or(params.get(key, [])):
            decisions = decisions.filter(_decision_filter(key, group))
    wanted_ids = {v for group in split_or(params.get("_id", [])) for v in group} or None
    wanted_types = {parse_token(v)[1] for group in split_or(params.get("type", [])) for v in group} or None
    keys: list[tuple[str, Any]] = []
    stored = docs.documents_visible_to(actor).filter(decision__in=decisions.values("pk")).order_by("decision", "pk")
    by_decision: dict[int, list[DecisionDocument]] = {}
    for document in stored:
        if docs.document_readable(actor, document):
            by_decision.setdefault(document.decision_id, []).append(document)
    for decision in decisions.distinct().order_by("pk"):
        keys.append(("decision", decision))
        if actor.user is not None and docs.may_read_evaluation(actor, decision):
            keys.append(("evaluation", decision))
        keys += [("doc", document) for document in by_decision.get(decision.pk, [])]

    def kind_of(key) -> str:
        prefix, obj = key
        if prefix == "doc":
            return obj.kind
        return DocumentKind.INDIVIDUAL_AND_DECISION if prefix == "decision" else DocumentKind.EVALUATION

    keys = [k for k in keys if (wanted_types is None or kind_of(k) in wanted_types)]
    keys = [k for k in keys if (wanted_ids is None or f"{k[0]}-{k[1].pk}" in wanted_ids)]
    resources = []
    for prefix, obj in keys[offset : offset + count]:
        if prefix == "doc":
            _trace(actor, obj.decision, f"doc-{obj.pk}")
            resources.append(stored_resource(obj))
            continue
        resource = decision_resource(actor, obj) if prefix == "decision" else evaluation_resource(actor, obj)
        if resource is not None:
            _trace(actor, obj, resource["id"])
            resources.append(resource)
    return resources, len(keys)


# --- In --------------------------------------------------------------------------------------------------------


def _find_decision(actor, resource: dict[str, Any]) -> OrientationDecision:
    identifiers = resource.get("identifier") or []
    visible = policy.decisions_visible_to(actor)
    for identifier in identifiers:
        value = (identifier.get("value") or "").strip()
        if not value:
            continue
        if identifier.get("system") == c.RELAIS_DECISION_SYSTEM:
            pk = parse_int_id(value)
            found = visible.filter(pk=pk).first() if pk is not None else None
        elif identifier.get("use") == c.NATIONAL_DECISION_USE:
            found = visible.filter(with_national_id(value)).first()
        else:
            found = visible.filter(mdph_decision_id=value).order_by("-pk").first()
        if found is not None:
            return found
    if not identifiers:
        raise invalid("DocumentReference.identifier", "l'identifiant de la décision (idDecision) est obligatoire.")
    raise invalid(
        "DocumentReference.identifier",
        "aucune décision visible ne porte ces identifiants (idDecision « usual », idNat_Decision « official »).",
        status=422,
        code="not-found",
    )


def create_document(actor, resource: dict[str, Any]) -> dict[str, Any]:
    if not policy.may_send_requests(actor):
        raise FhirError(403, "forbidden", "Seule une organisation d'orientation transmet les documents d'une décision.")
    decision = _find_decision(actor, resource)
    contents = resource.get("content") or []
    if len(contents) != 1:
        raise invalid("DocumentReference.content", "un seul contenu attendu (SDODocumentReference : content 1..1).")
    attachment = contents[0].get("attachment") or {}
    path = "DocumentReference.content[0].attachment"
    title = (attachment.get("title") or "").strip()
    if not title:
        raise invalid(f"{path}.title", "titre obligatoire (SDODocumentReference).", code="required")
    if not attachment.get("data"):
        raise invalid(
            f"{path}.data",
            "contenu obligatoire : le document est transporté (invariant regle-Contenu).",
            code="required",
        )
    try:
        data = base64.b64decode(attachment["data"], validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"{path}.data", "contenu base64 illisible.") from None
    kind = _kind(resource, title)
    author = ", ".join(a.get("display") or a.get("reference") or "" for a in resource.get("author") or [])
    try:
        document = docs.decision_document_create(
            actor=actor,
            decision=decision,
            kind=kind,
            title=title,
            content_type=attachment.get("contentType") or "application/octet-stream",
            language=attachment.get("language") or "",
            data=data,
            author_display=author,
        )
    except ValidationError as error:
        raise FhirError(422, "business-rule", f"{path} : {' '.join(error.messages)}", expression=path) from None
    except PermissionDenied as error:
        raise FhirError(403, "forbidden", str(error)) from None
    return stored_resource(document)


def _kind(resource: dict[str, Any], title: str) -> str:
    """The LOINC type (regle-Type: 57830-2 or 51848-0) and its title (regle-NomPieceJointe-type)."""
    codings = (resource.get("type") or {}).get("coding") or []
    if not codings:
        return DocumentKind.OTHER
    for coding in codings:
        if coding.get("code") in docs.KIND_TITLES:
            kind = coding["code"]
            expected = docs.KIND_TITLES[kind]
            if title != expected:
                raise invalid(
                    "DocumentReference.content[0].attachment.title",
                    f"le titre d'un document de type {kind} doit être « {expected} » (invariant "
                    "regle-NomPieceJointe-type d'ESMSDocumentReference).",
                    status=422,
                    code="invariant",
                )
            return kind
    raise invalid(
        "DocumentReference.type.coding[0].code",
        "type attendu : 57830-2 (individu et décision) ou 51848-0 (évaluation), invariant regle-Type.",
        code="code-invalid",
    )
