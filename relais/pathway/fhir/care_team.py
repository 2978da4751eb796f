"""CareTeam: the care circle, profile ANS CDS CareTeam (its proxies, RelatedPerson, are in related_person.py).

One CareTeam per coordination record (id = record id). Each participant carries its roles (the national TRE_R260
code and Relais's) and, in the complex extension ``urn:relais:fhir:extension:care-circle-access``, the ground of
access: ``ground`` (care_team, consent, legal), ``personInformed`` (care team, CSP L1110-12), ``consent`` (the active
Consent resources, with what each covers) and ``objection``. Professionals are logical PractitionerRole references
(RPPS or Relais user id) with ``onBehalfOf`` their organisation; proxies are RelatedPerson/<member id>. Category
"identity" for reads; adding members needs a referent or coordinator.

On input (create) unknown participants are not guessed: an Organization alone or a reference that matches no Relais
account grants no access (access is for identified professionals, L1110-4) and the response says so in ``note``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from relais.accounts.models import Organisation, User
from relais.audit.models import AccessLogEntry
from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.orientation.policy import persons_visible_to
from relais.pathway.circle.models import (
    CircleMember,
    CircleRole,
    CoordinationRecord,
    Ground,
    MemberKind,
    Objection,
)
from relais.pathway.circle.services import circle_member_end, circle_professional_add, record_open
from relais.persons.models import Person
from relais.territory.timezones import local_today, organisation_zone

from .. import matrix as m
from . import common as c
from .related_person import period_of as _period
from .related_person import proxy_add, proxy_codings, require_manager

SEARCH_PARAMS = [
    SearchParam("_id", "token", "Identifiant du cercle (dossier de coordination)."),
    SearchParam("patient", "reference", "Patient/<id> : le cercle de cette personne."),
    SearchParam("subject", "reference", "Comme patient."),
]


def _access_extension(member: CircleMember, objections: list[Objection]) -> dict[str, Any]:
    subs: list[dict[str, Any]] = [
        {"url": "ground", "valueCoding": c.coding(c.GROUND_SYSTEM, member.ground, member.get_ground_display())}
    ]
    if member.person_informed_at:
        subs.append({"url": "personInformed", "valueDateTime": c.instant(member.person_informed_at)})
    for consent in member.consents.all():
        if consent.revoked_at is None:
            subs.append({"url": "consent", "valueReference": {"reference": f"Consent/{consent.pk}"}})
            # What the consent covers, as a CareTeam create reads it: the circle travels whole in one resource.
            subs.extend({"url": "consentScope", "valueCode": category} for category in consent.scope)
            subs.append({"url": "consentMethod", "valueCode": consent.method})
            subs.append({"url": "consentGivenBy", "valueString": consent.given_by})
    for objection in objections:
        if member.ground == Ground.CARE_TEAM and objection.member_id in (None, member.pk):
            subs.append({"url": "objection", "valueDateTime": c.instant(objection.at)})
    return {"url": c.ACCESS_EXTENSION, "extension": subs}


def _participant(member: CircleMember, objections: list[Objection]) -> dict[str, Any]:
    if member.kind == MemberKind.PROFESSIONAL:
        national = c.role_class("health_professional" if member.user.rpps else "professional")
        own = c.coding(c.CIRCLE_ROLE_SYSTEM, member.circle_role, member.get_circle_role_display())
        roles = [{"coding": [national]}, {"coding": [own]}]  # two meanings: two concepts
    else:
        roles = [{"coding": proxy_codings(member)}]  # one meaning in two systems
    participant: dict[str, Any] = {
        "id": f"member-{member.pk}",
        "extension": [_access_extension(member, objections)],
        "role": roles,
        "member": c.member_reference(member),
    }
    if member.kind == MemberKind.PROFESSIONAL:
        participant["onBehalfOf"] = c.organisation_reference(member.organisation)
    participant["period"] = _period(member.start, member.end)
    return participant


def care_team_resource(record: CoordinationRecord, notes: list[str] | None = None) -> dict[str, Any]:
    person = record.person
    objections = list(record.objections.filter(withdrawn_at__isnull=True))
    members = record.members.select_related("user", "organisation").prefetch_related("consents")
    resource: dict[str, Any] = {
        "resourceType": "CareTeam",
        "id": str(record.pk),
        "meta": c.profiled(c.CARE_TEAM_PROFILE),
        "identifier": [{"system": "urn:relais:coordination-record", "value": str(record.pk)}],
        "status": "inactive" if record.closed_at else "active",
        "name": f"Cercle de soins de {person.first_names.split()[0]} {person.used_name or person.family_name}",
        "subject": {"reference": f"Patient/{person.pk}"},
        "period": _period(timezone.localtime(record.opened_at).date(), record.closed_at and record.closed_at.date()),
        "participant": [_participant(member, objections) for member in members],
        "managingOrganization": [c.organisation_reference(record.opened_by_organisation)],
    }
    if notes:
        resource["note"] = [{"text": note} for note in notes]
    return resource


def read_care_team(actor, resource_id: str) -> dict[str, Any] | None:
    record = CoordinationRecord.objects.filter(pk=c.number(resource_id) or 0).select_related("person").first()
    if record is None or not c.allowed_read(actor, record.person, m.IDENTITY, record, "FHIR CareTeam read"):
        return None
    return care_team_resource(record)


def search_care_teams(actor, params, offset: int, count: int):
    persons = c.visible_persons(actor, m.IDENTITY, c.patient_ids(params))
    records = [p.coordination_record for p in persons]
    for value in params.get("_id", []):
        ids = {c.number(v.strip()) for v in value.split(",")}
        records = [r for r in records if r.pk in ids]
    shown = c.page(records, offset, count)
    for record in shown:
        c.trace(actor, c.ask(actor, record.person, m.IDENTITY), record, record.person_id, "FHIR CareTeam search")
    return [care_team_resource(r) for r in shown], len(records)


# --- CareTeam create: open the record and add the participants it names ------------------------------------------


def _knows_person(actor, person: Person) -> bool:
    """An organisation opens a record for a person it created or follows in orientation (no circle exists yet)."""
    created = AccessLogEntry.objects.filter(
        subject=f"persons.person:{person.pk}", action="create", organisation_id=actor.organisation.pk
    ).exists()
    return created or persons_visible_to(actor).filter(pk=person.pk).exists()


def _access(participant: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    subs: dict[str, list[dict[str, Any]]] = {}
    for extension in participant.get("extension") or []:
        if extension.get("url") == c.ACCESS_EXTENSION:
            for sub in extension.get("extension") or []:
                subs.setdefault(sub.get("url", ""), []).append(sub)
    return subs


def _user(member_ref: dict[str, Any]) -> User | None:
    identifier = member_ref.get("identifier") or {}
    system, value = identifier.get("system"), identifier.get("value") or ""
    if system == c.USER_SYSTEM and c.number(value):
        return User.objects.filter(pk=int(value), is_active=True).first()
    if system == c.RPPS_SYSTEM and value:
        return User.objects.filter(rpps=value.removeprefix("8"), is_active=True).first()
    return None


def _organisation(participant: dict[str, Any], user: User) -> Organisation | None:
    named = c.organisation_from_reference(participant.get("onBehalfOf"))
    if named is not None:
        return Organisation.objects.filter(pk=named.pk, memberships__user=user, memberships__is_active=True).first()
    memberships = list(user.memberships.filter(is_active=True).select_related("organisation")[:2])
    return memberships[0].organisation if len(memberships) == 1 else None


def _add_professional(actor, person, participant, path: str) -> None:
    user = _user(participant.get("member") or {})
    organisation = _organisation(participant, user) if user else None
    if user is None or organisation is None:
        raise LookupError
    record = person.coordination_record
    current = record.members.filter(user=user, organisation=organisation, end__isnull=True).first()
    if current is not None:  # already a member: a CareTeam sent back as read adds nothing; an end ends it
        _end_if_asked(actor, current, participant)
        return
    access = _access(participant)
    ground = ((access.get("ground") or [{}])[0].get("valueCoding") or {}).get("code")
    if ground not in (Ground.CARE_TEAM, Ground.CONSENT):
        raise FhirError(
            422,
            "required",
            f"{path}.extension : indiquez le fondement de l'accès (extension {c.ACCESS_EXTENSION}, "
            "sous-extension ground = care_team ou consent).",
            expression=f"{path}.extension",
        )
    informed = (access.get("personInformed") or [{}])[0].get("valueDateTime")
    consent = None
    if ground == Ground.CONSENT:
        consent = {
            "scope": [s.get("valueCode") for s in access.get("consentScope", [])],
            "method": (access.get("consentMethod") or [{}])[0].get("valueCode", ""),
            "given_by": (access.get("consentGivenBy") or [{}])[0].get("valueString", ""),
        }
    roles = [code.get("code") for role in participant.get("role") or [] for code in role.get("coding") or []]
    role = next((r for r in roles if r in CircleRole.values), CircleRole.MEMBER)
    start = parse_date(((participant.get("period") or {}).get("start") or "")[:10])
    try:
        circle_professional_add(
            actor=actor,
            person=person,
            user=user,
            organisation=organisation,
            circle_role=role,
            ground=ground,
            informed_at=parse_datetime(informed) if informed else None,
            consent=consent,
            start=start if start and start <= local_today(organisation_zone(actor.organisation)) else None,
        )
    except (ValidationError, PermissionDenied) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if "informed_at" in getattr(exc, "message_dict", {}):  # e.g. informed in the future (decision 0034)
            expression = f"{path}.extension({c.ACCESS_EXTENSION}).extension(personInformed)"
            raise FhirError(422, "business-rule", f"{expression} : {message}", expression=expression) from None
        raise FhirError(422, "business-rule", f"{path} : {message}", expression=path) from None


def _opener(actor, resource: dict[str, Any]):
    """When the sender is itself a participant of the CareTeam it creates (a circle Relais sent, coming back), the
    date the person was informed and the start of its membership: the opener's own, not today's."""
    for participant in resource.get("participant") or []:
        user = _user(participant.get("member") or {})
        if user is not None and user.pk == actor.user.pk:
            informed = (_access(participant).get("personInformed") or [{}])[0].get("valueDateTime")
            start = parse_date(((participant.get("period") or {}).get("start") or "")[:10])
            today = local_today(organisation_zone(actor.organisation))
            return (parse_datetime(informed) if informed else None), (start if start and start <= today else None)
    return None, None


def create_care_team(actor, resource: dict[str, Any]) -> dict[str, Any]:
    if actor is None or actor.user is None:
        raise FhirError(403, "forbidden", "Seul·e un·e professionnel·le identifié·e gère un cercle de soins.")
    pk = c.reference_id(resource.get("subject"), "Patient", "CareTeam.subject")
    person = Person.objects.filter(pk=pk, merged_into__isnull=True).first()
    record = CoordinationRecord.objects.filter(person=person).first() if person else None
    if person is None or (record is None and not _knows_person(actor, person)):
        raise FhirError(
            404, "not-found", f"CareTeam.subject : Patient/{pk} introuvable.", expression="CareTeam.subject"
        )
    if record is None:
        informed, start = _opener(actor, resource)
        try:
            record = record_open(actor=actor, person=person, informed_at=informed, start=start)
        except PermissionDenied as exc:
            raise FhirError(403, "forbidden", str(exc)) from None
    else:
        require_manager(actor, person, "CareTeam.subject")
    notes = _apply_participants(actor, person, record, resource)
    return care_team_resource(CoordinationRecord.objects.get(pk=record.pk), notes)


def update_care_team(actor, resource_id: str, resource: dict[str, Any]) -> dict[str, Any] | None:
    """PUT (the guide's update Bundle, CDS_BundleTransactionMAJ): participants not yet members join, a participant
    whose ``period.end`` is given leaves at that date. A member the CareTeam no longer lists is NOT ended: ending
    someone's access is said explicitly (decision 0051)."""
    if actor is None or actor.user is None:
        raise FhirError(403, "forbidden", "Seul·e un·e professionnel·le identifié·e gère un cercle de soins.")
    record = CoordinationRecord.objects.filter(pk=c.number(resource_id) or 0).select_related("person").first()
    if record is None or not c.ask(actor, record.person, m.IDENTITY):
        return None
    if c.reference_id(resource.get("subject"), "Patient", "CareTeam.subject") != record.person_id:
        raise FhirError(
            422, "invalid", "CareTeam.subject : un cercle ne change pas de personne.", expression="CareTeam.subject"
        )
    require_manager(actor, record.person, "CareTeam")
    notes = _apply_participants(actor, record.person, record, resource)
    return care_team_resource(CoordinationRecord.objects.get(pk=record.pk), notes)


def _end_if_asked(actor, member: CircleMember, participant: dict[str, Any]) -> None:
    end = parse_date(((participant.get("period") or {}).get("end") or "")[:10])
    if end is not None:
        circle_member_end(actor=actor, member=member, end=end)


def _apply_participants(actor, person: Person, record: CoordinationRecord, resource: dict[str, Any]) -> list[str]:
    contained = {f"#{r.get('id')}": r for r in resource.get("contained") or [] if r.get("id")}
    notes = []
    for index, participant in enumerate(resource.get("participant") or []):
        path = f"CareTeam.participant[{index}]"
        member_ref = participant.get("member") or {}
        reference = member_ref.get("reference", "")
        if reference in contained and contained[reference].get("resourceType") == "RelatedPerson":
            proxy_add(actor, person, contained[reference], participant.get("period"))
            continue
        if reference.startswith("RelatedPerson/"):
            proxy = record.members.filter(pk=c.number(reference.partition("/")[2]) or 0, kind=MemberKind.PROXY)
            if proxy.exists():
                _end_if_asked(actor, proxy.get(), participant)
                continue
        try:
            _add_professional(actor, person, participant, path)
        except LookupError:
            shown = reference or member_ref.get("display") or "participant sans référence"
            notes.append(
                f"{path}.member ({shown}) non ajouté : aucun compte Relais ne lui correspond ; l'accès n'est "
                "accordé qu'à des professionnels identifiés (CSP L1110-4) ou à des proches."
            )
    return notes
