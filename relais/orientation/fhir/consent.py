"""ESMSConsent: the person's agreement an ESMS collected for the documents of a decision (decision 0050).

A part of the shared type Consent (the care circle's consents are the other, ``relais.pathway.fhir.consent``): ids
``esms-<n>``; a posted Consent is this part's when it declares the esms-consent profile, or carries no ``patient``
and points at a DocumentReference by identifier (``provision.data.reference.identifier``, idNat_Decision).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.fhir.search import parse_int_id, parse_reference, split_or
from relais.fhir.shared import TypePart
from relais.orientation.decisions import documents as docs
from relais.orientation.decisions.models import DecisionConsent

from . import codes as c
from .document_reference import _find_decision
from .inputs import invalid
from .task_in import site_finess
from .task_out import decision_identifiers

PREFIX = "esms-"
SCOPE = {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
CATEGORY = {"system": "http://loinc.org", "code": "59284-0", "display": "Consent"}
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
STATUSES = ("draft", "proposed", "active", "rejected", "inactive", "entered-in-error")
SEARCH_PARAMS = [
    SearchParam("patient", "reference", "Patient/<id> : les consentements de cette personne."),
    SearchParam("status", "token", "active ou inactive (retiré)."),
]


def consent_resource(consent: DecisionConsent) -> dict[str, Any]:
    decision = consent.decision
    _usual, official = decision_identifiers(decision)
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": f"{PREFIX}{consent.pk}",
        # meta.source: the ESMS that benefits from the agreement, as its idNat_Struct (profile's definition).
        "meta": {"profile": [c.ESMS_CONSENT_PROFILE], "source": f"1{consent.site.finess}"},
        "status": consent.status,
        "scope": {"coding": [SCOPE]},
        "category": [{"coding": [CATEGORY]}],
        "patient": {"reference": f"Patient/{decision.person_id}", "type": "Patient"},
        "dateTime": consent.collected_on.isoformat(),
        "organization": [{"identifier": {"system": c.FINESS_SYSTEM, "value": consent.site.finess}}],
    }
    if consent.policy_rule:
        resource["policyRule"] = {"coding": [{"system": ACT_CODE_SYSTEM, "code": consent.policy_rule}]}
    reference = {"type": "DocumentReference", "identifier": official}
    resource["provision"] = {"data": [{"meaning": "related", "reference": reference}]}
    return resource


def is_esms_consent(resource: dict[str, Any]) -> bool:
    profiles = (resource.get("meta") or {}).get("profile") or []
    if c.ESMS_CONSENT_PROFILE in profiles:
        return True
    data = (resource.get("provision") or {}).get("data") or []
    return not resource.get("patient") and any(((d.get("reference") or {}).get("identifier")) for d in data)


def _owns_id(resource_id: str) -> bool:
    return resource_id.startswith(PREFIX) and parse_int_id(resource_id.removeprefix(PREFIX)) is not None


def read_consent(actor, resource_id: str) -> dict[str, Any] | None:
    pk = parse_int_id(resource_id.removeprefix(PREFIX))
    consent = docs.consents_visible_to(actor).filter(pk=pk).first() if pk is not None else None
    return consent_resource(consent) if consent is not None else None


def search_consents(actor, params, offset: int, count: int):
    consents = docs.consents_visible_to(actor)
    for group in split_or(params.get("patient", [])):
        pks = [parse_int_id(parse_reference(v, "Patient") or "") for v in group]
        consents = consents.filter(decision__person_id__in=[pk for pk in pks if pk is not None])
    for group in split_or(params.get("status", [])):
        consents = consents.filter(status__in=[v.strip() for v in group])
    total = consents.count()
    page = list(consents.order_by("pk")[offset : offset + count]) if count else []
    return [consent_resource(x) for x in page], total


def create_consent(actor, resource: dict[str, Any]) -> dict[str, Any]:
    source = ((resource.get("meta") or {}).get("source") or "").strip()
    if not source:
        raise invalid("Consent.meta.source", "l'ESMS qui recueille l'accord (idNat_Struct) est obligatoire.")
    if not resource.get("dateTime"):
        raise invalid("Consent.dateTime", "date de recueil de l'accord obligatoire (ESMSConsent).", code="required")
    data = (resource.get("provision") or {}).get("data") or []
    if len(data) != 1:
        raise invalid("Consent.provision.data", "une seule donnée attendue : le dossier de la décision (1..1).")
    identifier = (data[0].get("reference") or {}).get("identifier") or {}
    path = "Consent.provision.data[0].reference.identifier"
    if identifier.get("use") != c.NATIONAL_DECISION_USE or not (identifier.get("value") or "").strip():
        raise invalid(path, "identifiant « official » de la décision (idNat_Decision) obligatoire.", code="required")
    decision = _find_decision(actor, {"identifier": [identifier]})
    finess = site_finess(source.rpartition("#")[2])  # "1<FINESS>" as Relais writes it; a uuid names no ESMS
    try:
        site = docs.consent_site(actor, decision, finess)
        consent = docs.decision_consent_record(
            actor=actor,
            decision=decision,
            site=site,
            status=resource.get("status") or "active",
            collected_on=date.fromisoformat(resource["dateTime"][:10]),
            source=source,
            policy_rule=next((x.get("code") or "" for x in (resource.get("policyRule") or {}).get("coding") or []), ""),
        )
    except ValidationError as error:
        raise FhirError(422, "business-rule", f"Consent.meta.source : {' '.join(error.messages)}") from None
    except PermissionDenied as error:
        raise FhirError(403, "forbidden", str(error)) from None
    return consent_resource(consent)


ESMS_CONSENT_PART = TypePart(
    name="SI-SDO",
    owns_id=_owns_id,
    read=read_consent,
    search=search_consents,
    search_params=tuple(SEARCH_PARAMS),
    create=create_consent,
    owns_resource=is_esms_consent,
    profile=c.ESMS_CONSENT_PROFILE,
    documentation="Accords recueillis par un ESMS pour les documents d'une décision d'orientation (ESMSConsent, "
    "id esms-<n>) ;",
)

__all__ = ["ESMS_CONSENT_PART"]
