"""Requests and their statuses out as FHIR and back into another Relais (issue 14 item 4, decision 0050).

Out (``requests_export``): a ``collection`` Bundle of the SDO Tasks an organisation sees, exactly as ``GET /fhir/Task``
serves them (one per status change, oldest first), and one Patient per person (the identity the notification
import reads: INS or external reference, names, birth date, sex).
In (``requests_restore``, an operator's set-up work like loading the demo): for each request (the Tasks sharing a
``focus``), the person (found by INS / external reference, else created through identity vigilance), the decision
(idDecision, idNat_Decision, ``restriction.period``), the request at the ESMS of idNat_Struct, and every status change
with its date, reason and unit, each checked against the state machine. All or nothing.

The directory (sites and units, by FINESS and ROR id or unit number) must already be there: it has its own round trip
(ROR). What the Tasks do not carry is not restored: who made each change (the actor kind is the one the state machine
allows for that edge), the wish rank (the order of the requests), the requester (the organisation restoring).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from relais.fhir.search import parse_int_id
from relais.offer.models import Site, Unit
from relais.orientation.decisions.models import DecisionKind, OrientationDecision
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import AdmissionRequest, Source, StatusTransition, UnitRequestStatus
from relais.orientation.requests.statuses import NOTIFIED
from relais.persons import vigilance
from relais.persons.models import Person

from . import codes as c
from .inputs import TaskReader, invalid, sdo_code
from .notification import _match
from .task_in import site_finess
from .task_out import task_resource, visible_transitions

GROUND = "orientation_request"
EXTERNAL_REF_SYSTEM = "urn:relais:external-ref"
GENDER = {"M": "male", "F": "female", "I": "unknown"}
SEX = {"male": "M", "female": "F", "other": "I", "unknown": "I"}


def person_patient(person: Person) -> dict[str, Any]:
    identifiers = []
    if person.ins:
        identifiers.append({"system": c.INS_NIR_SYSTEM, "value": person.ins})
    if person.external_ref:
        identifiers.append({"system": EXTERNAL_REF_SYSTEM, "value": person.external_ref})
    patient = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "name": [{"use": "official", "family": person.family_name, "given": person.first_names.split()}],
        "gender": GENDER.get(person.sex, "unknown"),
        "birthDate": person.birth_date.isoformat(),
    }
    if identifiers:
        patient["identifier"] = identifiers
    return patient


def requests_export(actor) -> dict[str, Any]:
    base = settings.SITE_URL.rstrip("/") + "/fhir"
    transitions = list(visible_transitions(actor).order_by("at", "pk"))
    persons = {t.request.person_id: t.request.person for t in transitions}
    entries = [{"fullUrl": f"{base}/Patient/{pk}", "resource": person_patient(p)} for pk, p in persons.items()]
    entries += [{"fullUrl": f"{base}/Task/{t.pk}", "resource": task_resource(t)} for t in transitions]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


# --- In --------------------------------------------------------------------------------------------------------


def _instant(value: str, path: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise invalid(path, f"date « {value} » illisible.") from None


@transaction.atomic
def requests_restore(*, actor, bundle: dict[str, Any]) -> dict[str, Any]:
    """Write the requests of an exported Bundle on behalf of ``actor`` (an orientation organisation's system actor)."""
    patients, groups = {}, {}
    for index, entry in enumerate(bundle.get("entry") or []):
        resource, path = entry.get("resource") or {}, f"Bundle.entry[{index}].resource"
        if resource.get("resourceType") == "Patient":
            patients[f"Patient/{resource.get('id')}"] = (path, resource)
        elif resource.get("resourceType") == "Task":
            focus = ((resource.get("focus") or {}).get("identifier") or {}).get("value")
            if not focus:
                raise invalid(f"{path}.focus.identifier", "demande d'origine manquante.", code="required")
            groups.setdefault(focus, []).append((path, resource))
    persons: dict[str, Person] = {}
    decisions: dict[tuple[int, str], OrientationDecision] = {}
    restored = []
    for tasks in groups.values():
        tasks.sort(key=lambda item: (item[1].get("lastModified") or "", item[0]))
        path, first = tasks[0]
        reference = (first.get("for") or {}).get("reference") or ""
        if reference not in persons:
            if reference not in patients:
                raise invalid(f"{path}.for.reference", f"« {reference} » : Patient absent du Bundle.", status=422)
            persons[reference] = _person(actor, *patients[reference])
        person = persons[reference]
        reader = TaskReader(first, path)
        site = _site(reader)
        decision = _decision(actor, person, reader, first, decisions)
        request = AdmissionRequest.objects.create(
            person=person,
            decision=decision,
            site=site,
            wish_rank=1 + AdmissionRequest.objects.filter(person=person).count(),
            status=NOTIFIED,  # the first Task's status replaces it below
            created_by=actor.public_label,
            created_by_organisation=actor.organisation,
            external_ref=_external_ref(first),
        )
        AdmissionRequest.objects.filter(pk=request.pk).update(
            created_at=_instant(first.get("authoredOn"), f"{path}.authoredOn")
        )
        _replay(actor, request, tasks)
        restored.append(request.pk)
    return {"persons": len(persons), "decisions": len(decisions), "requests": restored}


def _person(actor, path: str, patient: dict[str, Any]) -> Person:
    for identifier in patient.get("identifier") or []:
        system = identifier.get("system")
        found = _match(system if system in c.INS_SYSTEMS else None, (identifier.get("value") or "").strip())
        if found is not None:
            return found
    fields: dict[str, Any] = {}
    for identifier in patient.get("identifier") or []:
        key = "ins" if identifier.get("system") in c.INS_SYSTEMS else "external_ref"
        fields.setdefault(key, identifier.get("value"))
    name = (patient.get("name") or [{}])[0]
    try:
        return vigilance.person_create_checked(
            actor=actor,
            ground=GROUND,
            confirmed_new=False,
            family_name=name.get("family") or "",
            first_names=" ".join(name.get("given") or []),
            birth_date=date.fromisoformat(patient.get("birthDate") or ""),
            sex=SEX.get(patient.get("gender"), "I"),
            **fields,
        )
    except vigilance.IdentityCandidates:
        raise invalid(path, "une personne proche existe déjà : fusion à décider avant l'import.", status=409) from None
    except ValueError:
        raise invalid(f"{path}.birthDate", "date de naissance illisible.") from None


def _site(reader: TaskReader) -> Site:
    struct = reader.required_text(c.ID_NAT_STRUCT)
    site = Site.objects.filter(finess=site_finess(struct.data)).first()
    if site is None:
        raise invalid(struct.path, f"établissement « {struct.data} » absent de l'annuaire.", status=422)
    return site


def _identifier(reader: TaskReader, name: str) -> dict[str, Any]:
    found = reader.value(name, "Identifier")
    return found.data if found is not None else {}


def _decision(actor, person, reader, task, cache) -> OrientationDecision | None:
    usual, official = _identifier(reader, c.DECISION_ID), _identifier(reader, c.NATIONAL_DECISION_ID)
    if not usual.get("value") and not official.get("value"):
        return None  # data-absent-reason: a request without a decision
    key = (person.pk, f"{usual.get('system', '')}|{usual.get('value')}|{official.get('value')}")
    if key not in cache:
        period = (task.get("restriction") or {}).get("period") or {}
        mdph_id = usual.get("value") if usual.get("system") != c.RELAIS_DECISION_SYSTEM else ""
        cache[key] = OrientationDecision.objects.create(
            person=person,
            kind=DecisionKind.MDPH if mdph_id else DecisionKind.WITHOUT_DECISION,
            mdph_decision_id=mdph_id or "",
            validity_start=date.fromisoformat(period["start"]) if period.get("start") else None,
            validity_end=date.fromisoformat(period["end"]) if period.get("end") else None,
            organisation=actor.organisation,
        )
    return cache[key]


def _external_ref(task: dict[str, Any]) -> str | None:
    for based_on in task.get("basedOn") or []:
        identifier = based_on.get("identifier") or {}
        if identifier.get("system") == EXTERNAL_REF_SYSTEM:
            return identifier.get("value")
    return None


def _unit(reader: TaskReader, site: Site) -> Unit:
    found = reader.value(c.UNIT_ID, "Identifier")
    data = found.data if found is not None else {}
    units = Unit.objects.filter(site=site)
    if data.get("system") == c.UNIT_ID_SYSTEM:
        unit = units.filter(pk=parse_int_id(data.get("value") or "") or 0).first()
    else:
        unit = units.filter(external_id=data.get("value") or "").first() if data.get("value") else None
    if unit is None:
        raise invalid(found.path if found else reader.path, "unité absente de l'annuaire.", status=422)
    return unit


def _replay(actor, request: AdmissionRequest, tasks) -> None:
    """Each Task is one change, written with its own date; every edge must be one of the state machine's."""
    esms_status: str | None = None
    unit_rows: dict[int, UnitRequestStatus] = {}
    for path, task in tasks:
        reader = TaskReader(task, path)
        level = wf.UNIT if c.UNIT_STATUS in reader.inputs else wf.ESMS
        status = reader.concept(c.UNIT_STATUS if level == wf.UNIT else c.ESMS_STATUS)
        if status is None:
            raise invalid(f"{path}.input", "statut (statutESMS ou statutUnite) manquant.", code="required")
        reason_input = reader.concept(c.UNIT_REASON if level == wf.UNIT else c.ESMS_REASON)
        target = sdo_code(status, status.path, kind="status")
        reason = sdo_code(reason_input, reason_input.path, kind="reason") if reason_input else ""
        unit = _unit(reader, request.site) if level == wf.UNIT else None
        before = esms_status if unit is None else getattr(unit_rows.get(unit.pk), "status", None)
        kinds = wf.allowed_actors(before, target)
        if not kinds or wf.level_of(target) != level:
            raise invalid(
                status.path, f"passage {before or 'création'} → {target} impossible (décision 0013).", status=422
            )
        at = _instant(task.get("lastModified") or (task.get("meta") or {}).get("lastUpdated"), f"{path}.lastModified")
        StatusTransition.objects.create(
            request=request,
            unit=unit,
            level=level,
            from_status=before or "",
            to_status=target,
            reason=reason or "",
            # Who made the change does not travel: the kind the state machine allows (the ESMS first).
            actor_kind=wf.ESMS_STAFF if wf.ESMS_STAFF in kinds else sorted(kinds)[0],
            actor_label=actor.public_label,
            organisation_id=actor.organisation.pk,
            at=at,
            source=Source.FHIR,
            comment=((task.get("note") or [{}])[0].get("text") or "")[:300],
        )
        if unit is None:
            esms_status = target
            AdmissionRequest.objects.filter(pk=request.pk).update(status=target, status_reason=reason or "")
        else:
            row = unit_rows.get(unit.pk) or UnitRequestStatus(request=request, unit=unit)
            row.status, row.status_reason = target, reason or ""
            row.save()
            unit_rows[unit.pk] = row


__all__ = ["person_patient", "requests_export", "requests_restore"]
