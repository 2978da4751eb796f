"""A Task posted by a record system (ESMS, or the orientation side) moves a request's status.

The Task names the request (``focus`` or ``basedOn`` identifier: Relais's number or the external reference; or,
as a profile-only SDOTask does, the inputs idNat_Struct + idNat_Decision / idDecision),
the status reached (SDO inputs statutESMS / statutUnite with their motif, or ``businessStatus`` and
``statusReason``) and, for a unit status, the unit (input idUnite or ``location``). The existing services apply
it with ``source=fhir``; the view's transaction makes it all or nothing.

Idempotency: ``Task.identifier`` (or, without one, a hash of the Task's JSON: decision 0050) is written in the
comment of the transitions it causes, and a Task already applied (that marker on the request, or the status already
reached) is answered with the Task of the existing transition instead of being applied twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from relais.fhir.errors import FhirError
from relais.fhir.search import parse_int_id, parse_reference
from relais.offer.fhir.codes import FINESS_SYSTEMS
from relais.offer.models import Unit
from relais.orientation.follow_up.admitted_elsewhere import admission_request_transition_closing_others
from relais.orientation.policy import (
    acts_for_request_site,
    may_process_request,
    may_send_requests,
    requests_visible_to,
)
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import AdmissionRequest, Source, UnitRequestStatus
from relais.orientation.requests.services import unit_request_transition

from . import codes as c
from .inputs import TaskReader, Value, check_level, invalid, sdo_code
from .task_out import task_resource, visible_transitions

MARKER = "Tâche FHIR "
CONTENT_KEY = "contenu:"  # the marker of a Task posted without an identifier: a hash of its JSON


@dataclass
class Change:
    level: str
    target: str
    reason: str | None
    path: str  # where the status was read, for the errors


def task_receive(actor, resource: dict[str, Any]) -> dict[str, Any]:
    reader = TaskReader(resource, "Task")
    marker = _marker(resource)
    found = _find_request(actor, resource)
    # Lock first: a retry racing its original waits, then finds the marker instead of failing the transition.
    request = AdmissionRequest.objects.select_for_update().select_related("site__legal_entity").get(pk=found.pk)
    _check_role(actor, request)
    for named in (reader.text(c.ID_NAT_STRUCT), owner_finess(resource)):
        if named is not None and site_finess(named.data) != request.site.finess:
            raise invalid(
                named.path,
                f"l'établissement « {named.data} » n'est pas celui de la demande ({request.site.finess}).",
                status=422,
                code="business-rule",
            )
    changes = _changes(resource, reader)
    unit = _find_unit(resource, reader, request) if any(ch.level == wf.UNIT for ch in changes) else None

    replay = request.transitions.filter(comment=marker).order_by("pk").first()
    if replay is not None:
        return task_resource(visible_transitions(actor).get(pk=replay.pk))
    applied = []
    for change in changes:
        if _already_there(request, unit, change):
            continue
        try:
            if change.level == wf.ESMS:
                # Admitted or entered (71/43/47): the person's other requests close now, not the next morning.
                admission_request_transition_closing_others(
                    actor=actor,
                    request=request,
                    target=change.target,
                    reason=change.reason,
                    source=Source.FHIR,
                    comment=marker,
                )
            else:
                unit_request_transition(
                    actor=actor,
                    request=request,
                    unit=unit,
                    target=change.target,
                    reason=change.reason,
                    source=Source.FHIR,
                    comment=marker,
                )
        except ValidationError as error:
            raise FhirError(
                422, "business-rule", f"{change.path} : {' '.join(error.messages)}", expression=change.path
            ) from None
        except PermissionDenied as error:
            raise FhirError(403, "forbidden", f"{change.path} : {error}", expression=change.path) from None
        applied.append(change.level)
    transitions = visible_transitions(actor).filter(request=request)
    if applied:  # the Task of the ESMS-level change if there was one, else the unit's
        level = wf.ESMS if wf.ESMS in applied else wf.UNIT
        return task_resource(transitions.filter(level=level).order_by("-pk").first())
    level_filter = {"level": changes[0].level} | ({"unit": unit} if changes[0].level == wf.UNIT else {})
    reached = transitions.filter(to_status=changes[0].target, **level_filter).order_by("-pk").first()
    return task_resource(reached or transitions.order_by("-pk").first())


def _marker(resource: dict[str, Any]) -> str:
    """What identifies the posted Task: its first identifier; without one (SDOTask does not require it), its content.

    Two posts of the same JSON are one Task (a retry after a lost answer); a new status report always differs (its
    status, reason, date or meta.lastUpdated, which the profile requires). Decision 0050."""
    for index, identifier in enumerate(resource.get("identifier") or []):
        value = (identifier.get("value") or "").strip()
        if value:
            marker = f"{MARKER}{identifier.get('system') or ''}|{value}"
            if len(marker) > 300:
                raise invalid(f"Task.identifier[{index}]", "identifiant trop long (300 caractères au plus).")
            return marker
    canonical = json.dumps(resource, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{MARKER}{CONTENT_KEY}{hashlib.sha256(canonical.encode()).hexdigest()[:40]}"


def _request_references(resource: dict[str, Any]):
    """(path, identifier dict or reference string) for focus, then each basedOn."""
    if resource.get("focus"):
        yield "Task.focus", resource["focus"]
    for index, based_on in enumerate(resource.get("basedOn") or []):
        yield f"Task.basedOn[{index}]", based_on


def _find_request(actor, resource: dict[str, Any]) -> AdmissionRequest:
    visible = requests_visible_to(actor).select_related("site__legal_entity")
    first_path = None
    for path, reference in _request_references(resource):
        first_path = first_path or path
        identifier = reference.get("identifier") or {}
        value = (identifier.get("value") or "").strip()
        if value:
            if identifier.get("system") == c.REQUEST_SYSTEM:
                pk = parse_int_id(value)
                request = visible.filter(pk=pk).first() if pk is not None else None
            else:
                request = visible.filter(external_ref=value).first()
            if request is None:
                raise invalid(
                    f"{path}.identifier", f"demande d'admission « {value} » introuvable.", status=422, code="not-found"
                )
            return request
        if reference.get("reference"):
            pk = parse_int_id(parse_reference(reference["reference"], "ServiceRequest") or "")
            request = visible.filter(pk=pk).first() if pk is not None else None
            if request is None:
                raise invalid(f"{path}.reference", "demande d'admission introuvable.", status=422, code="not-found")
            return request
    if first_path is None:
        found = _request_from_inputs(visible, TaskReader(resource, "Task"))
        if found is not None:
            return found
    raise invalid(
        first_path or "Task.input",
        "la demande d'admission est obligatoire : entrées idNat_Struct et idNat_Decision (ou idDecision), "
        f"ou focus / basedOn (identifiant {c.REQUEST_SYSTEM} ou référence externe).",
        code="required",
    )


def _request_from_inputs(visible, reader: TaskReader) -> AdmissionRequest | None:
    """The request a profile-only Task names, as the SI-SDO does: the ESMS (idNat_Struct) and the decision
    (idNat_Decision: the national id of a notification, or Relais's own; else idDecision, the MDPH's id)."""
    struct = reader.text(c.ID_NAT_STRUCT) or owner_finess(reader.task)
    national = reader.value(c.NATIONAL_DECISION_ID, "Identifier", "String", "Id")
    usual = reader.value(c.DECISION_ID, "Identifier", "String", "Id")
    if struct is None or (national is None and usual is None):
        return None
    finess = site_finess(struct.data)
    on_site = visible.filter(site__finess=finess) if finess else visible.none()
    if not on_site.exists():
        raise invalid(
            struct.path,
            f"établissement « {struct.data} » : aucune demande visible (1 + n° FINESS).",
            status=422,
            code="not-found",
        )
    for found in (national, usual):
        if found is None:
            continue
        data = found.data if isinstance(found.data, dict) else {"value": found.data}
        value = (data.get("value") or "").strip()
        if data.get("system") == c.RELAIS_DECISION_SYSTEM:
            pk = parse_int_id(value)
            matches = on_site.filter(decision_id=pk) if pk is not None else on_site.none()
        elif found is national:
            matches = on_site.filter(external_ref=f"sdo:{value}:{finess}")
        else:
            matches = on_site.filter(decision__mdph_decision_id=value) if value else on_site.none()
        request = matches.order_by("-pk").first()
        if request is not None:
            return request
    where = national or usual
    raise invalid(where.path, "aucune demande de cet établissement pour cette décision.", status=422, code="not-found")


def owner_finess(task: dict[str, Any], path: str = "Task") -> Value | None:
    """The ESMS of ``Task.owner`` resolved against the directory's identifiers: a FINESS (or idNatSt) identifier, a
    contained Organization carrying one, or ``Organization/<FINESS>`` (the directory's ids, 0011). Any other
    reference is a logical one Relais accepts and does not follow."""
    owner = task.get("owner") or {}
    reference = owner.get("reference") or ""
    candidates = [(f"{path}.owner.identifier", owner.get("identifier") or {})]
    if reference.startswith("#"):
        for index, contained in enumerate(task.get("contained") or []):
            if contained.get("resourceType") == "Organization" and contained.get("id") == reference[1:]:
                for position, identifier in enumerate(contained.get("identifier") or []):
                    candidates.append((f"{path}.contained[{index}].identifier[{position}]", identifier))
    for path, identifier in candidates:
        value = (identifier.get("value") or "").strip()
        if value and (identifier.get("system") in FINESS_SYSTEMS or identifier.get("system") == c.ID_NAT_STRUCT_SYSTEM):
            return Value(f"{path}.value", value)
    finess = parse_reference(reference, "Organization") or ""
    if len(finess) == 9 and finess.isdigit():
        return Value(f"{path}.owner.reference", finess)
    return None


def site_finess(id_nat_struct: str) -> str:
    """idNat_Struct is "1" + FINESS (TRE_G07 type 1); the bare FINESS is accepted too."""
    value = id_nat_struct.strip()
    finess = value[1:] if len(value) == 10 and value.startswith("1") else value
    return finess if len(finess) == 9 else ""


def _check_role(actor, request: AdmissionRequest) -> None:
    on_esms_side = acts_for_request_site(actor, request)
    if not (may_process_request(actor, request) if on_esms_side else may_send_requests(actor)):
        raise FhirError(403, "forbidden", "Votre rôle ne permet pas de changer le statut de cette demande.")


def _changes(resource: dict[str, Any], reader: TaskReader) -> list[Change]:
    changes = []
    for level, status_name, reason_name in (
        (wf.ESMS, c.ESMS_STATUS, c.ESMS_REASON),
        (wf.UNIT, c.UNIT_STATUS, c.UNIT_REASON),
    ):
        status = reader.concept(status_name)
        if status is None:
            if reader.concept(reason_name) is not None:
                index = reader.inputs[reason_name][0]
                raise invalid(f"Task.input[{index}]", f"« {reason_name} » sans « {status_name} ».")
            continue
        code = sdo_code(status, status.path, kind="status")
        check_level(code, level, status.path)
        reason = reader.concept(reason_name)
        changes.append(Change(level, code, sdo_code(reason, "", kind="reason") if reason else None, status.path))
    if changes:
        return changes
    if resource.get("businessStatus"):
        code = sdo_code(resource["businessStatus"], "Task.businessStatus", kind="status")
        level = wf.level_of(code)
        reason = sdo_code(resource.get("statusReason"), "Task.statusReason", kind="reason")
        return [Change(level, code, reason, "Task.businessStatus")]
    raise invalid(
        "Task.businessStatus",
        "le statut atteint est obligatoire (businessStatus, ou les entrées statutESMS / statutUnite).",
        code="required",
    )


def _find_unit(resource: dict[str, Any], reader: TaskReader, request: AdmissionRequest) -> Unit:
    units = Unit.objects.filter(site_id=request.site_id)
    found = reader.value(c.UNIT_ID, "Identifier", "String", "Id")
    if found is not None:
        data = found.data if isinstance(found.data, dict) else {"value": found.data}
        value = (data.get("value") or "").strip()
        path = f"{found.path}.value" if isinstance(found.data, dict) else found.path
        if data.get("system") == c.UNIT_ID_SYSTEM:
            pk = parse_int_id(value)
            unit = units.filter(pk=pk).first() if pk is not None else None
        else:  # the ROR id of the unit (idUnite is the national internal-organisation id)
            unit = units.filter(external_id=value).first() if value else None
        if unit is None:
            raise invalid(
                path, f"unité « {value} » introuvable dans « {request.site.name} ».", status=422, code="not-found"
            )
        return unit
    location = (resource.get("location") or {}).get("reference") or ""
    if location:
        unit_id = parse_reference(location, "Location") or ""
        pk = parse_int_id(unit_id.removeprefix("unit-"))
        unit = units.filter(pk=pk).first() if pk is not None else None
        if unit is None:
            raise invalid("Task.location.reference", f"unité « {location} » introuvable.", status=422, code="not-found")
        return unit
    raise invalid(
        "Task.input",
        f"l'entrée « {c.UNIT_ID} » (ou Task.location) est obligatoire pour un statut d'unité.",
        code="required",
    )


def _already_there(request: AdmissionRequest, unit, change: Change) -> bool:
    """A status already reached is not applied again (a retry after a lost answer, or a report of a web change)."""
    if change.level == wf.ESMS:
        return request.status == change.target
    row = UnitRequestStatus.objects.filter(request=request, unit=unit).first()
    return row is not None and row.status == change.target


__all__ = ["Value", "task_receive"]
