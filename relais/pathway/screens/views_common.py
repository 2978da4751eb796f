"""Plumbing shared by the pathway views: who acts, how a refusal or a bad input is shown."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect

from relais.accounts.actor import Actor
from relais.pathway import matrix as m
from relais.pathway.circle import selectors as circle_sel
from relais.web.templatetags.placed_messages import place_tag


def acting(request) -> Actor:
    """The acting membership; a proxy with an account but no organisation acts as themself."""
    actor = request.actor or None
    if actor is None:
        return Actor(organisation=None, role="", user=request.user)
    return actor


def who(request) -> dict:
    actor = acting(request)
    return {"user": actor.user, "organisation": actor.organisation}


def plan_access(request, pk: int):
    """The record's access for its plan pages: a 404 for whoever may not read the plan (PLAN category)."""
    access = circle_sel.record_get(**who(request), pk=pk)
    if not access.may(m.PLAN):
        raise Http404("Plan introuvable.")
    return access


def run_service(request, call, *, success: str, back: str):
    """Run a write on a record the user may open (the view checked it, else 404): a refusal for one category or
    action shows the policy's sentence, a bad input a French message naming the field; nothing is half-written.
    Messages are shown in the section `back` points to (`…#documents`), where the user is."""
    place = place_tag(back)
    try:
        call()
    except PermissionDenied as exc:
        messages.error(request, str(exc), extra_tags=place)
        return redirect(back)
    except ValidationError as exc:
        for text in _messages_of(exc):
            messages.error(request, text, extra_tags=place)
        return redirect(back)
    messages.success(request, success, extra_tags=place)
    return redirect(back)


def form_errors(request, form, *, back: str):
    place = place_tag(back)
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label} : {error}" if label else error, extra_tags=place)
    return redirect(back)


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [text for texts in exc.message_dict.values() for text in texts]
    return list(exc.messages)
