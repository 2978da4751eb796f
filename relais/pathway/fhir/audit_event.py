"""AuditEvent: the access log of a person (traçabilité des accès), shaped like the ANS TDE AuditEvent. Read-only.

One AuditEvent per AccessLogEntry whose subject is the person (id = the entry's id). Who may see
"who read the record": the circle's referents and coordinators, and the person's proxies (they act for the person),
when the policy lets them read the person's identity. Search needs ``patient``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from relais.accounts.actor import without_email
from relais.audit.models import AccessLogEntry
from relais.audit.selectors import access_log_for_subject, listing_grounds
from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.pathway.circle.models import CircleRole, MemberKind
from relais.persons.models import Person

from .. import matrix as m
from . import common as c

PROFILE = "https://interop.esante.gouv.fr/ig/fhir/tde/StructureDefinition/tde-auditevent"
SEARCH_PARAMS = [SearchParam("patient", "reference", "Patient/<id> (obligatoire) : les accès à son dossier.")]
_INTERACTION = {"read": "read", "create": "create", "update": "update", "delete": "delete", "export": "search-type"}
_ACTION = {"read": "R", "create": "C", "update": "U", "delete": "D", "export": "R"}
URI_SYSTEM = "urn:ietf:rfc:3986"


def observer_reference() -> dict[str, Any]:
    """Relais itself, the system that recorded the trace: TDEAuditEvent wants a reference (Device…), not a display.

    A logical reference (Relais serves no Device): type Device and the platform's FHIR base URL as identifier, so a
    partner holding traces from several systems tells them apart (decision 0052)."""
    base = settings.SITE_URL.rstrip("/") + "/fhir"
    return {"type": "Device", "identifier": {"system": URI_SYSTEM, "value": base}, "display": "Relais"}


def may_see_log(actor, person: Person):
    """The decision, when the actor may see this person's access log; None otherwise."""
    decision = c.ask(actor, person, m.IDENTITY)
    if not decision.allowed:
        return None
    member = decision.member
    managers = (CircleRole.REFERENT, CircleRole.COORDINATOR)
    if member.kind == MemberKind.PROXY or member.circle_role in managers:
        return decision
    return None


def audit_event_resource(
    entry: AccessLogEntry, person_id: int, ground: str | None = None, organisations: dict | None = None
) -> dict[str, Any]:
    """``ground``: for a list entry, the ground this person was shown on (the entry's may be "several");
    ``organisations``: the page's organisations by pk (``c.organisations_by_pk``), None for a single read."""
    at = c.instant(entry.at)
    ground = ground or entry.ground
    agents: list[dict[str, Any]] = [{"who": {"display": without_email(entry.actor_label)}, "requestor": True}]
    if entry.user_id:
        agents[0]["who"]["identifier"] = {"system": c.USER_SYSTEM, "value": str(entry.user_id)}
    if entry.organisation_id:
        agents.append(
            {
                "who": c.organisation_reference_to(entry.organisation_id, entry.organisation_label, organisations),
                "requestor": False,
            }
        )
    what = f"{entry.object_type}:{entry.object_id}" if entry.object_type else "dossier"
    return {
        "resourceType": "AuditEvent",
        "id": str(entry.pk),
        "meta": {"profile": [PROFILE]},
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "RESTful Operation",
        },
        "subtype": [
            {
                "system": "http://hl7.org/fhir/restful-interaction",
                "code": _INTERACTION[entry.action],
                "display": _INTERACTION[entry.action],
            }
        ],
        "action": _ACTION[entry.action],
        "period": {"start": at, "end": at},
        "recorded": at,
        "outcome": "0",
        "purposeOfEvent": [{"coding": [c.coding("urn:relais:access-ground", ground)], "text": ground}],
        "agent": agents,
        "source": {"observer": observer_reference()},
        "entity": [
            {
                "what": {"reference": f"Patient/{person_id}"},
                "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1"},
            },
            {"what": {"display": what}, **({"description": entry.detail} if entry.detail else {})},
        ],
    }


def _person_of(entry: AccessLogEntry) -> Person | None:
    kind, _sep, pk = entry.subject.partition(":")
    if kind != "persons.person" or not c.number(pk):
        return None
    return Person.objects.filter(pk=int(pk)).first()


def read_audit_event(actor, resource_id: str) -> dict[str, Any] | None:
    entry = AccessLogEntry.objects.filter(pk=c.number(resource_id) or 0).first()
    person = _person_of(entry) if entry else None
    decision = may_see_log(actor, person) if person else None
    if decision is None:
        return None
    c.trace(actor, decision, entry, person.pk, "FHIR AuditEvent read")
    return audit_event_resource(entry, person.pk)


def search_audit_events(actor, params, offset: int, count: int):
    ids = c.patient_ids(params)
    if not ids:
        raise FhirError(400, "required", "patient : paramètre obligatoire (Patient/<id>).", expression="patient")
    entries: list[tuple[AccessLogEntry, int]] = []
    total = 0
    for person in Person.objects.filter(pk__in=ids).order_by("pk"):
        decision = may_see_log(actor, person)
        if decision is None:
            continue
        # The lists the person was seen in too (decision 0047), each with the ground the person was shown on.
        found = list(access_log_for_subject(subject=f"persons.person:{person.pk}"))
        grounds = listing_grounds(subject=f"persons.person:{person.pk}", entries=found)
        total += len(found)
        entries += [(e, person.pk, grounds.get(e.pk)) for e in found]
        c.trace(actor, decision, person, person.pk, "FHIR AuditEvent search")
    page = c.page(entries, offset, count)
    organisations = c.organisations_by_pk(e.organisation_id for e, _, _ in page if e.organisation_id)
    return [audit_event_resource(e, pk, ground, organisations) for e, pk, ground in page], total
