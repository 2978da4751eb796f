"""Encounter for hospital systems (decision 0045): a stay in hospital, in and out, as a hospital movement.

A hospital's software posts an Encounter with ``hospitalization`` (or of class inpatient naming the hospital) and no
timeline type: ``status`` in-progress (or planned) with ``period.start`` records the entry, ``hospitalization.
dischargeDisposition`` with ``status`` finished and ``period.end`` the discharge; the planned discharge day rides in
the ``planned-discharge`` extension, the hospital in ``serviceProvider`` (name, FINESS as idNatSt), the ward in
``location``, the medical reason in ``reasonCode`` (needs the right to write medical data). The stay's own
identifier (its NDA) makes a re-post update the same movement: posting the discharge after the entry, or the same
message twice, is safe; PUT /fhir/Encounter/hosp-<n> updates a stay by its id. Reads show ``reasonCode`` only to who
may read medical data. Ids are ``hosp-<n>``; the timeline's encounters (``events.py``) keep their numeric ids (PUT on
them: 405). Every failure names its path in the OperationOutcome.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.fhir.shared import TypePart
from relais.pathway.record.movement_services import hospital_movement_save
from relais.pathway.record.movements import Destination, HospitalMovement

from .. import matrix as m
from . import common as c
from .events import ACT_CODE, KIND_SYSTEM

ID_PREFIX = "hosp-"
DESTINATION_SYSTEM = "urn:relais:hospital-discharge-destination"
DISPOSITION_SYSTEM = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
PLANNED_EXTENSION = "urn:relais:fhir:extension:planned-discharge"
ID_NAT_STRUCT = "urn:oid:1.2.250.1.71.4.2.2"  # "1" + FINESS
INPATIENT_CLASSES = frozenset({"IMP", "ACUTE", "NONAC", "SS"})
SOURCE = "fhir"
# Destination -> the HL7 discharge disposition sent out; HL7 codes read in, to the destination they mean.
TO_DISPOSITION = {
    Destination.HOME: ("home", "Home"),
    Destination.ESMS: ("long", "Long-term care"),
    Destination.OTHER_HOSPITAL: ("other-hcf", "Other healthcare facility"),
    Destination.REHABILITATION: ("rehab", "Rehabilitation"),
    Destination.HOME_HOSPITAL: ("alt-home", "Alternative home"),
    Destination.OTHER: ("oth", "Other"),
}
FROM_DISPOSITION = {code: dest for dest, (code, _d) in TO_DISPOSITION.items()} | {
    "snf": Destination.ESMS,
    "hosp": Destination.OTHER_HOSPITAL,
    "psy": Destination.OTHER_HOSPITAL,
}
# Fields of the movement -> where they come from in the Encounter, to name the path of a refused value.
PATHS = {
    "hospital": "Encounter.serviceProvider.display",
    "hospital_finess": "Encounter.serviceProvider.identifier.value",
    "ward": "Encounter.location[0].location.display",
    "admitted_on": "Encounter.period.start",
    "planned_discharge_on": f"Encounter.extension({PLANNED_EXTENSION})",
    "discharged_on": "Encounter.period.end",
    "destination": "Encounter.hospitalization.dischargeDisposition",
    "destination_detail": "Encounter.hospitalization.dischargeDisposition.text",
}
SEARCH_PARAMS = [
    SearchParam("patient", "reference", "Patient/<id> : les rencontres de cette personne."),
    SearchParam("status", "token", "Séjours à l'hôpital : planned, in-progress ou finished."),
    SearchParam("identifier", "token", "Séjours à l'hôpital : <système>|<identifiant du séjour> (NDA)."),
]


def _status(row: HospitalMovement) -> str:
    if row.discharged_on is not None:
        return "finished"
    return "planned" if row.admitted_on > timezone.localdate() else "in-progress"


def movement_resource(row: HospitalMovement, *, medical: bool) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": f"{ID_PREFIX}{row.pk}",
        "meta": {
            **c.profiled(c.ENCOUNTER_PROFILE),
            "security": [c.coding(c.CATEGORY_SYSTEM, m.SOCIAL, m.CATEGORIES[m.SOCIAL])],
        },
        "status": _status(row),
        "class": {"system": ACT_CODE, "code": "IMP", "display": "inpatient encounter"},
        "subject": {"reference": f"Patient/{row.record.person_id}"},
        "period": {"start": row.admitted_on.isoformat()},
        "serviceProvider": {"display": row.hospital},
    }
    if row.identifier_value:
        resource["identifier"] = [{"system": row.identifier_system, "value": row.identifier_value}]
    if row.hospital_finess:
        resource["serviceProvider"]["identifier"] = {"system": ID_NAT_STRUCT, "value": f"1{row.hospital_finess}"}
    if row.ward:
        resource["location"] = [{"location": {"display": row.ward}}]
    if row.planned_discharge_on:
        resource["extension"] = [{"url": PLANNED_EXTENSION, "valueDate": row.planned_discharge_on.isoformat()}]
    if row.discharged_on:
        resource["period"]["end"] = row.discharged_on.isoformat()
        code, display = TO_DISPOSITION[Destination(row.destination)]
        disposition = {
            "coding": [
                c.coding(DISPOSITION_SYSTEM, code, display),
                c.coding(DESTINATION_SYSTEM, row.destination, row.get_destination_display()),
            ],
            "text": row.destination_detail or row.get_destination_display(),
        }
        resource["hospitalization"] = {"dischargeDisposition": disposition}
    if medical and row.reason:
        resource["reasonCode"] = [{"text": row.reason}]
    if row.source == SOURCE:
        resource["meta"]["tag"] = [c.coding("urn:relais:source", SOURCE, "reçu par FHIR")]
    return resource


def is_movement_id(resource_id: str) -> bool:
    return resource_id.startswith(ID_PREFIX)


def _rows():
    return HospitalMovement.objects.select_related("record__person")


def read(actor, resource_id: str) -> dict[str, Any] | None:
    row = _rows().filter(pk=c.number(resource_id.removeprefix(ID_PREFIX)) or 0).first()
    if row is None or not c.allowed_read(actor, row.record.person, m.SOCIAL, row, "FHIR Encounter read (séjour)"):
        return None
    return movement_resource(row, medical=c.ask(actor, row.record.person, m.MEDICAL).allowed)


def search(actor, params, offset: int, count: int):
    wanted = c.patient_ids(params)
    rows = _rows().order_by("-admitted_on", "-pk")
    statuses = {s for raw in params.get("status", []) for s in raw.split(",")}
    for raw in params.get("identifier", []):
        system, _sep, value = raw.rpartition("|")
        rows = rows.filter(identifier_value=value, **({"identifier_system": system} if system else {}))
    people = {p.pk: p for p in c.visible_persons(actor, m.SOCIAL, wanted)}
    found = [r for r in rows.filter(record__person_id__in=list(people)) if not statuses or _status(r) in statuses]
    shown = c.page(found, offset, count)
    medical = {pk: c.ask(actor, person, m.MEDICAL).allowed for pk, person in people.items()}
    resources = []
    for row in shown:
        c.trace(actor, c.ask(actor, row.record.person, m.SOCIAL), row, row.record.person_id, "FHIR Encounter search")
        resources.append(movement_resource(row, medical=medical[row.record.person_id]))
    return resources, len(found)


def owns_resource(resource: dict[str, Any]) -> bool:
    """A stay in hospital: no timeline type, and a ``hospitalization`` element, or an inpatient class with the
    hospital named (``serviceProvider``) or the stay identified (``identifier``)."""
    timeline = any(cd.get("system") == KIND_SYSTEM for t in resource.get("type") or [] for cd in t.get("coding") or [])
    inpatient = (resource.get("class") or {}).get("code") in INPATIENT_CLASSES
    named = "serviceProvider" in resource or "identifier" in resource
    return not timeline and ("hospitalization" in resource or (inpatient and named))


def _invalid(path: str, text: str, code: str = "invalid") -> FhirError:
    return FhirError(422, code, f"{path} : {text}", expression=path)


def _day(raw: str | None, path: str) -> date | None:
    if not raw:
        return None
    moment = parse_datetime(raw) if "T" in raw else None
    day = timezone.localdate(moment) if moment and timezone.is_aware(moment) else (moment.date() if moment else None)
    day = day or parse_date(raw[:10])
    if day is None:
        raise _invalid(path, f"date « {raw} » illisible.")
    return day


def _destination(resource: dict[str, Any]) -> tuple[str, str]:
    disposition = (resource.get("hospitalization") or {}).get("dischargeDisposition") or {}
    codings = disposition.get("coding") or []
    ours = next((cd.get("code") for cd in codings if cd.get("system") == DESTINATION_SYSTEM), None)
    theirs = next((cd.get("code") for cd in codings if cd.get("system") == DISPOSITION_SYSTEM), None)
    destination = ours if ours in Destination.values else FROM_DISPOSITION.get(theirs or "")
    if codings and destination is None:
        known = ", ".join(sorted(FROM_DISPOSITION))
        raise _invalid(PATHS["destination"], f"destination inconnue ({DISPOSITION_SYSTEM} : {known}).")
    text = (disposition.get("text") or "").strip()
    detail = "" if destination is None or text == Destination(destination).label else text
    return destination or "", detail[:200]


def _facts(resource: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    status = resource.get("status")
    if status not in {"planned", "in-progress", "finished"}:
        raise _invalid("Encounter.status", f"« {status} » non pris en charge (planned, in-progress, finished).")
    period = resource.get("period") or {}
    admitted = _day(period.get("start"), "Encounter.period.start")
    if admitted is None:
        raise _invalid("Encounter.period.start", "la date d'entrée est requise.", "required")
    discharged = _day(period.get("end"), "Encounter.period.end")
    if (status == "finished") != (discharged is not None):
        raise _invalid("Encounter.period.end", "la date de sortie va avec le statut finished, et lui seul.")
    destination, detail = _destination(resource)
    provider = resource.get("serviceProvider") or {}
    finess = ((provider.get("identifier") or {}).get("value") or "").strip()
    if finess and len(finess) == 10 and finess.startswith("1"):
        finess = finess[1:]
    locations = [(loc.get("location") or {}).get("display", "") for loc in resource.get("location") or []]
    planned = next(
        (e.get("valueDate") for e in resource.get("extension") or [] if e.get("url") == PLANNED_EXTENSION), None
    )
    identifier = next((i for i in resource.get("identifier") or [] if i.get("system") and i.get("value")), {})
    facts = {
        "hospital": (provider.get("display") or "").strip(),
        "hospital_finess": finess,
        "ward": (locations[0] if locations else "").strip()[:200],
        "admitted_on": admitted,
        "planned_discharge_on": _day(planned, PATHS["planned_discharge_on"]),
        "discharged_on": discharged,
        "destination": destination,
        "destination_detail": detail,
        "identifier_system": identifier.get("system", "")[:200],
        "identifier_value": identifier.get("value", "")[:100],
    }
    if not facts["hospital"]:
        raise _invalid(PATHS["hospital"], "le nom de l'établissement de santé est requis.", "required")
    reasons = [
        r.get("text") or next(iter(r.get("coding") or []), {}).get("display") for r in resource.get("reasonCode") or []
    ]
    reason = "\n".join(r.strip() for r in reasons if r and r.strip()) or None
    return facts, reason


def _save(actor, person, movement, facts: dict[str, Any], reason: str | None) -> dict[str, Any]:
    """Save through the one service and answer the stored resource; its refusals as OperationOutcomes with paths."""
    try:
        row = hospital_movement_save(
            actor=actor, person=person, movement=movement(), reason=reason, source=SOURCE, **facts
        )
    except PermissionDenied as exc:
        path = "Encounter.reasonCode" if reason is not None else "Encounter.subject"
        raise FhirError(403, "forbidden", f"{path} : {exc}", expression=path) from None
    except ValidationError as exc:
        texts = exc.message_dict if hasattr(exc, "message_dict") else {"": exc.messages}
        field, messages = next(iter(texts.items()))
        path = PATHS.get(field, "Encounter")
        raise _invalid(path, " ".join(messages)) from None
    return movement_resource(_rows().get(pk=row.pk), medical=c.ask(actor, person, m.MEDICAL).allowed)


@transaction.atomic
def create(actor, resource: dict[str, Any]) -> dict[str, Any]:
    facts, reason = _facts(resource)
    person, _decision = c.person_for_write(actor, resource.get("subject"), "Encounter.subject", m.SOCIAL)

    def same_stay():
        if not facts["identifier_value"]:
            return None
        return HospitalMovement.objects.filter(
            record__person=person,
            identifier_system=facts["identifier_system"],
            identifier_value=facts["identifier_value"],
        ).first()

    try:
        with transaction.atomic():
            return _save(actor, person, same_stay, facts, reason)
    except IntegrityError:  # the same stay posted twice at once: the other post created it, this one updates
        return _save(actor, person, same_stay, facts, reason)


@transaction.atomic
def update(actor, resource_id: str, resource: dict[str, Any]) -> dict[str, Any] | None:
    """PUT /fhir/Encounter/hosp-<n>: the stay as sent (what is left out is kept; a discharge is sent as finished)."""
    row = _rows().filter(pk=c.number(resource_id.removeprefix(ID_PREFIX)) or 0).first()
    if row is None or not c.ask(actor, row.record.person, m.SOCIAL).allowed:
        return None
    facts, reason = _facts(resource)
    person, _decision = c.person_for_write(actor, resource.get("subject"), "Encounter.subject", m.SOCIAL)
    if person.pk != row.record.person_id:
        raise _invalid("Encounter.subject", f"ce séjour est celui de Patient/{row.record.person_id}.")
    if not facts["identifier_value"]:  # an update without the identifier keeps it
        facts["identifier_system"], facts["identifier_value"] = row.identifier_system, row.identifier_value
    return _save(actor, person, lambda: row, facts, reason)


HOSPITAL_ENCOUNTER_PART = TypePart(
    name="hospital",
    owns_id=is_movement_id,
    read=read,
    search=search,
    search_params=tuple(SEARCH_PARAMS),
    create=create,
    update=update,
    owns_resource=owns_resource,
    profile=c.ENCOUNTER_PROFILE,
    documentation="et les séjours à l'hôpital (id hosp-<n>) : entrée, sortie prévue, sortie et destination, reçus "
    "des logiciels hospitaliers ; un nouvel envoi avec le même identifier met le séjour à jour.",
)
