"""Each StatusTransition row as an SDO-shaped FHIR Task (read and search), scoped by ``policy.requests_visible_to``.

The Task's id is the transition's pk: the log is append-only, so a Task never changes once published, and
``_lastUpdated=gt…`` (the transition's date) is a reliable feed. Mapping: docs/decisions/0017-sdo-fhir-exchange.md.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from relais.audit.services import access_log_record
from relais.fhir.errors import bad_param
from relais.fhir.registry import SearchParam
from relais.fhir.search import date_filter, parse_int_id, parse_reference, parse_token, split_or
from relais.offer.fhir.codes import CARE_MODES
from relais.offer.fhir.organization import instant
from relais.offer.fhir.organization_reference import organization_reference
from relais.offer.organisation_category import coding as category_coding
from relais.offer.organisation_category import unit_category
from relais.orientation.policy import requests_visible_to
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import AdmissionRequest, StatusTransition
from relais.orientation.terminology.selectors import REASON_SYSTEM_NAME, concept_label

from . import codes as c

GROUND = "orientation_request"
NONE = Q(pk__in=[])

SEARCH_PARAMS = [
    SearchParam("_id", "token", "Identifiant de la tâche (n° du changement de statut)."),
    SearchParam("_lastUpdated", "date", "Date du changement de statut, ex. gt2026-01-01T00:00:00Z."),
    SearchParam("business-status", "token", "Statut TRE_R357 atteint (code, ou système|code)."),
    SearchParam("owner", "reference", "Établissement (Organization/<FINESS>) destinataire de la demande."),
    SearchParam("focus", "token", f"Demande d'admission : n° Relais ({c.REQUEST_SYSTEM}|n) ou référence externe."),
    SearchParam("patient", "reference", "Personne (Patient/<n>) dont la demande a changé de statut."),
    SearchParam("status", "token", "Statut FHIR de la tâche : toujours completed pour un changement de statut SDO."),
]
TOKEN_PARAMS = ("_id", "business-status", "owner", "focus", "patient", "status")


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def input_type(name: str) -> dict[str, Any]:
    """The slice pattern of SDOTask: the code of InputTaskSDOCodeSystem; ``text`` too, which the profile's invariant
    regle-StatutUnite reads (``input.type.where(text='idUnite')``) and the ANS examples carry."""
    return {"coding": [{"system": c.INPUT_SYSTEM, "code": name, "display": name}], "text": name}


def _input(name: str, **value) -> dict[str, Any]:
    return {"type": input_type(name), **value}


def unit_identifier(unit) -> dict[str, str]:
    """idUnite: the unit's national id (the ROR's internal-organisation id, kept in ``Unit.external_id`` by the ROR
    import), without a system as in the guide's example; a unit never published in the ROR has only Relais's."""
    if unit.external_id:
        return {"use": "official", "value": unit.external_id}
    return {"use": "secondary", "system": c.UNIT_ID_SYSTEM, "value": str(unit.pk)}


ABSENT_NOT_APPLICABLE = {
    "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "not-applicable"}]
}


def decision_identifiers(decision, external_ref: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """(idDecision, idNat_Decision) told apart by ``use`` as in the guide. A request without a decision (an EHPAD
    needs none) has neither: a data-absent-reason says so. A decision unknown to the SI-SDO has Relais's id as its
    national one; a notified one the SI-SDO id it came with."""
    if decision is None:
        return ABSENT_NOT_APPLICABLE, ABSENT_NOT_APPLICABLE
    relais_id = {"system": c.RELAIS_DECISION_SYSTEM, "value": str(decision.pk)}
    national = national_decision_id(external_ref) or decision_national_id(decision)
    usual = {"use": c.DECISION_USE, "value": decision.mdph_decision_id} if decision.mdph_decision_id else None
    official = {"use": c.NATIONAL_DECISION_USE, "value": national} if national else None
    return usual or {"use": c.DECISION_USE, **relais_id}, official or {"use": c.NATIONAL_DECISION_USE, **relais_id}


def decision_national_id(decision) -> str:
    """The SI-SDO id of a decision: kept in the external reference of the requests its notification created."""
    for request in decision.requests.all():  # prefetched by visible_transitions: no query per Task
        if national := national_decision_id(request.external_ref):
            return national
    return ""


def _organisation_reference(organisation) -> dict[str, Any]:
    # The id /fhir/Organization serves (FINESS for a directory entry), so the reference resolves (decision 0049).
    return organization_reference(organisation, organisation.name)


def _request_identifiers(request) -> list[dict[str, str]]:
    identifiers = [{"system": c.REQUEST_SYSTEM, "value": str(request.pk)}]
    if request.external_ref:
        identifiers.append({"system": "urn:relais:external-ref", "value": request.external_ref})
    return identifiers


def task_resource(transition: StatusTransition) -> dict[str, Any]:
    request, site = transition.request, transition.request.site
    person, decision = request.person, request.decision
    status_coding = _coding(c.STATUS_SYSTEM, transition.to_status, concept_label(transition.to_status))
    unit_level = transition.level == wf.UNIT
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(transition.pk),
        "meta": {"profile": [c.SDO_TASK_PROFILE], "lastUpdated": instant(transition.at)},
        "identifier": [{"system": c.TRANSITION_SYSTEM, "value": str(transition.pk)}],
        "basedOn": [{"type": "ServiceRequest", "identifier": i} for i in _request_identifiers(request)],
        "status": "completed",
        "businessStatus": {"coding": [status_coding]},
        "intent": "plan",
        "focus": {"identifier": _request_identifiers(request)[0], "display": f"Demande d'admission n° {request.pk}"},
    }
    if transition.reason:
        reason = _coding(c.REASON_SYSTEM, transition.reason, concept_label(transition.reason, REASON_SYSTEM_NAME))
        task["statusReason"] = {"coding": [reason]}
    # Patient/<pk> is the pathway app's Patient (read under the care-circle policy, so it may answer 404 here).
    task["for"] = {"reference": f"Patient/{person.pk}", "type": "Patient"}
    if person.ins:
        task["for"]["identifier"] = {"system": c.INS_NIR_SYSTEM, "value": person.ins}
    if decision is not None and decision.validity_end:
        # The decision's validity, where the notification import reads it (decision 0017).
        period = {"end": decision.validity_end.isoformat()}
        if decision.validity_start:
            period["start"] = decision.validity_start.isoformat()
        task["restriction"] = {"period": period}
    task["authoredOn"] = instant(request.created_at)
    task["lastModified"] = instant(transition.at)
    requester = (decision.organisation if decision and decision.organisation_id else None) or (
        request.created_by_organisation
    )
    if requester is not None:
        task["requester"] = _organisation_reference(requester)
    task["owner"] = {
        "reference": f"Organization/{site.finess}",
        "identifier": {"system": c.FINESS_SYSTEM, "value": site.finess},
        "display": site.name,
    }
    if unit_level:
        task["location"] = {"reference": f"Location/unit-{transition.unit_id}", "display": transition.unit.name}
    if transition.comment:
        task["note"] = [{"text": transition.comment}]
    task["input"] = _inputs(transition, status_coding, unit_level, decision, site)
    return task


def _inputs(transition, status_coding, unit_level, decision, site) -> list[dict[str, Any]]:
    inputs = [
        _input(c.ID_NAT_STRUCT, valueIdentifier={"system": c.ID_NAT_STRUCT_SYSTEM, "value": f"1{site.finess}"}),
        _input(c.ESMS_NAME, valueString=site.name),
    ]
    day = instant(transition.at)[:10]
    reason = (
        {"coding": [_coding(c.REASON_SYSTEM, transition.reason, concept_label(transition.reason, REASON_SYSTEM_NAME))]}
        if transition.reason
        else None
    )
    if unit_level:
        unit = transition.unit
        inputs.append(_input(c.UNIT_ID, valueIdentifier=unit_identifier(unit)))
        inputs.append(_input(c.UNIT_NAME, valueString=unit.name))
        # categorieOrganisation (TRE_R244, regle-StatutUnite): the ROR's, else the FINESS default; none when Relais
        # cannot tell (decision 0050, gaps). The unit is one of the request's site.
        if category := unit_category(unit, site if unit.site_id == site.pk else None):
            inputs.append(_input(c.UNIT_CATEGORY, valueCodeableConcept={"coding": [category_coding(category)]}))
        (mode, display), _temporary = CARE_MODES[unit.care_mode]
        if mode in c.SDO_CARE_MODES:  # JDV_J264 has no "on the premises of life" (49): home services go without
            coding = {"system": c.CARE_MODE_SYSTEM, "code": mode, "display": display}
            inputs.append(_input(c.CARE_MODE, valueCodeableConcept={"coding": [coding]}))
        inputs.append(_input(c.UNIT_STATUS, valueCodeableConcept={"coding": [status_coding]}))
        inputs.append(_input(c.UNIT_STATUS_DATE, valueDate=day))
        if reason:
            inputs.append(_input(c.UNIT_REASON, valueCodeableConcept=reason))
    else:
        inputs.append(_input(c.ESMS_STATUS, valueCodeableConcept={"coding": [status_coding]}))
        inputs.append(_input(c.ESMS_STATUS_DATE, valueDate=day))
        if reason:
            inputs.append(_input(c.ESMS_REASON, valueCodeableConcept=reason))
    if decision is not None:
        for right in decision.rights or []:
            concept = _right_concept(right)
            if concept:
                inputs.append(_input(c.RIGHTS, valueCodeableConcept=concept))
                break  # the profile allows one
    usual, official = decision_identifiers(decision, transition.request.external_ref or "")
    inputs.append(_input(c.DECISION_ID, valueIdentifier=usual))
    inputs.append(_input(c.NATIONAL_DECISION_ID, valueIdentifier=official))
    return inputs


def with_national_id(value: str) -> Q:
    """Decisions whose notified requests carry the SI-SDO id ``value`` (exactly: SQLite's LIKE ignores case)."""
    prefix = f"sdo:{value}:"
    refs = AdmissionRequest.objects.filter(external_ref__startswith=prefix, decision__isnull=False)
    found = {pk for pk, ref in refs.values_list("decision_id", "external_ref") if national_decision_id(ref) == value}
    return Q(pk__in=found)


def national_decision_id(external_ref: str | None) -> str:
    """The SI-SDO decision id kept in the external reference of a notified request ("sdo:<id>:<FINESS>")."""
    prefix, _, rest = (external_ref or "").partition(":")
    national_id, _, finess = rest.rpartition(":")
    return national_id if prefix == "sdo" and len(finess) == 9 and len(national_id) < 60 else ""


def _right_concept(right) -> dict[str, Any] | None:
    """decision.rights holds strings or {"system", "code", "display"} dicts (what the notification import stores)."""
    if isinstance(right, str) and right:
        return {"text": right}
    if isinstance(right, dict):
        coding = {k: right[k] for k in ("system", "code", "display") if right.get(k)}
        return {"coding": [coding]} if coding else None
    return None


# --- Read and search -------------------------------------------------------------------------------------------


def visible_transitions(actor) -> QuerySet[StatusTransition]:
    visible = requests_visible_to(actor).values("pk")
    return (
        StatusTransition.objects.filter(request_id__in=visible)
        .prefetch_related(
            Prefetch(
                "request__decision__requests",
                queryset=AdmissionRequest.objects.only("pk", "decision_id", "external_ref"),
            )
        )
        .select_related(
            "unit",
            "request__site",
            "request__person",
            "request__decision__organisation",
            "request__created_by_organisation",
            # The requester's FINESS number is its directory entry's (decision 0029).
            "request__decision__organisation__directory_site",
            "request__decision__organisation__directory_legalentity",
            "request__created_by_organisation__directory_site",
            "request__created_by_organisation__directory_legalentity",
        )
    )


def _trace_reads(actor, transitions) -> None:
    """A Task tells a person's journey: each read is logged, once per person and page."""
    seen = set()
    for transition in transitions:
        person_id = transition.request.person_id
        if person_id in seen:
            continue
        seen.add(person_id)
        access_log_record(
            actor=actor,
            action="read",
            obj=transition.request,
            subject=f"persons.person:{person_id}",
            ground=GROUND,
            detail=f"FHIR Task {transition.pk}",
        )


def read_task(actor, resource_id: str) -> dict[str, Any] | None:
    pk = parse_int_id(resource_id)
    transition = visible_transitions(actor).filter(pk=pk).first() if pk is not None else None
    if transition is None:
        return None
    _trace_reads(actor, [transition])
    return task_resource(transition)


def _token_filter(key: str, values: list[str]) -> Q:
    result = NONE
    for value in values:
        system, code = parse_token(value)
        if key == "_id":
            pk = parse_int_id(value)
            result |= Q(pk=pk) if pk is not None else NONE
        elif key == "business-status":
            if system not in (None, c.STATUS_SYSTEM) or not code:
                continue
            result |= Q(to_status=code)
        elif key == "owner":
            finess = parse_reference(value, "Organization")
            result |= Q(request__site__finess=finess) if finess else NONE
        elif key == "patient":
            pk = parse_int_id(parse_reference(value, "Patient") or "")
            result |= Q(request__person_id=pk) if pk is not None else NONE
        elif key == "status":
            result |= (
                Q(pk__isnull=False)
                if code == "completed" and system in (None, "http://hl7.org/fhir/task-status")
                else NONE
            )
        elif key == "focus":
            if system == c.REQUEST_SYSTEM:
                pk = parse_int_id(code or "")
                result |= Q(request_id=pk) if pk is not None else NONE
            elif system is None or system == "urn:relais:external-ref":
                result |= Q(request__external_ref=code)
    return result


def search_tasks(actor, params: dict[str, list[str]], offset: int, count: int) -> tuple[list[dict[str, Any]], int]:
    queryset = visible_transitions(actor)
    for key, values in params.items():
        if key == "_lastUpdated":
            for value in values:
                queryset = queryset.filter(date_filter("at", key, value))
        elif key in TOKEN_PARAMS:
            for group in split_or(values):
                queryset = queryset.filter(_token_filter(key, group))
        else:  # pragma: no cover - the framework refuses unregistered parameters
            raise bad_param(key, f"Paramètre « {key} » non pris en charge.")
    total = queryset.count()
    page = list(queryset.order_by("at", "pk")[offset : offset + count]) if count and offset < total else []
    _trace_reads(actor, page)
    return [task_resource(t) for t in page], total
