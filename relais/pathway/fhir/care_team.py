"""CareTeam (the care circle, shaped like the ANS "cercle de soins" CareTeam) and RelatedPerson (its proxies).

One CareTeam per coordination record (id = record id). Each participant carries its role (Relais codes) and, in
the complex extension ``urn:relais:fhir:extension:care-circle-access``, the ground of access: ``ground`` (care_team,
consent, legal), ``personInformed`` (care team, CSP L1110-12), ``consent`` (the active Consent resources) and
``objection``. Professionals are logical references (RPPS or Relais user id) with ``onBehalfOf`` their organisation;
proxies are RelatedPerson/<member id>. Category "identity" for reads; adding members needs a referent or coordinator.

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
    ProxyRole,
)
from relais.pathway.circle.services import _trace, circle_professional_add, record_open
from relais.persons.models import Person
from relais.territory.timezones import local_today, organisation_zone

from .. import matrix as m
from ..policy import may_manage_circle
from . import common as c

# National relationship codes mapped to a proxy quality (common.PROXY_ROLE_FROM_CODE); anything else is a carer (the
# narrowest rights, with the trusted person): a legal guardian is only recognised when the sender says so.
SEARCH_PARAMS = [
    SearchParam("_id", "token", "Identifiant du cercle (dossier de coordination)."),
    SearchParam("patient", "reference", "Patient/<id> : le cercle de cette personne."),
    SearchParam("subject", "reference", "Comme patient."),
]
RELATED_SEARCH_PARAMS = [SearchParam("patient", "reference", "Patient/<id> : les proches de cette personne.")]


def _period(start, end) -> dict[str, Any]:
    period = {"start": start.isoformat()}
    if end:
        period["end"] = end.isoformat()
    return period


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
        roles = [{"coding": _proxy_codings(member)}]  # one meaning in two systems
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


# --- RelatedPerson: the proxies -------------------------------------------------------------------------------


def _proxy_codings(member: CircleMember) -> list[dict[str, Any]]:
    own = c.coding(c.PROXY_ROLE_SYSTEM, member.proxy_role, member.get_proxy_role_display())
    return [c.role_class(member.proxy_role), own]


def _proxy_name(member: CircleMember) -> dict[str, Any]:
    """CDS_FrRelatedPerson: one name with a family name. A proxy added before the name parts existed has only its
    shown name: it goes whole into ``family`` (and ``text``), the only place the profile leaves for it."""
    shown = member.display_name or (member.user.get_full_name() if member.user_id else "") or "Proche"
    name: dict[str, Any] = {"text": shown}
    if member.family_name:
        name["family"] = member.family_name
        if member.given_name:
            name["given"] = [member.given_name]
    elif member.user_id and member.user.last_name:
        name["family"] = member.user.last_name
        if member.user.first_name:
            name["given"] = [member.user.first_name]
    else:
        name["family"] = shown
    return name


def _proxy_telecom(member: CircleMember) -> list[dict[str, Any]]:
    telecom = []
    if member.phone:
        telecom.append({"system": c.PHONE_SYSTEM, "value": member.phone})
    if member.user_id and member.user.email:
        telecom.append({"system": "email", "value": member.user.email})
    return telecom


def related_person_resource(member: CircleMember) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": str(member.pk),
        "meta": c.profiled(c.RELATED_PERSON_PROFILE),
        "identifier": [{"system": c.MEMBER_SYSTEM, "value": str(member.pk)}],
        "active": member.end is None or member.end >= timezone.localdate(),
        "patient": {"reference": f"Patient/{member.record.person_id}"},
        "relationship": [{"coding": _proxy_codings(member)}],
        "name": [_proxy_name(member)],
        "period": _period(member.start, member.end),
    }
    telecom = _proxy_telecom(member)
    if telecom:  # required by the profile; a proxy recorded without a phone has none (decision 0051)
        resource["telecom"] = telecom
    return resource


def read_related_person(actor, resource_id: str) -> dict[str, Any] | None:
    member = (
        CircleMember.objects.filter(pk=c.number(resource_id) or 0, kind=MemberKind.PROXY)
        .select_related("record__person")
        .first()
    )
    if member is None or not c.allowed_read(actor, member.record.person, m.IDENTITY, member, "FHIR RelatedPerson"):
        return None
    return related_person_resource(member)


def search_related_persons(actor, params, offset: int, count: int):
    persons = c.visible_persons(actor, m.IDENTITY, c.patient_ids(params))
    members = list(
        CircleMember.objects.filter(kind=MemberKind.PROXY, record__person__in=persons).select_related("record")
    )
    shown = c.page(members, offset, count)
    for member in shown:
        person = member.record.person
        c.trace(actor, c.ask(actor, person, m.IDENTITY), member, person.pk, "FHIR RelatedPerson search")
    return [related_person_resource(member) for member in shown], len(members)


def _require_manager(actor, person: Person, path: str) -> None:
    if not c.ask(actor, person, m.IDENTITY):
        raise FhirError(404, "not-found", f"{path} : Patient/{person.pk} introuvable.", expression=path)
    decision = may_manage_circle(user=actor.user, organisation=actor.organisation, person=person)
    if not decision.allowed:
        raise FhirError(403, "forbidden", decision.message, expression=path)


def _proxy_role(resource: dict[str, Any]) -> str:
    for concept in resource.get("relationship") or []:
        for code in concept.get("coding") or []:
            if code.get("system") == c.PROXY_ROLE_SYSTEM and code.get("code") in ProxyRole.values:
                return code["code"]
            if code.get("code") in c.PROXY_ROLE_FROM_CODE:
                return c.PROXY_ROLE_FROM_CODE[code["code"]]
    return ProxyRole.CARER


def _name(resource: dict[str, Any]) -> tuple[str, str, str]:
    """Shown name, family name and first given name of a received RelatedPerson."""
    name = (resource.get("name") or [{}])[0]
    family = (name.get("family") or "").strip()
    given = " ".join(g for g in name.get("given") or [] if isinstance(g, str)).strip()
    text = name.get("text") or " ".join(part for part in (given, family) if part)
    if name.get("text") and family == text and not given:  # a shown name sent whole as the family name (_proxy_name)
        family = ""
    return (text[:200] or "Proche", family[:100], given[:100])


def _phone(resource: dict[str, Any]) -> str:
    phones = [t.get("value") for t in resource.get("telecom") or [] if t.get("system") == c.PHONE_SYSTEM]
    return next((p.strip()[:30] for p in phones if isinstance(p, str) and p.strip()), "")


def proxy_add(actor, person: Person, resource: dict[str, Any], period: dict | None = None) -> CircleMember:
    """A proxy (trusted person, legal guardian, carer) joins the circle; their quality is their ground."""
    period = resource.get("period") or period or {}
    start = parse_date((period.get("start") or "")[:10]) or timezone.localdate()
    end = parse_date((period.get("end") or "")[:10]) if period.get("end") else None
    shown, family, given = _name(resource)
    member = CircleMember(
        record=person.coordination_record,
        kind=MemberKind.PROXY,
        proxy_role=_proxy_role(resource),
        display_name=shown,
        family_name=family,
        given_name=given,
        phone=_phone(resource),
        ground=Ground.LEGAL,
        start=start,
        end=end,
        added_by=actor.label,
    )
    member.full_clean()
    member.save()
    _trace(actor, "create", member, person.pk, f"ajout d'un proche ({member.proxy_role}) par FHIR")
    return member


def create_related_person(actor, resource: dict[str, Any]) -> dict[str, Any]:
    pk = c.reference_id(resource.get("patient"), "Patient", "RelatedPerson.patient")
    person = Person.objects.filter(pk=pk, merged_into__isnull=True).first()
    if person is None:
        raise FhirError(404, "not-found", f"RelatedPerson.patient : Patient/{pk} introuvable.")
    _require_manager(actor, person, "RelatedPerson.patient")
    return related_person_resource(proxy_add(actor, person, resource))


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
    raw = (participant.get("onBehalfOf") or {}).get("reference", "")
    if raw.startswith("Organization/relais-") and c.number(raw.rpartition("-")[2]):
        pk = int(raw.rpartition("-")[2])
        return Organisation.objects.filter(pk=pk, memberships__user=user, memberships__is_active=True).first()
    memberships = list(user.memberships.filter(is_active=True).select_related("organisation")[:2])
    return memberships[0].organisation if len(memberships) == 1 else None


def _add_professional(actor, person, participant, path: str) -> None:
    user = _user(participant.get("member") or {})
    organisation = _organisation(participant, user) if user else None
    if user is None or organisation is None:
        raise LookupError
    record = person.coordination_record
    if record.members.filter(user=user, organisation=organisation, end__isnull=True).exists():
        return  # already a member: a CareTeam sent back as read adds nothing
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
        _require_manager(actor, person, "CareTeam.subject")
    contained = {f"#{r.get('id')}": r for r in resource.get("contained") or [] if r.get("id")}
    notes = []
    for index, participant in enumerate(resource.get("participant") or []):
        path = f"CareTeam.participant[{index}]"
        member_ref = participant.get("member") or {}
        reference = member_ref.get("reference", "")
        if reference in contained and contained[reference].get("resourceType") == "RelatedPerson":
            proxy_add(actor, person, contained[reference], participant.get("period"))
            continue
        if reference.startswith("RelatedPerson/") and record.members.filter(
            pk=c.number(reference.partition("/")[2]) or 0, kind=MemberKind.PROXY
        ):
            continue
        try:
            _add_professional(actor, person, participant, path)
        except LookupError:
            shown = reference or member_ref.get("display") or "participant sans référence"
            notes.append(
                f"{path}.member ({shown}) non ajouté : aucun compte Relais ne lui correspond ; l'accès n'est "
                "accordé qu'à des professionnels identifiés (CSP L1110-4) ou à des proches."
            )
    return care_team_resource(CoordinationRecord.objects.get(pk=record.pk), notes)
