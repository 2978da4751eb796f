"""Following the events of a person: the subscription box of the record page and its page.

The record is fetched through the policy (``circle.selectors.record_get``): a record the user may not open is a 404.
Every display of the box is a read of the record's identity, traced like the record page.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.notifications.models import SubscriptionChannel
from relais.pathway import guard
from relais.pathway import matrix as m
from relais.pathway.circle import selectors as circle_sel
from relais.pathway.events.kinds import person_event_kinds
from relais.pathway.events.subscriptions import subscription_off, subscription_set, subscription_state
from relais.pathway.screens.views_common import acting, run_service, who


def subscription_context(*, actor, record, person) -> dict:
    """What the subscription box shows; the record page renders it inline (no second request)."""
    state = subscription_state(actor=actor, person=person)
    return {
        "record": record,
        "person": person,
        "state": state,
        "kinds": [(kind, kind.code in state["kinds"]) for kind in person_event_kinds()],
        "channels": SubscriptionChannel.choices,
        "in_app_only": state["subscription"] is not None
        and state["subscription"].channel == SubscriptionChannel.IN_APP,
    }


def subscription_box(request, pk: int):
    """GET: the box as a page of its own (or a fragment for htmx)."""
    access = circle_sel.record_get(**who(request), pk=pk)
    record, person = access.record, access.record.person
    actor = acting(request)
    guard.trace(
        actor=actor,
        action="read",
        obj=record,
        person=person,
        decision=access.decisions[m.IDENTITY],
        detail="abonnement aux événements",
    )
    context = subscription_context(actor=actor, record=record, person=person)
    template = "pathway/_subscriptions_box.html" if request.htmx else "pathway/subscriptions.html"
    return render(request, template, context)


@require_POST
def subscription_update(request, pk: int):
    access = circle_sel.record_get(**who(request), pk=pk)
    person, actor = access.record.person, acting(request)
    back = reverse("pathway:record", args=[pk]) + "#abonnement"
    if request.POST.get("action") == "off":
        return run_service(
            request,
            lambda: subscription_off(actor=actor, person=person),
            success="Vous ne suivez plus les événements de cette personne.",
            back=back,
        )
    channel = request.POST.get("channel") or SubscriptionChannel.EMAIL
    kinds = request.POST.getlist("kinds")
    return run_service(
        request,
        lambda: subscription_set(actor=actor, person=person, kinds=kinds, channel=channel),
        success="Vous suivez les événements de cette personne"
        + (" (types choisis)." if kinds else " (tous les types)."),
        back=back,
    )
