"""Consent: the person's consent to share with one member of the circle outside the care team (CSP L1110-4).

Scope: the data categories, as ``provision.code`` (system ``urn:relais:data-category``); the member as
``provision.actor.reference.identifier`` (system ``urn:relais:care-circle-member``); who gave it as
``performer.display``; the method and the collector as Relais extensions. A revoked consent is ``status = inactive``
with ``provision.period.end`` = the revocation. Reads: category "identity"; create: a referent or coordinator.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.fhir.shared import TypePart
from relais.pathway.circle.models import CircleMember, Consent, ConsentMethod, MemberKind
from relais.pathway.circle.services import consent_record

from .. import matrix as m
from . import common as c

SEARCH_PARAMS = [
    SearchParam("patient", "reference", "Patient/<id> : les consentements de cette personne."),
    SearchParam("status", "token", "active ou inactive (retiré)."),
]
_SCOPE = {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
_CATEGORY = {"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}
_RECIPIENT = {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}


def consent_resource(consent: Consent) -> dict[str, Any]:
    member = consent.member
    period = {"start": c.instant(consent.collected_at)}
    if consent.revoked_at:
        period["end"] = c.instant(consent.revoked_at)
    actor_ref = c.member_reference(member)
    actor_ref = {**actor_ref, "identifier": {"system": c.MEMBER_SYSTEM, "value": str(member.pk)}}
    actor_ref.pop("reference", None)
    return {
        "resourceType": "Consent",
        "id": str(consent.pk),
        "meta": c.profiled(c.CONSENT_PROFILE),
        "extension": [
            {"url": c.CONSENT_METHOD_EXTENSION, "valueCode": consent.method},
            {"url": c.CONSENT_COLLECTOR_EXTENSION, "valueString": consent.collected_by},
        ],
        "status": "inactive" if consent.revoked_at else "active",
        "scope": {"coding": [_SCOPE]},
        "category": [{"coding": [_CATEGORY]}],
        "patient": {"reference": f"Patient/{member.record.person_id}"},
        "dateTime": c.instant(consent.collected_at),
        "performer": [{"display": consent.given_by}],
        "policyRule": {"text": "CSP L1110-4 : partage hors équipe de soins avec le consentement préalable"},
        "provision": {
            "type": "permit",
            "period": period,
            "actor": [{"role": {"coding": [_RECIPIENT]}, "reference": actor_ref}],
            "code": [
                {"coding": [c.coding(c.CATEGORY_SYSTEM, category, m.CATEGORIES[category])]}
                for category in consent.scope
                if category in m.CATEGORIES
            ],
        },
    }


def _queryset():
    return Consent.objects.select_related("member__record", "member__user")


def read_consent(actor, resource_id: str) -> dict[str, Any] | None:
    consent = _queryset().filter(pk=c.number(resource_id) or 0).first()
    if consent is None:
        return None
    person = consent.member.record.person
    if not c.allowed_read(actor, person, m.IDENTITY, consent, "FHIR Consent read"):
        return None
    return consent_resource(consent)


def search_consents(actor, params, offset: int, count: int):
    persons = c.visible_persons(actor, m.IDENTITY, c.patient_ids(params))
    consents = list(_queryset().filter(member__record__person__in=persons).order_by("pk"))
    for value in params.get("status", []):
        wanted = {v.strip() for v in value.split(",")}
        consents = [x for x in consents if ("inactive" if x.revoked_at else "active") in wanted]
    shown = c.page(consents, offset, count)
    for consent in shown:
        person = consent.member.record.person
        c.trace(actor, c.ask(actor, person, m.IDENTITY), consent, person.pk, "FHIR Consent search")
    return [consent_resource(x) for x in shown], len(consents)


def create_consent(actor, resource: dict[str, Any]) -> dict[str, Any]:
    person, _decision = c.person_for_write(actor, resource.get("patient"), "Consent.patient", m.IDENTITY)
    provision = resource.get("provision") or {}
    actors = provision.get("actor") or []
    identifier = ((actors[0].get("reference") or {}).get("identifier") or {}) if actors else {}
    path = "Consent.provision.actor[0].reference.identifier"
    member = None
    if identifier.get("system") == c.MEMBER_SYSTEM:
        member = CircleMember.objects.filter(
            pk=c.number(identifier.get("value", "")) or 0, record__person=person, kind=MemberKind.PROFESSIONAL
        ).first()
    if member is None:
        raise FhirError(
            422, "invalid", f"{path} : membre du cercle attendu (système {c.MEMBER_SYSTEM}).", expression=path
        )
    scope = [
        code.get("code")
        for concept in provision.get("code") or []
        for code in concept.get("coding") or []
        if code.get("system") == c.CATEGORY_SYSTEM
    ]
    method = next(
        (e.get("valueCode") for e in resource.get("extension") or [] if e.get("url") == c.CONSENT_METHOD_EXTENSION),
        None,
    )
    if method not in ConsentMethod.values:
        raise FhirError(
            422,
            "required",
            f"Consent.extension : méthode de recueil ({c.CONSENT_METHOD_EXTENSION}) : "
            f"{', '.join(ConsentMethod.values)}.",
            expression="Consent.extension",
        )
    given_by = ((resource.get("performer") or [{}])[0].get("display") or "").strip()
    if not given_by:
        raise FhirError(
            422,
            "required",
            "Consent.performer[0].display : qui a donné le consentement.",
            expression="Consent.performer",
        )
    collected_at = None
    if resource.get("dateTime"):
        raw = str(resource["dateTime"])
        day = parse_date(raw) if "T" not in raw else None  # a date alone: its first minute, never in the future
        collected_at = datetime.combine(day, time.min) if day else parse_datetime(raw)
        if collected_at is not None and timezone.is_naive(collected_at):
            collected_at = timezone.make_aware(collected_at)
        if collected_at is None:
            raise FhirError(
                422,
                "invalid",
                f"Consent.dateTime : date « {raw} » illisible.",
                expression="Consent.dateTime",
            )
    try:
        consent = consent_record(
            actor=actor, member=member, scope=scope, method=method, given_by=given_by, collected_at=collected_at
        )
    except PermissionDenied as exc:
        raise FhirError(403, "forbidden", str(exc)) from None
    except ValidationError as exc:
        if "collected_at" in getattr(exc, "message_dict", {}):  # collected in the future (decision 0034)
            text = "; ".join(exc.message_dict["collected_at"])
            raise FhirError(422, "business-rule", f"Consent.dateTime : {text}", expression="Consent.dateTime") from None
        raise FhirError(422, "business-rule", "Consent : " + "; ".join(exc.messages), expression="Consent") from None
    return consent_resource(consent)


# One part of the shared type Consent (relais.fhir.shared); the SI-SDO's ESMS agreements are the other (esms-<n>).
CIRCLE_CONSENT_PART = TypePart(
    name="cercle de soins",
    owns_id=lambda resource_id: c.number(resource_id) is not None,
    read=read_consent,
    search=search_consents,
    search_params=tuple(SEARCH_PARAMS),
    create=create_consent,
    profile=c.CONSENT_PROFILE,
    documentation="Consentement de la personne au partage avec un membre hors équipe de soins (CSP L1110-4).",
)
