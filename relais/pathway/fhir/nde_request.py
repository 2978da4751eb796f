"""NdE CommunicationRequest (nde-notificationrequest): one per notification of a person event.

Read and searched by its recipient only, and only while the policy still lets them read the event's category.
Shaped like ``nde__CommunicationRequest-com1.json``: the person, Relais (the emitter) and the recipient contained,
``basedOn`` the member's Subscription (or the default following, a logical reference), the recipient's endpoint
(the e-mail address, else the page in Relais). Relais is the subscription manager and sends its notifications
itself: it accepts no CommunicationRequest (flow 4 goes from a subscription manager to a notification manager).
See decision 0052.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from django.conf import settings

from relais.fhir.registry import SearchParam
from relais.notifications.models import Notification
from relais.pathway.events.kinds import person_event_kind, person_event_kind_codes, person_event_kinds_by_event_code

from .. import matrix as m
from . import common as c
from . import nde_contained as nc

NDE = nc.NDE
REQUEST_PROFILE = NDE + "nde-notificationrequest"
BASE_REQUEST_PROFILE = "http://hl7.org/fhir/StructureDefinition/CommunicationRequest"
CHANNEL_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R200-CanalCommunication/FHIR/TRE-R200-CanalCommunication"
IN_APP_SYSTEM = "urn:relais:notification-channel"
# basedOn of a notification sent to a default follower (referent, assignee of an open task): no Subscription row.
DEFAULT_FOLLOW_SYSTEM = "urn:relais:default-follow"
REQUEST_SEARCH = [
    SearchParam("patient", "reference", "Patient/<id> : mes notifications concernant cette personne."),
    SearchParam("status", "token", "active (non lue) ou completed (lue)."),
    SearchParam("event-type", "token", "Type d'événement : code NdE (SOR) ou code Relais (pathway.task_new)."),
]


def _tokens(params, name: str) -> set[str] | None:
    values = params.get(name, [])
    return {v.strip() for value in values for v in value.split(",")} if values else None


def _recipient_endpoint(n: Notification, e_mail: bool) -> str:
    """NdE recipient-endpoint (1..1): the e-mail address it went to, else where the notice is read in Relais."""
    if e_mail and n.recipient.email:
        return f"mailto:{n.recipient.email}"
    return urljoin(settings.SITE_URL.rstrip("/") + "/", (n.link or "/").lstrip("/"))


def _based_on(n: Notification) -> dict[str, Any]:
    """NdE basedOn (1..1): the member's Subscription; a default follower (the referent, the assignee of an open
    task) has no Subscription row, so a logical reference names that default following (decision 0020)."""
    if n.subscription_id:
        return {"reference": f"Subscription/{n.subscription_id}", "type": "Subscription"}
    return {
        "type": "Subscription",
        "identifier": {"system": DEFAULT_FOLLOW_SYSTEM, "value": f"{n.person_id}-{n.recipient_id}"},
        "display": "Suivi par défaut (référent·e, action du plan assignée)",
    }


def request_resource(n: Notification) -> dict[str, Any]:
    kind = person_event_kind(n.kind)
    profile, extension = nc.event_types([n.kind])
    if n.event_at:
        extension.append({"url": NDE + "event-time", "valueDateTime": c.instant(n.event_at)})
    extension.append({"url": NDE + "event-emission-time", "valueDateTime": c.instant(n.created_at)})
    e_mail = bool(n.emailed_at or n.digest)  # e-mailed, or waiting for the daily digest e-mail
    if e_mail:
        medium = c.coding(CHANNEL_SYSTEM, "3", "Courrier électronique")
    else:
        medium = c.coding(IN_APP_SYSTEM, "in_app", "Dans Relais")
    patient, emitter = nc.contained_patient(n.person_id), nc.contained_emitter()
    member = nc.contained_member(n.recipient, nc.is_professional(n.recipient, n.organisation_id))
    recipient = nc.local(member)
    recipient["extension"] = [{"url": NDE + "recipient-endpoint", "valueUrl": _recipient_endpoint(n, e_mail)}]
    return {
        "resourceType": "CommunicationRequest",
        "id": str(n.pk),
        "meta": {"profile": [REQUEST_PROFILE if profile == "nde" else BASE_REQUEST_PROFILE]},
        "contained": [patient, emitter, member],
        "extension": extension,
        "basedOn": [_based_on(n)],
        "status": "completed" if n.read_at else "active",
        "medium": [{"coding": [medium]}],
        "subject": nc.local(patient),
        "payload": [{"contentString": f"{n.subject}. {n.body}".strip()}],
        "authoredOn": c.instant(n.created_at),
        "requester": nc.local(emitter),
        "recipient": [recipient],
        "reasonCode": [{"text": kind.label}],
    }


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
        kinds = [k.code for code in events for k in person_event_kinds_by_event_code(code.split("|")[-1])]
        rows = rows.filter(kind__in=kinds)
    items = [n for n in rows if _readable(actor, n)]
    shown = c.page(items, offset, count)
    for n in shown:
        decision = c.ask(actor, n.person, n.category or m.IDENTITY)
        c.trace(actor, decision, n, n.person_id, "FHIR CommunicationRequest search")
    return [request_resource(n) for n in shown], len(items)


def register(fhir_register) -> None:
    fhir_register(
        "CommunicationRequest",
        read=read_request,
        search=search_requests,
        search_params=REQUEST_SEARCH,
        documentation="Notification d'un événement d'une personne (profil ANS NdE quand le type d'événement est "
        "national), lisible par son ou sa destinataire tant que la politique d'accès l'y autorise.",
        profile=REQUEST_PROFILE,
        supported_profiles=[BASE_REQUEST_PROFILE],  # the notice of a kind without a national event type
    )
