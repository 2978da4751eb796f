"""Event notification shaped like the ANS guide "Notification d'événements" (NdE): Subscription, CommunicationRequest.

Subscription: a member's subscription to the events of one person (``relais.notifications.models.Subscription``).
Each member sees and writes only their own; the person must be one whose identity they may read in the circle.
Created in the NdE shape (``nde__Subscription-sub1.json``): the person from the ``subject`` extension or from
``criteria`` (``CommunicationRequest?subject=Patient/12&event-type=SOR``), the kinds from ``event-type`` extensions and
``criteria``, ``status`` requested/active (follow) or off (stop following: Relais has no FHIR update or delete,
a new Subscription for the same person replaces the member's choice), ``channel.type`` email or message (in Relais
only).
Contained resources are not matched to Relais's persons: ``#pat1`` is refused with the path to fix.

CommunicationRequest: one per notification of a person event, read and searched by its recipient only, and only while
the policy still lets them read the event's category. Shaped like ``nde__CommunicationRequest-com1.json``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from django.core.exceptions import PermissionDenied, ValidationError

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.notifications.models import Notification, Subscription, SubscriptionChannel
from relais.pathway.events.kinds import person_event_kind, person_event_kind_by_event_code, person_event_kind_codes
from relais.pathway.events.subscriptions import subscription_off, subscription_set
from relais.persons.models import Person

from .. import matrix as m
from . import common as c

NDE = "https://interop.esante.gouv.fr/ig/fhir/nde/StructureDefinition/"
SUBSCRIPTION_PROFILE = NDE + "nde-subscription"
REQUEST_PROFILE = NDE + "nde-notificationrequest"
CHANNEL_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R200-CanalCommunication/FHIR/TRE-R200-CanalCommunication"
IN_APP_SYSTEM = "urn:relais:notification-channel"
SUBSCRIPTION_SEARCH = [
    SearchParam("patient", "reference", "Patient/<id> : mes abonnements aux événements de cette personne."),
    SearchParam("status", "token", "active ou off."),
]
REQUEST_SEARCH = [
    SearchParam("patient", "reference", "Patient/<id> : mes notifications concernant cette personne."),
    SearchParam("status", "token", "active (non lue) ou completed (lue)."),
    SearchParam("event-type", "token", "Type d'événement : code NdE (SOR) ou code Relais (pathway.task_new)."),
]
_CHANNELS = {SubscriptionChannel.EMAIL: "email", SubscriptionChannel.IN_APP: "message"}


def _event_type(code: str) -> dict[str, Any]:
    system, value, display = person_event_kind(code).event_code
    return {"url": NDE + "event-type", "valueCodeableConcept": {"coding": [c.coding(system, value, display)]}}


def _subscriber(user) -> dict[str, Any]:
    identifier = (
        {"system": c.RPPS_SYSTEM, "value": f"8{user.rpps}"}
        if user.rpps
        else {"system": c.USER_SYSTEM, "value": str(user.pk)}
    )
    return {"type": "Practitioner", "identifier": identifier, "display": user.get_full_name() or user.email}


def subscription_resource(row: Subscription) -> dict[str, Any]:
    codes = [person_event_kind(code).event_code[1] for code in row.kinds]
    criteria = f"CommunicationRequest?subject=Patient/{row.person_id}"
    extension = [
        {"url": NDE + "start", "valueDateTime": c.instant(row.created_at)},
        {"url": NDE + "subject", "valueReference": {"reference": f"Patient/{row.person_id}"}},
    ]
    if row.organisation_id:
        extension.append({"url": NDE + "declarant", "valueReference": c.organisation_reference(row.organisation)})
    extension += [_event_type(code) for code in row.kinds]
    extension += [
        {"url": NDE + "subscriber", "valueReference": _subscriber(row.user)},
        {"url": NDE + "subscription-date", "valueDateTime": c.instant(row.updated_at)},
    ]
    channel = {"type": _CHANNELS[row.channel]}
    if row.channel == SubscriptionChannel.EMAIL and row.user.email:
        channel["endpoint"] = f"mailto:{row.user.email}"
    resource = {
        "resourceType": "Subscription",
        "id": str(row.pk),
        "meta": {"profile": [SUBSCRIPTION_PROFILE]},
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
    for index, ext in _extensions(resource, "event-type"):
        for j, code in enumerate((ext.get("valueCodeableConcept") or {}).get("coding") or []):
            found.append((code.get("code", ""), f"Subscription.extension[{index}].valueCodeableConcept.coding[{j}]"))
    for value in criteria.get("event-type", []):
        found += [(v.strip(), "Subscription.criteria") for v in value.split(",") if v.strip()]
    kinds = []
    for code, path in found:
        kind = person_event_kind_by_event_code(code)
        if kind is None:
            raise FhirError(
                422, "code-invalid", f"{path} : type d'événement « {code} » inconnu de Relais.", expression=path
            )
        kinds.append(kind.code)
    return kinds


def _end(resource):
    raw = resource.get("end")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(
            422, "invalid", f"Subscription.end : date invalide « {raw} ».", expression="Subscription.end"
        ) from None


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
    reference, path = _subject(resource, criteria)
    raw = reference.get("reference", "")
    if raw.startswith("#"):
        raise FhirError(
            422,
            "invalid",
            f"{path} : « {raw} » désigne un Patient contenu, que Relais ne rapproche pas de ses personnes ; "
            "indiquez Patient/<id> (l'id Relais de la personne, voir la ressource Patient).",
            expression=path,
        )
    # Following a person needs to read their identity in the circle, not to write it (as on the record page).
    pk = c.reference_id(reference, "Patient", path)
    person = Person.objects.filter(pk=pk, merged_into__isnull=True).first()
    if person is None or not c.ask(actor, person, m.IDENTITY):
        raise FhirError(404, "not-found", f"{path} : Patient/{pk} introuvable.", expression=path)
    _check_subscriber(actor, resource)
    kinds = _kinds(resource, criteria)
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
                end=_end(resource),
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


def request_resource(n: Notification) -> dict[str, Any]:
    kind = person_event_kind(n.kind)
    extension = [_event_type(n.kind)]
    if n.event_at:
        extension.append({"url": NDE + "event-time", "valueDateTime": c.instant(n.event_at)})
    extension.append({"url": NDE + "event-emission-time", "valueDateTime": c.instant(n.created_at)})
    if n.emailed_at or n.digest:  # e-mailed, or waiting for the daily digest e-mail
        medium = c.coding(CHANNEL_SYSTEM, "3", "Courrier électronique")
    else:
        medium = c.coding(IN_APP_SYSTEM, "in_app", "Dans Relais")
    recipient = _subscriber(n.recipient)
    if n.emailed_at and n.recipient.email:
        recipient["extension"] = [{"url": NDE + "recipient-endpoint", "valueUrl": f"mailto:{n.recipient.email}"}]
    resource = {
        "resourceType": "CommunicationRequest",
        "id": str(n.pk),
        "meta": {"profile": [REQUEST_PROFILE]},
        "extension": extension,
        "status": "completed" if n.read_at else "active",
        "medium": [{"coding": [medium]}],
        "subject": {"reference": f"Patient/{n.person_id}"},
        "payload": [{"contentString": f"{n.subject}. {n.body}".strip()}],
        "authoredOn": c.instant(n.created_at),
        "recipient": [recipient],
        "reasonCode": [{"text": kind.label}],
    }
    if n.subscription_id:
        resource["basedOn"] = [{"reference": f"Subscription/{n.subscription_id}"}]
    if n.organisation_id:
        resource["requester"] = {"display": "Relais"}
    return resource


def _own_requests(actor):
    user = getattr(actor, "user", None)
    if user is None:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user, person__isnull=False, kind__in=person_event_kind_codes())
        .select_related("recipient", "person")
        .order_by("pk")
    )


def _readable(actor, n: Notification) -> bool:
    return c.ask(actor, n.person, n.category or m.IDENTITY).allowed


def read_request(actor, resource_id: str) -> dict[str, Any] | None:
    n = _own_requests(actor).filter(pk=c.number(resource_id) or 0).first()
    if n is None or not _readable(actor, n):
        return None
    c.trace(actor, c.ask(actor, n.person, n.category or m.IDENTITY), n, n.person_id, "FHIR CommunicationRequest read")
    return request_resource(n)


def search_requests(actor, params, offset: int, count: int):
    rows = _own_requests(actor)
    ids = c.patient_ids(params)
    if ids is not None:
        rows = rows.filter(person_id__in=ids)
    statuses = _tokens(params, "status")
    if statuses is not None:
        if "active" not in statuses:
            rows = rows.filter(read_at__isnull=False)
        if "completed" not in statuses:
            rows = rows.filter(read_at__isnull=True)
    events = _tokens(params, "event-type")
    if events is not None:
        kinds = [k.code for code in events if (k := person_event_kind_by_event_code(code.split("|")[-1]))]
        rows = rows.filter(kind__in=kinds)
    items = [n for n in rows if _readable(actor, n)]
    shown = c.page(items, offset, count)
    for n in shown:
        decision = c.ask(actor, n.person, n.category or m.IDENTITY)
        c.trace(actor, decision, n, n.person_id, "FHIR CommunicationRequest search")
    return [request_resource(n) for n in shown], len(items)


def register(fhir_register) -> None:
    fhir_register(
        "Subscription",
        read=read_subscription,
        search=search_subscriptions,
        create=create_subscription,
        search_params=SUBSCRIPTION_SEARCH,
        documentation="Abonnement d'un·e membre du cercle aux événements d'une personne (forme ANS NdE) ; "
        "chacun·e ne voit et n'écrit que les siens ; status off pour ne plus suivre.",
        profile=SUBSCRIPTION_PROFILE,
    )
    fhir_register(
        "CommunicationRequest",
        read=read_request,
        search=search_requests,
        search_params=REQUEST_SEARCH,
        documentation="Notification d'un événement d'une personne (forme ANS NdE), lisible par son ou sa "
        "destinataire tant que la politique d'accès l'y autorise.",
        profile=REQUEST_PROFILE,
    )
