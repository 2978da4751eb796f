"""RelatedPerson: the proxies of a care circle (trusted person, legal guardian, carer), profile CDS FrRelatedPerson.

id = the member's id; identifier ``urn:relais:care-circle-member``; one name with its family name (a proxy recorded
before the name parts existed sends its shown name whole as the family name); telecom the phone, and the e-mail of the
proxy's account; relationship coded in TRE_R260-HL7RoleClass and in Relais's proxy roles (decision 0051).
Category "identity" for reads; adding or changing a proxy needs a referent or coordinator.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.pathway.circle.models import CircleMember, Ground, MemberKind, ProxyRole
from relais.pathway.circle.services import _trace, circle_member_end
from relais.persons.models import Person

from .. import matrix as m
from ..policy import may_manage_circle
from . import common as c

RELATED_SEARCH_PARAMS = [SearchParam("patient", "reference", "Patient/<id> : les proches de cette personne.")]


def period_of(start, end) -> dict[str, Any]:
    period = {"start": start.isoformat()}
    if end:
        period["end"] = end.isoformat()
    return period


def proxy_codings(member: CircleMember) -> list[dict[str, Any]]:
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
        "relationship": [{"coding": proxy_codings(member)}],
        "name": [_proxy_name(member)],
        "period": period_of(member.start, member.end),
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


def require_manager(actor, person: Person, path: str) -> None:
    if not c.ask(actor, person, m.IDENTITY):
        raise FhirError(404, "not-found", f"{path} : Patient/{person.pk} introuvable.", expression=path)
    decision = may_manage_circle(user=actor.user, organisation=actor.organisation, person=person)
    if not decision.allowed:
        raise FhirError(403, "forbidden", decision.message, expression=path)


def _proxy_role(resource: dict[str, Any]) -> str:
    """Relais's code, or a national code mapped to a proxy quality (common.PROXY_ROLE_FROM_CODE); anything else is
    a carer (the narrowest rights, with the trusted person): a legal guardian is recognised only when the sender
    says so."""
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
        added_by=actor.public_label,
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
    require_manager(actor, person, "RelatedPerson.patient")
    return related_person_resource(proxy_add(actor, person, resource))


def update_related_person(actor, resource_id: str, resource: dict[str, Any]) -> dict[str, Any] | None:
    """PUT (the guide's update Bundle): the proxy's name, phone and quality change; a ``period.end`` ends the
    membership at that date. The patient does not change."""
    member = (
        CircleMember.objects.filter(pk=c.number(resource_id) or 0, kind=MemberKind.PROXY)
        .select_related("record__person")
        .first()
    )
    if member is None or actor is None or not c.ask(actor, member.record.person, m.IDENTITY):
        return None
    person = member.record.person
    if c.reference_id(resource.get("patient"), "Patient", "RelatedPerson.patient") != person.pk:
        raise FhirError(
            422,
            "invalid",
            "RelatedPerson.patient : un proche ne change pas de personne.",
            expression="RelatedPerson.patient",
        )
    require_manager(actor, person, "RelatedPerson.patient")
    shown, family, given = _name(resource)
    member.display_name, member.family_name, member.given_name = shown, family, given
    member.phone = _phone(resource) or member.phone
    member.proxy_role = _proxy_role(resource)
    member.full_clean()
    member.save(update_fields=["display_name", "family_name", "given_name", "phone", "proxy_role"])
    _trace(actor, "update", member, person.pk, f"proche modifié par FHIR ({member.proxy_role})")
    end = parse_date(((resource.get("period") or {}).get("end") or "")[:10])
    if end is not None:
        circle_member_end(actor=actor, member=member, end=end)
    return related_person_resource(CircleMember.objects.get(pk=member.pk))
