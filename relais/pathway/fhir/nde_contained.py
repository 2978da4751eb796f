"""What the NdE resources share: the event types, what they carry inside them (``contained``), and how a
contained patient is matched on input.

Event types: the NdE event-type extension (1..1, required binding to JDV_J46) when the kinds share one national
type; otherwise the resource declares the base R4 profile and carries one Relais extension per kind.

The guide's Subscription and CommunicationRequest (nde-subscription, nde-notificationrequest) reference the person,
the emitter and the subscriber or recipient as contained resources (``^type.aggregation = #contained``). Relais puts
in them only what the reader may already see: the person by Relais identifier (no name: notifications carry
initials at most, decision 0020), the professional by RPPS (else the Relais user), a relative as a RelatedPerson,
and Relais itself as the emitting Organization (the platform relays the events of the whole circle).

On input, a contained Patient is matched among the persons whose identity the caller may read in a care circle:
by INS or Relais identifier, otherwise by the strict identity traits (birth or used family name, first given name,
birth date, sex) when exactly one person has them. See decision 0052.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings

from relais.fhir.errors import FhirError
from relais.pathway.events.kinds import RELAIS_EVENT_SYSTEM, person_event_kind
from relais.persons.names import fold

from .. import matrix as m
from . import common as c
from .patient import INS_SYSTEMS

NDE = "https://interop.esante.gouv.fr/ig/fhir/nde/StructureDefinition/"
# The Relais kinds of a subscription or notification that the national value set cannot say (one per kind).
RELAIS_EVENT_TYPE_EXTENSION = "urn:relais:fhir:extension:person-event-type"
PERSON_SYSTEM = "urn:relais:person"
URI_SYSTEM = "urn:ietf:rfc:3986"
SUBJECT_ID, EMITTER_ID, MEMBER_ID = "subject", "relais", "member"
_SEX = {"female": "F", "male": "M", "other": "I", "unknown": "I"}


def national_code(codes: list[str]) -> tuple[str, str, str] | None:
    """The one national event type these kinds share, or None (no kind, or one without, or several types)."""
    kinds = [person_event_kind(code) for code in codes]
    national = {k.event_code for k in kinds if k.national}
    return next(iter(national)) if kinds and len(national) == 1 and all(k.national for k in kinds) else None


def event_types(codes: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """(profile, extensions): the NdE profile with its one event-type, or the base profile with Relais's types."""
    national = national_code(codes)
    if national is not None:
        system, value, display = national
        concept = {"coding": [c.coding(system, value, display)]}
        return "nde", [{"url": NDE + "event-type", "valueCodeableConcept": concept}]
    extensions = []
    for code in codes:
        kind = person_event_kind(code)
        codings = [c.coding(*kind.event_code)]
        if kind.national:  # the Relais kind too: a national type may cover several kinds
            codings.append(c.coding(RELAIS_EVENT_SYSTEM, kind.code, kind.label))
        extensions.append({"url": RELAIS_EVENT_TYPE_EXTENSION, "valueCodeableConcept": {"coding": codings}})
    return "base", extensions


def is_professional(user, organisation_id) -> bool:
    """A member acting for an organisation, or holding an RPPS, is a professional; a relative acts for none."""
    return organisation_id is not None or bool(user.rpps)


def contained_patient(person_id: int) -> dict[str, Any]:
    identifier = {"use": "usual", "system": PERSON_SYSTEM, "value": str(person_id)}
    return {"resourceType": "Patient", "id": SUBJECT_ID, "identifier": [identifier]}


def contained_emitter() -> dict[str, Any]:
    """Relais, which emits every notification (the event's author is a member of the circle, named in Relais)."""
    base = settings.SITE_URL.rstrip("/") + "/fhir"
    return {
        "resourceType": "Organization",
        "id": EMITTER_ID,
        "identifier": [{"system": URI_SYSTEM, "value": base}],
        "name": "Relais",
    }


def contained_member(user, professional: bool) -> dict[str, Any]:
    """The subscriber or recipient: a Practitioner (RPPS, else Relais user), or a RelatedPerson for a relative."""
    name: dict[str, Any] = {"family": user.last_name or user.email}
    if user.first_name:
        name["given"] = [user.first_name]
    if not professional:
        identifier = {"system": c.USER_SYSTEM, "value": str(user.pk)}
        return {
            "resourceType": "RelatedPerson",
            "id": MEMBER_ID,
            "identifier": [identifier],
            "patient": {"reference": f"#{SUBJECT_ID}", "type": "Patient"},
            "name": [name],
        }
    identifier = (
        {"system": c.RPPS_SYSTEM, "value": f"8{user.rpps}"}
        if user.rpps
        else {"system": c.USER_SYSTEM, "value": str(user.pk)}
    )
    return {"resourceType": "Practitioner", "id": MEMBER_ID, "identifier": [identifier], "name": [name]}


def local(resource: dict[str, Any]) -> dict[str, Any]:
    """A reference to a contained resource, typed."""
    return {"reference": f"#{resource['id']}", "type": resource["resourceType"]}


def find_contained(resource: dict[str, Any], reference: str) -> tuple[int, dict[str, Any]] | None:
    target = reference.removeprefix("#")
    for index, item in enumerate(resource.get("contained") or []):
        if isinstance(item, dict) and item.get("id") == target:
            return index, item
    return None


def _traits(patient: dict[str, Any], path: str) -> tuple[set[str], str, date, str]:
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    families = {fold(n.get("family") or "") for n in names} - {""}
    givens = [g for n in names for g in (n.get("given") or [])[:1]]
    raw_birth = patient.get("birthDate") or ""
    try:
        birth = date.fromisoformat(raw_birth)
    except ValueError:
        birth = None
    if not families or not givens or birth is None or patient.get("gender") not in _SEX:
        raise FhirError(
            422,
            "required",
            f"{path} : Patient contenu sans identifiant INS ni traits stricts complets (nom, premier prénom, date de "
            "naissance, sexe) : la personne ne peut pas être identifiée sans risque.",
            expression=path,
        )
    return families, fold(givens[0]), birth, _SEX[patient["gender"]]


def match_contained_patient(actor, patient: dict[str, Any], path: str):
    """The Relais person a contained Patient designates, among those the actor may read; 404 / 422 otherwise."""
    candidates = c.visible_persons(actor, m.IDENTITY)
    for identifier in patient.get("identifier") or []:
        system, value = identifier.get("system"), (identifier.get("value") or "").strip()
        if system in INS_SYSTEMS and value:
            found = [p for p in candidates if p.ins == value]
        elif system == PERSON_SYSTEM and c.number(value):
            found = [p for p in candidates if p.pk == int(value)]
        else:
            continue
        if found:
            return found[0]
        raise FhirError(404, "not-found", f"{path} : aucune personne de vos cercles n'a l'identifiant {value}.")
    families, given, birth, sex = _traits(patient, path)
    found = [
        p
        for p in candidates
        if p.birth_date == birth
        and p.sex == sex
        and families & {fold(p.family_name), fold(p.used_name)}
        and given in {fold(name) for name in [*p.first_names.split()[:1], p.used_first_name] if name}
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise FhirError(404, "not-found", f"{path} : aucune personne de vos cercles n'a ces traits.", expression=path)
    raise FhirError(
        422,
        "multiple-matches",
        f"{path} : plusieurs personnes de vos cercles ont ces traits ; indiquez l'INS ou l'identifiant Relais.",
        expression=path,
    )
