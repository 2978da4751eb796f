"""Plumbing shared by the pathway views: who acts, how a refusal or a bad input is shown."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect

from relais.accounts.actor import Actor


def acting(request) -> Actor:
    """The acting membership; a proxy with an account but no organisation acts as themself."""
    actor = request.actor or None
    if actor is None:
        return Actor(organisation=None, role="", user=request.user)
    return actor


def who(request) -> dict:
    actor = acting(request)
    return {"user": actor.user, "organisation": actor.organisation}


def run_service(request, call, *, success: str, back: str):
    """Run a write on a record the user may open (the view checked it, else 404): a refusal for one category or
    action shows the policy's sentence, a bad input a French message naming the field; nothing is half-written."""
    try:
        call()
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(back)
    except ValidationError as exc:
        for text in _messages_of(exc):
            messages.error(request, text)
        return redirect(back)
    messages.success(request, success)
    return redirect(back)


def form_errors(request, form, *, back: str):
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label} : {error}" if label else error)
    return redirect(back)


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [text for texts in exc.message_dict.values() for text in texts]
    return list(exc.messages)
