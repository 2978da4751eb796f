"""Encounter: the timeline events of the coordination record that are encounters with the person.

Admission, discharge, hospital stay, home visit and evaluation are encounters (FHIR Encounter: who saw the person,
where, when); a hospital or a home-care service's software posts them here and they land in the record's timeline
through ``record.services.event_post`` (same policy check, same trace), marked as received through FHIR. Notes and
other events are not encounters and are not served here. Each event is judged by its own data category (social or
medical, carried in ``meta.security`` with the ``urn:relais:data-category`` system): a refused read is a 404 like
a missing id, a search counts only what the policy allows. See docs/decisions/0019-care-circle-policy.md, "FHIR".
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.fhir.shared import TypePart
from relais.pathway.record import services as rs
from relais.pathway.record.models import EventKind, TimelineEvent

from .. import matrix as m
from . import common as c

KIND_SYSTEM = "urn:relais:timeline-event-kind"
DETAIL_EXTENSION = "urn:relais:fhir:extension:event-detail"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# Event kind -> (Encounter.class code, display). Only these kinds are encounters.
CLASSES = {
    EventKind.ADMISSION: ("IMP", "inpatient encounter"),
    EventKind.DISCHARGE: ("IMP", "inpatient encounter"),
    EventKind.HOSPITAL_STAY: ("IMP", "inpatient encounter"),
    EventKind.HOME_VISIT: ("HH", "home health"),
    EventKind.EVALUATION: ("AMB", "ambulatory"),
}
# Data categories an encounter may belong to (those of the web form's timeline entries).
CATEGORIES = (m.SOCIAL, m.MEDICAL, m.DOCUMENTS)
SOURCE = "fhir"
SEARCH_PARAMS = [
    SearchParam("patient", "reference", "Patient/<id> : les rencontres de cette personne."),
    SearchParam("type", "token", f"{KIND_SYSTEM}|<nature> : admission, discharge, hospital_stay, home_visit…"),
]


def encounter_resource(event: TimelineEvent) -> dict[str, Any]:
    code, display = CLASSES[event.kind]
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(event.pk),
        "meta": {
            **c.profiled(c.ENCOUNTER_PROFILE),
            "security": [c.coding(c.CATEGORY_SYSTEM, event.category, m.CATEGORIES[event.category])],
        },
        # An admission is the start of a stay still going on as far as the record knows; the others are over.
        "status": "in-progress" if event.kind == EventKind.ADMISSION else "finished",
        "class": {"system": ACT_CODE, "code": code, "display": display},
        "type": [{"coding": [c.coding(KIND_SYSTEM, event.kind, event.get_kind_display())], "text": event.title}],
        "subject": {"reference": f"Patient/{event.record.person_id}"},
        # A discharge is the end of the stay; every other event is when it started.
        "period": {"end" if event.kind == EventKind.DISCHARGE else "start": c.instant(event.occurred_at)},
        "participant": [{"individual": {"display": event.author}}],
    }
    if event.body:
        resource["extension"] = [{"url": DETAIL_EXTENSION, "valueString": event.body}]
    if event.author_organisation_id:
        resource["serviceProvider"] = c.organisation_reference(event.author_organisation)
    if event.source == SOURCE:
        resource["meta"]["tag"] = [c.coding("urn:relais:source", SOURCE, "reçu par FHIR")]
    return resource


def _events():
    return TimelineEvent.objects.filter(kind__in=list(CLASSES)).select_related("record__person", "author_organisation")


def read_encounter(actor, resource_id: str) -> dict[str, Any] | None:
    event = _events().filter(pk=c.number(resource_id) or 0).first()
    if event is None or not c.allowed_read(actor, event.record.person, event.category, event, "FHIR Encounter read"):
        return None
    return encounter_resource(event)


def _kinds(params: dict[str, list[str]]) -> list[str]:
    kinds = []
    for value in (v for raw in params.get("type", []) for v in raw.split(",")):
        system, sep, code = value.rpartition("|")
        if (sep and system != KIND_SYSTEM) or code not in CLASSES:
            raise FhirError(400, "invalid", f"type : nature de rencontre inconnue « {value} ».", expression="type")
        kinds.append(code)
    return kinds


def search_encounters(actor, params, offset: int, count: int):
    kinds = _kinds(params) or list(CLASSES)
    wanted = c.patient_ids(params)
    records = c.candidate_records(actor)
    if wanted is not None:
        records = records.filter(person_id__in=wanted)
    readable: dict[int, dict] = {}  # person pk -> {category: decision} for the categories the actor may read
    for record in records:
        decisions = {cat: c.ask(actor, record.person, cat) for cat in CATEGORIES}
        readable[record.person_id] = {cat: d for cat, d in decisions.items() if d.allowed}
    events = [
        event
        for event in _events().filter(record__person_id__in=list(readable), kind__in=kinds).order_by("-occurred_at")
        if event.category in readable[event.record.person_id]
    ]
    shown = c.page(events, offset, count)
    for event in shown:
        decision = readable[event.record.person_id][event.category]
        c.trace(actor, decision, event, event.record.person_id, "FHIR Encounter search")
    return [encounter_resource(e) for e in shown], len(events)


def _invalid(path: str, text: str, code: str = "invalid") -> FhirError:
    return FhirError(422, code, f"{path} : {text}", expression=path)


def _kind(resource: dict[str, Any]) -> str:
    codings = [
        cd for t in resource.get("type") or [] for cd in t.get("coding") or [] if cd.get("system") == KIND_SYSTEM
    ]
    if not codings:
        raise _invalid("Encounter.type", f"une nature codée dans {KIND_SYSTEM} est requise.", "required")
    kind = codings[0].get("code")
    if kind not in CLASSES:
        natures = ", ".join(CLASSES)
        raise _invalid("Encounter.type.coding.code", f"nature « {kind} » inconnue ou non servie ici ({natures}).")
    return kind


def _category(resource: dict[str, Any]) -> str:
    labels = [s for s in (resource.get("meta") or {}).get("security") or [] if s.get("system") == c.CATEGORY_SYSTEM]
    category = labels[0].get("code") if labels else m.SOCIAL
    if category not in CATEGORIES:
        raise _invalid("Encounter.meta.security", f"catégorie « {category} » refusée ({', '.join(CATEGORIES)}).")
    return category


def _occurred_at(resource: dict[str, Any], kind: str) -> datetime:
    period = resource.get("period") or {}
    order = ("end", "start") if kind == EventKind.DISCHARGE else ("start", "end")
    name = next((n for n in order if period.get(n)), None)
    if name is None:
        raise _invalid("Encounter.period", "la date de la rencontre (start, ou end pour une sortie) est requise.")
    raw = period[name]
    day = parse_date(raw) if "T" not in raw else None
    # A date alone: midday, so that no timezone shifts the day.
    moment = datetime.combine(day, time(12, 0)) if day else parse_datetime(raw)
    if moment is None:
        raise _invalid(f"Encounter.period.{name}", f"date « {raw} » illisible.")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


# Fields of the timeline event -> where they come from in the Encounter, to name the path of a bad input.
_PATHS = {
    "title": "Encounter.type[0].text",
    "body": f"Encounter.extension({DETAIL_EXTENSION})",
    "occurred_at": "Encounter.period",  # a date in the future for a kind that is not planned ahead (0034)
}


@transaction.atomic
def create_encounter(actor, resource: dict[str, Any]) -> dict[str, Any]:
    kind, category = _kind(resource), _category(resource)
    person, _decision = c.person_for_write(actor, resource.get("subject"), "Encounter.subject", category)
    title = ((resource.get("type") or [{}])[0].get("text") or "").strip()
    if not title:
        raise _invalid("Encounter.type[0].text", "le titre de l'événement est requis.", "required")
    body = next(
        (e.get("valueString", "") for e in resource.get("extension") or [] if e.get("url") == DETAIL_EXTENSION), ""
    )
    try:
        event = rs.event_post(
            actor=actor,
            person=person,
            kind=kind,
            title=title,
            occurred_at=_occurred_at(resource, kind),
            body=body,
            category=category,
            source=SOURCE,
        )
    except PermissionDenied as exc:
        raise FhirError(403, "forbidden", str(exc), expression="Encounter.subject") from None
    except ValidationError as exc:
        texts = exc.message_dict if hasattr(exc, "message_dict") else {"": exc.messages}
        field, messages = next(iter(texts.items()))
        raise _invalid(_PATHS.get(field, "Encounter"), " ".join(messages)) from None
    return encounter_resource(_events().get(pk=event.pk))


TIMELINE_ENCOUNTER_PART = TypePart(
    name="timeline",
    owns_id=lambda resource_id: c.number(resource_id) is not None,
    read=read_encounter,
    search=search_encounters,
    search_params=tuple(SEARCH_PARAMS),
    create=create_encounter,  # every posted Encounter the hospital part does not claim (movement.py)
    profile=c.ENCOUNTER_PROFILE,
    documentation="Événements de la chronologie qui sont des rencontres (admission, sortie, hospitalisation, "
    "visite à domicile, évaluation) ; reçus d'un autre logiciel ou lus selon la catégorie de chacun ;",
)
