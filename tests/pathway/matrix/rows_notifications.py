"""Matrix rows of the notifications around the person (``relais/pathway/screens/views_subscriptions.py``,
``fhir/nde.py``).

``prepare`` subscribes every subject who has an account to the person and emits one medical event (a hospital stay,
by the system): in the built circle (baseline) it reaches exactly the members who may read medical data, and the
CommunicationRequest search row then checks that the policy is asked again at read time. The "notified of" rows emit
a fresh event in each cell and look whether the subject received it: the policy per recipient at the time of the event.
"""

from __future__ import annotations

import itertools

from django.urls import reverse

from relais.notifications.models import Subscription
from relais.pathway import matrix as m
from relais.pathway.events.services import person_event_emit

from .framework import Endpoint, _fhir_create, _fhir_search, creates, web_get, web_post

_cells = itertools.count(1)


def _subscribe_everyone(world) -> None:
    for subject in world.subjects.values():
        if subject.actor is not None:
            Subscription.objects.update_or_create(
                user=subject.user, organisation=subject.actor.organisation, person=world.person, defaults={}
            )


def prepare(world) -> None:
    _subscribe_everyone(world)
    result = person_event_emit(
        kind="pathway.hospital_medical", person=world.person, actor=None, obj=world.record, category=m.MEDICAL
    )
    world.nde_notifications = {n.recipient_id: n for n in result.notified}


def _notified_of(category: str):
    def call(ctx, subject):
        actor = ctx.world.subjects[subject].actor
        if actor is None:
            return False
        # Everyone was subscribed by prepare(); nothing unsubscribes (a cell's own change is rolled back after it).
        result = person_event_emit(
            kind="pathway.discharge",
            person=ctx.world.person,
            actor=None,
            obj=ctx.world.record,
            category=category,
            dedup=f"matrix-{next(_cells)}",
        )
        return any(n.recipient_id == actor.user.pk for n in result.notified)

    return call


def _read_own_request(ctx, subject) -> bool:
    """The subject reads their notification of the prepared event, or, without one, another's (always a 404)."""
    actor = ctx.world.subjects[subject].actor
    mine = ctx.world.nde_notifications.get(actor.user.pk) if actor else None
    target = mine or next(iter(ctx.world.nde_notifications.values()))
    response = ctx.login(subject).get(f"/fhir/CommunicationRequest/{target.pk}")
    assert response.status_code in (200, 401, 404), response.content[:500]
    return response.status_code == 200


def _subscription_body(world) -> dict:
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Matrice : suivi des sorties",
        "criteria": f"CommunicationRequest?subject=Patient/{world.person.pk}&event-type=SOR",
        "channel": {"type": "message"},
    }


def _url(name: str, world) -> str:
    return reverse(f"pathway:{name}", args=[world.record.pk])


ENDPOINTS: list[Endpoint] = [
    Endpoint("Notifications : abonnement (page)", "identity", "read", web_get(lambda w: _url("subscription", w))),
    Endpoint(
        "Notifications : s'abonner",
        "identity",
        "read",
        web_post(lambda w: _url("subscription_update", w), lambda w: {"action": "on", "channel": "in_app"}),
        # prepare() subscribed everyone by e-mail: the post moves the subject's row to "in Relais only".
        effect=creates(
            lambda w: Subscription.objects.filter(person=w.person, status="active", channel="in_app"),
            "subscription in Relais only",
        ),
    ),
    Endpoint("Notifications : notifié·e d'un événement social", "social", "read", _notified_of(m.SOCIAL)),
    Endpoint("Notifications : notifié·e d'un événement médical", "medical", "read", _notified_of(m.MEDICAL)),
    Endpoint("Notifications : notifié·e d'un document", "documents", "read", _notified_of(m.DOCUMENTS)),
    Endpoint("Notifications : notifié·e d'un changement du plan", "plan", "read", _notified_of(m.PLAN)),
    Endpoint(
        "FHIR : Subscription (créer)",
        "identity",
        "read",
        _fhir_create("Subscription", _subscription_body),
        effect=creates(
            lambda w: Subscription.objects.filter(
                person=w.person, reason="Matrice : suivi des sorties", channel="in_app", source="fhir"
            ),
            "FHIR subscription to discharges",
        ),
    ),
    Endpoint(
        "FHIR : Subscription (rechercher)",
        "identity",
        "read",
        _fhir_search(lambda w: f"/fhir/Subscription?patient=Patient/{w.person.pk}"),
    ),
    Endpoint("FHIR : CommunicationRequest (lire la sienne)", "medical", "read", _read_own_request),
    Endpoint(
        "FHIR : CommunicationRequest (rechercher)",
        "medical",
        "read",
        # A kind only ever medical (a hospital event posted as medical also notifies its fact as social, 0045).
        _fhir_search(
            lambda w: f"/fhir/CommunicationRequest?patient=Patient/{w.person.pk}&event-type=pathway.hospital_medical"
        ),
    ),
]
