"""What every pathway FHIR resource shares: the policy check, read tracing, codes and reference helpers.

Every read and search asks ``policy.decide`` for the person the resource is about; a refusal answers exactly like
a missing id (None → 404) and search totals count only what the policy allows. Circle membership is held by
identified professionals (CSP L1110-4), so a machine client (API token, no user) sees nothing here.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from relais.audit.services import access_log_record
from relais.fhir.errors import FhirError
from relais.offer.fhir.organization_reference import (
    organisation_from_reference,
    organisations_by_pk,
    organization_reference,
    organization_reference_to,
)
from relais.pathway.circle.models import CircleMember, CoordinationRecord
from relais.persons.models import Person

from .. import matrix as m
from ..policy import Decision, decide

# Relais's own code systems and extensions (no national equivalent for the ground of access).
GROUND_SYSTEM = "urn:relais:care-circle-ground"
CIRCLE_ROLE_SYSTEM = "urn:relais:care-circle-role"
PROXY_ROLE_SYSTEM = "urn:relais:care-circle-proxy-role"
CATEGORY_SYSTEM = "urn:relais:data-category"
MEMBER_SYSTEM = "urn:relais:care-circle-member"
USER_SYSTEM = "urn:relais:user"
ACCESS_EXTENSION = "urn:relais:fhir:extension:care-circle-access"
CONSENT_METHOD_EXTENSION = "urn:relais:fhir:extension:consent-method"
CONSENT_COLLECTOR_EXTENSION = "urn:relais:fhir:extension:consent-collected-by"
RPPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"  # IdNatPS (8 + RPPS)
PHONE_SYSTEM = "phone"

# Profiles (decision 0051). The care circle follows the ANS guide "Gestion du cercle de soins"; the plan, the consent
# and the stays have no national profile: they declare the base R4 profile of their type.
CDS = "https://interop.esante.gouv.fr/ig/fhir/cds/StructureDefinition/"
CARE_TEAM_PROFILE = CDS + "cds-ihe-careteam"
RELATED_PERSON_PROFILE = CDS + "cds-fr-related-person"
BASE_PROFILE = "http://hl7.org/fhir/StructureDefinition/"
CARE_PLAN_PROFILE = BASE_PROFILE + "CarePlan"
GOAL_PROFILE = BASE_PROFILE + "Goal"
CONSENT_PROFILE = BASE_PROFILE + "Consent"
ENCOUNTER_PROFILE = BASE_PROFILE + "Encounter"
TASK_PROFILE = BASE_PROFILE + "Task"

# Roles of the care-circle members from the national code system the careteam-roles value set includes
# (TRE_R260-HL7RoleClass, version 20240426120000): what a partner reads; Relais's own role travels beside it.
ROLE_CLASS_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R260-HL7RoleClass/FHIR/TRE-R260-HL7RoleClass"
ROLE_CLASS = {
    "trusted_person": ("NOK", "personne de confiance"),
    "legal_guardian": ("GUARD", "Responsable légal"),
    "carer": ("CAREGIVER", "Aidant"),
    "health_professional": ("PROV", "Professionnel de santé"),
    "professional": ("AGNT", "Professionnel caractérisé par son rôle"),
}
# Received national codes → Relais proxy quality ("POWATT", power of attorney, from HL7 v3 RoleCode).
PROXY_ROLE_FROM_CODE = {"NOK": "trusted_person", "GUARD": "legal_guardian", "POWATT": "legal_guardian"}


def profiled(profile: str) -> dict[str, Any]:
    return {"profile": [profile]}


ACCESS_GROUND = "care_circle"  # access log ground prefix; the deciding rule follows

_NUMERIC = re.compile(r"^[0-9]{1,12}$")


def number(resource_id: str) -> int | None:
    return int(resource_id) if _NUMERIC.match(resource_id or "") else None


def instant(value) -> str:
    return timezone.localtime(value).isoformat()


def ask(actor, person, category: str, action: str = m.READ) -> Decision:
    user = getattr(actor, "user", None) if actor is not None else None
    organisation = getattr(actor, "organisation", None) if actor is not None else None
    return decide(user=user, organisation=organisation, person=person, category=category, action=action)


def trace(actor, decision: Decision, obj, person_id: int, detail: str, action: str = "read") -> None:
    access_log_record(
        actor=actor,
        action=action,
        obj=obj,
        subject=f"persons.person:{person_id}",
        ground=f"{ACCESS_GROUND}:{decision.rule}",
        detail=detail,
    )


def allowed_read(actor, person, category: str, obj, detail: str) -> bool:
    """Decide and, when allowed, trace the read with the rule that allowed it."""
    decision = ask(actor, person, category)
    if decision.allowed:
        trace(actor, decision, obj, person.pk, detail)
    return decision.allowed


def candidate_records(actor):
    """Records where the actor's user is (or was) a member: the only ones ``decide`` can allow."""
    user = getattr(actor, "user", None) if actor is not None else None
    if user is None:
        return CoordinationRecord.objects.none()
    return CoordinationRecord.objects.filter(members__user=user).distinct().select_related("person").order_by("pk")


def visible_persons(actor, category: str, person_ids: set[int] | None = None) -> list[Person]:
    """Persons the actor may read ``category`` of, optionally among ``person_ids`` (search ?patient=)."""
    records = candidate_records(actor)
    if person_ids is not None:
        records = records.filter(person_id__in=person_ids)
    return [r.person for r in records if ask(actor, r.person, category)]


def patient_ids(params: dict[str, list[str]], name: str = "patient") -> set[int] | None:
    """The person ids of a reference search parameter (``Patient/12`` or ``12``); None when absent."""
    values = [(key, v) for key in (name, "subject") for value in params.get(key, []) for v in value.split(",")]
    if not values:
        return None
    ids = set()
    for key, value in values:  # the error names the parameter the value came in
        raw = value.strip().removeprefix("Patient/")
        pk = number(raw)
        if pk is None:
            raise FhirError(400, "invalid", f"{key} : référence de patient invalide « {value} ».", expression=key)
        ids.add(pk)
    return ids


def page(items: list, offset: int, count: int) -> list:
    return items[offset : offset + count]


def reference_id(reference: dict[str, Any] | None, type_name: str, path: str) -> int:
    """The local id of ``{"reference": "Type/12"}``; 422 naming ``path`` otherwise."""
    raw = (reference or {}).get("reference", "")
    prefix = f"{type_name}/"
    pk = number(raw[len(prefix) :]) if raw.startswith(prefix) else None
    if pk is None:
        raise FhirError(
            422, "invalid", f"{path} : référence {type_name}/<id> de Relais attendue, reçu « {raw} ».", expression=path
        )
    return pk


def person_for_write(actor, reference: dict[str, Any] | None, path: str, category: str) -> tuple[Person, Decision]:
    """The person a created resource is about, who must have a record the actor may write ``category`` of.

    A person the actor may not even read answers 404 like a missing one; one they read but may not write, 403."""
    pk = reference_id(reference, "Patient", path)
    person = Person.objects.filter(pk=pk, merged_into__isnull=True).first()
    if person is None or not ask(actor, person, m.IDENTITY):
        raise FhirError(404, "not-found", f"{path} : Patient/{pk} introuvable.", expression=path)
    decision = ask(actor, person, category, m.WRITE)
    if not decision.allowed:
        raise FhirError(403, "forbidden", decision.message, expression=path)
    return person, decision


def coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


# Where /fhir/Organization serves an organisation (its FINESS id for a directory entry): one helper for every resource.
organisation_reference = organization_reference
organisation_reference_to = organization_reference_to
organisations_by_pk = organisations_by_pk
organisation_from_reference = organisation_from_reference


def member_display(member: CircleMember) -> str:
    if member.user_id:
        return member.user.get_full_name() or member.user.email
    return member.display_name or member.get_proxy_role_display()


def professional_reference(member: CircleMember) -> dict[str, Any]:
    """A professional as a logical reference to their practice (PractitionerRole, as CDS_IHECareTeam expects):
    Relais does not serve PractitionerRole; the identifier is the professional's RPPS (IdNatPS) when known."""
    user = member.user
    identifier = (
        {"system": RPPS_SYSTEM, "value": f"8{user.rpps}"}
        if user.rpps
        else {"system": USER_SYSTEM, "value": str(user.pk)}
    )
    return {"type": "PractitionerRole", "identifier": identifier, "display": member_display(member)}


def role_class(key: str) -> dict[str, Any]:
    code, display = ROLE_CLASS[key]
    return coding(ROLE_CLASS_SYSTEM, code, display)


def member_reference(member: CircleMember) -> dict[str, Any]:
    if member.user_id and member.kind == "professional":
        return professional_reference(member)
    return {"reference": f"RelatedPerson/{member.pk}", "display": member_display(member)}
