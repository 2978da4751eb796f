"""Event notification following the ANS guide "Notification d'événements" (NdE): Subscription, CommunicationRequest.

Subscription: a member's subscription to the events of one person (``relais.notifications.models.Subscription``).
Each member sees and writes only their own; the person must be one whose identity they may read in the circle.
Created in the NdE shape (``nde__Subscription-sub1.json``): the person from the ``subject`` extension, a contained
Patient matched by INS, Relais identifier or strict traits (``nde_contained``), or ``Patient/<id>``, or from
``criteria`` (``CommunicationRequest?subject=Patient/12&event-type=SOR``); the kinds from ``event-type`` extensions
and ``criteria`` (a national code follows every Relais kind that maps to it); ``status`` requested/active (follow)
or off (stop following: Relais has no FHIR update or delete, a new Subscription for the same person replaces the
member's choice); ``channel.type`` email or message (in Relais only); an ``end`` already past is refused.

CommunicationRequest (one per notification of a person event): ``nde_request``.

Both declare the NdE profile only when they satisfy it: one event type of the national value set (JDV_J46). A
subscription to all kinds, to kinds of several national types or to a kind the national list lacks, and the
notification of such a kind, declare the base R4 profile and carry their types in Relais's own extension
(decision 0052).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.notifications.models import Subscription, SubscriptionChannel
from relais.pathway.events.kinds import (
    person_event_kind,
    person_event_kinds_by_event_code,
)
from relais.pathway.events.subscriptions import subscription_off, subscription_set
from relais.persons.models import Person

from .. import matrix as m
from . import common as c
from . import nde_contained as nc
from . import nde_request

NDE = nc.NDE
SUBSCRIPTION_PROFILE = NDE + "nde-subscription"
BASE_SUBSCRIPTION_PROFILE = "http://hl7.org/fhir/StructureDefinition/Subscription"
SUBSCRIPTION_SEARCH = [
    SearchParam("patient", "reference", "Patient/<id> : mes abonnements aux événements de cette personne."),
    SearchParam("status", "token", "active ou off."),
]
_CHANNELS = {SubscriptionChannel.EMAIL: "email", SubscriptionChannel.IN_APP: "message"}


def subscription_resource(row: Subscription) -> dict[str, Any]:
    codes = sorted({person_event_kind(code).event_code[1] for code in row.kinds})
    criteria = f"CommunicationRequest?subject=Patient/{row.person_id}"
    patient, emitter = nc.contained_patient(row.person_id), nc.contained_emitter()
    member = nc.contained_member(row.user, nc.is_professional(row.user, row.organisation_id))
    profile, event_types = nc.event_types(list(row.kinds))
    extension = [
        {"url": NDE + "start", "valueDateTime": c.instant(row.created_at)},
        {"url": NDE + "subject", "valueReference": nc.local(patient)},
        {"url": NDE + "declarant", "valueReference": nc.local(emitter)},
        *event_types,
        {"url": NDE + "subscriber", "valueReference": nc.local(member)},
        {"url": NDE + "subscription-date", "valueDateTime": c.instant(row.updated_at)},
    ]
    channel = {"type": _CHANNELS[row.channel]}
    if row.channel == SubscriptionChannel.EMAIL and row.user.email:
        channel["endpoint"] = f"mailto:{row.user.email}"
    resource = {
        "resourceType": "Subscription",
        "id": str(row.pk),
        "meta": {"profile": [SUBSCRIPTION_PROFILE if profile == "nde" else BASE_SUBSCRIPTION_PROFILE]},
        "contained": [patient, emitter, member],
        "extension": extension,
        "status": row.status,
        "reason": row.reason or "Suivi des événements du dossier de coordination",
        "criteria": criteria + (f"&event-type={','.join(codes)}" if codes else ""),
        "channel": channel,
    }
    if row.end:
        resource["end"] = c.instant(row.end)
    return resource


def _own_subscriptions(actor):
    user = getattr(actor, "user", None)
    if user is None:
        return Subscription.objects.none()
    return Subscription.objects.filter(user=user).select_related("user", "organisation").order_by("pk")


def read_subscription(actor, resource_id: str) -> dict[str, Any] | None:
    row = _own_subscriptions(actor).filter(pk=c.number(resource_id) or 0).first()
    if row is None or not c.allowed_read(actor, row.person, m.IDENTITY, row, "FHIR Subscription read"):
        return None
    return subscription_resource(row)


def _tokens(params, name: str) -> set[str] | None:
    values = params.get(name, [])
    return {v.strip() for value in values for v in value.split(",")} if values else None


def search_subscriptions(actor, params, offset: int, count: int):
    persons = {p.pk: p for p in c.visible_persons(actor, m.IDENTITY, c.patient_ids(params))}
    rows = [r for r in _own_subscriptions(actor) if r.person_id in persons]
    statuses = _tokens(params, "status")
    if statuses is not None:
        rows = [r for r in rows if r.status in statuses]
    shown = c.page(rows, offset, count)
    for row in shown:
        c.trace(actor, c.ask(actor, persons[row.person_id], m.IDENTITY), row, row.person_id, "FHIR Subscription search")
    return [subscription_resource(r) for r in shown], len(rows)


def _extensions(resource, name: str) -> list[tuple[int, dict]]:
    return [(i, e) for i, e in enumerate(resource.get("extension") or []) if e.get("url") == NDE + name]


def _subject(resource, criteria: dict) -> tuple[dict, str]:
    found = _extensions(resource, "subject")
    if found:
        index, ext = found[0]
        return ext.get("valueReference") or {}, f"Subscription.extension[{index}].valueReference"
    values = criteria.get("subject") or criteria.get("patient") or []
    if values:
        return {"reference": values[0]}, "Subscription.criteria"
    raise FhirError(
        422,
        "required",
        f"Subscription : la personne suivie manque (extension {NDE}subject ou criteria « subject=Patient/<id> »).",
        expression="Subscription.extension",
    )


def _kinds(resource, criteria: dict) -> list[str]:
    found: list[tuple[str, str]] = []
    extensions = [
        (i, e)
        for i, e in enumerate(resource.get("extension") or [])
        if e.get("url") in {NDE + "event-type", nc.RELAIS_EVENT_TYPE_EXTENSION}
    ]
    for index, ext in extensions:
        codings = (ext.get("valueCodeableConcept") or {}).get("coding") or []
        for j, code in enumerate(codings[:1]):  # the first coding; the others translate it
            found.append((code.get("code", ""), f"Subscription.extension[{index}].valueCodeableConcept.coding[{j}]"))
    for value in criteria.get("event-type", []):
        found += [(v.strip(), "Subscription.criteria") for v in value.split(",") if v.strip()]
    kinds: list[str] = []
    for code, path in found:
        matching = person_event_kinds_by_event_code(code)
        if not matching:
            raise FhirError(
                422, "code-invalid", f"{path} : type d'événement « {code} » inconnu de Relais.", expression=path
            )
        kinds += [k.code for k in matching if k.code not in kinds]
    return kinds


def _end(resource):
    raw = resource.get("end")
    if not raw:
        return None
    try:
        end = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(
            422, "invalid", f"Subscription.end : date invalide « {raw} ».", expression="Subscription.end"
        ) from None
    end = end if timezone.is_aware(end) else timezone.make_aware(end)
    if end <= timezone.now():
        # NdE: end is the end of the subscription's validity; one already over would follow nothing.
        raise FhirError(
            422,
            "business-rule",
            f"Subscription.end : fin de validité déjà passée (« {raw} ») ; l'abonnement ne suivrait rien.",
            expression="Subscription.end",
        )
    return end


def _check_subscriber(actor, resource) -> None:
    """A member subscribes for themself: a subscriber naming another RPPS is refused (contained or logical)."""
    for index, ext in _extensions(resource, "subscriber"):
        ref = ext.get("valueReference") or {}
        identifiers = [ref.get("identifier") or {}]
        target = (ref.get("reference") or "").removeprefix("#")
        for contained in resource.get("contained") or []:
            if target and contained.get("id") == target:
                identifiers += contained.get("identifier") or []
        rpps = {i.get("value", "").removeprefix("8") for i in identifiers if "rpps" in (i.get("system") or "")}
        rpps |= {i.get("value", "")[1:] for i in identifiers if i.get("system") == c.RPPS_SYSTEM}
        if rpps and actor.user.rpps not in rpps:
            path = f"Subscription.extension[{index}].valueReference"
            raise FhirError(
                422, "business-rule", f"{path} : on ne s'abonne que pour soi-même (RPPS différent).", expression=path
            )


def _person(actor, resource, criteria: dict) -> Person:
    """The followed person: a contained Patient (the guide's way, matched by ``nde_contained``) or Patient/<id>."""
    reference, path = _subject(resource, criteria)
    raw = reference.get("reference", "")
    if raw.startswith("#"):
        found = nc.find_contained(resource, raw)
        if found is None or found[1].get("resourceType") != "Patient":
            raise FhirError(422, "invalid", f"{path} : aucun Patient contenu « {raw} ».", expression=path)
        return nc.match_contained_patient(actor, found[1], f"Subscription.contained[{found[0]}]")
    # Following a person needs to read their identity in the circle, not to write it (as on the record page).
    pk = c.reference_id(reference, "Patient", path)
    person = Person.objects.filter(pk=pk, merged_into__isnull=True).first()
    if person is None or not c.ask(actor, person, m.IDENTITY):
        raise FhirError(404, "not-found", f"{path} : Patient/{pk} introuvable.", expression=path)
    return person


def create_subscription(actor, resource: dict[str, Any]) -> dict[str, Any]:
    if getattr(actor, "user", None) is None:
        raise FhirError(403, "forbidden", "Subscription : réservé aux membres identifiés d'un cercle de soins.")
    criteria_text = resource.get("criteria") or ""
    if not re.match(r"^CommunicationRequest(\?|$)", criteria_text):
        raise FhirError(
            422,
            "not-supported",
            f"Subscription.criteria : « CommunicationRequest?… » attendu, reçu « {criteria_text} ».",
            expression="Subscription.criteria",
        )
    criteria = parse_qs(criteria_text.partition("?")[2])
    person = _person(actor, resource, criteria)
    _check_subscriber(actor, resource)
    kinds = _kinds(resource, criteria)
    end = _end(resource)
    status = resource.get("status")
    channel_type = (resource.get("channel") or {}).get("type")
    channel = {"email": SubscriptionChannel.EMAIL, "message": SubscriptionChannel.IN_APP}.get(channel_type)
    if channel is None:
        raise FhirError(
            422,
            "not-supported",
            f"Subscription.channel.type : « email » ou « message » (dans Relais uniquement), reçu « {channel_type} ».",
            expression="Subscription.channel.type",
        )
    try:
        if status in {"requested", "active"}:
            row = subscription_set(
                actor=actor,
                person=person,
                kinds=kinds,
                channel=channel,
                reason=resource.get("reason") or "",
                end=end,
                source="fhir",
            )
        elif status == "off":
            row = subscription_off(actor=actor, person=person, source="fhir")
        else:
            raise FhirError(
                422,
                "not-supported",
                f"Subscription.status : requested, active ou off, reçu « {status} ».",
                expression="Subscription.status",
            )
    except PermissionDenied as exc:
        raise FhirError(403, "forbidden", str(exc)) from None
    except ValidationError as exc:
        raise FhirError(422, "invalid", "Subscription : " + "; ".join(exc.messages)) from None
    row.refresh_from_db()
    return subscription_resource(row)


def register(fhir_register) -> None:
    fhir_register(
        "Subscription",
        read=read_subscription,
        search=search_subscriptions,
        create=create_subscription,
        search_params=SUBSCRIPTION_SEARCH,
        documentation="Abonnement d'un·e membre du cercle aux événements d'une personne (profil ANS NdE quand il "
        "porte sur un type d'événement national) ; chacun·e ne voit et n'écrit que les siens ; status off pour ne "
        "plus suivre.",
        profile=SUBSCRIPTION_PROFILE,
        supported_profiles=[BASE_SUBSCRIPTION_PROFILE],  # a subscription without one national event type
    )
    nde_request.register(fhir_register)
