"""Capacity screens: an ESMS updates its free places in at most two clicks.

Each action is a small form (CSRF token) that htmx posts in place, swapping the unit's fragment;
without JavaScript it is a normal POST followed by a redirect. A unit the actor may not update
is a 404, exactly like a missing one (capacity_selectors.capacity_unit_get).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import services
from .capacity_selectors import (
    capacity_annotate,
    capacity_history,
    capacity_sites_for,
    capacity_unit_get,
    stale_units_for,
)
from .policy import may_edit_capacity_at_all

FRAGMENT = "offer/_capacity_controls.html"


class CapacityForm(forms.Form):
    """The "Modifier" form: a blank figure is left unchanged."""

    installed = forms.IntegerField(label="Places installées", min_value=0, required=False)
    available = forms.IntegerField(label="Places disponibles", min_value=0, required=False)
    occupied = forms.IntegerField(label="Places occupées", min_value=0, required=False)
    reserved = forms.IntegerField(label="Places réservées", min_value=0, required=False)
    closed = forms.IntegerField(label="Places fermées", min_value=0, required=False)


def capacity_list(request):
    """All units the acting organisation may update, grouped by site, stale first."""
    actor = request.actor
    groups = capacity_sites_for(actor) if actor else []
    context = {
        "groups": groups,
        "may_edit": may_edit_capacity_at_all(actor),
        "unit_count": sum(len(group.units) for group in groups),
        "stale_count": sum(group.stale_count for group in groups),
    }
    return render(request, "offer/capacity_list.html", context)


def capacity_unit(request, pk: int):
    """One unit: its controls and the history of its figures (who changed what, when)."""
    unit = capacity_unit_get(actor=request.actor, pk=pk)
    return _unit_page(request, unit)


def _unit_page(request, unit, *, errors=(), status=200, typed=False):
    (unit,) = capacity_annotate([unit])
    context = {
        "unit": unit,
        "can_update": True,
        "capacity_errors": list(errors),
        "capacity_form_open": bool(errors),
        "capacity_values": _typed(request) if typed else None,
        "capacity_plain_forms": True,  # a click reloads the page, so the history below shows it
        # Without JavaScript, a click on this page comes back to it; after an error, to where it came from.
        "next": _next_url(request) if request.method == "POST" else request.get_full_path(),
        "history": capacity_history(actor=request.actor, unit=unit),
    }
    return render(request, "offer/capacity_unit.html", context, status=status)


def _next_url(request) -> str:
    """Where a POST without JavaScript returns: the page it came from, if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("offer:capacity")


def _typed(request) -> dict[str, str]:
    """The figures as typed, to show them again next to the error."""
    return {name: request.POST.get(name, "")[:12] for name in services.CAPACITY_FIGURES}


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


def _respond(request, unit, *, errors=(), done: str = ""):
    """htmx: the unit's fragment (errors inside). Otherwise: back to the page, or the unit page on error."""
    if request.htmx:
        (unit,) = capacity_annotate([unit])
        context = {
            "unit": unit,
            "can_update": True,
            "capacity_errors": list(errors),
            "capacity_form_open": bool(errors) and done == "edit",
            "capacity_values": _typed(request) if errors and done == "edit" else None,
            "next": _next_url(request),
        }
        html = render_to_string(FRAGMENT, context, request=request)
        if (request.htmx.current_url_abs_path or "").split("?")[0] == reverse("offer:capacity"):
            html += _counts_oob(request, unit)
        return HttpResponse(html)
    if errors:
        return _unit_page(request, unit, errors=errors, status=400, typed=done == "edit")
    free = f"{unit.available} place disponible" if unit.available <= 1 else f"{unit.available} places disponibles"
    messages.success(request, f"« {unit.name} » : {free}, mis à jour à l'instant.")
    return redirect(_next_url(request))


def _counts_oob(request, unit) -> str:
    """The capacity page's stale counts, swapped out of band so they follow the click."""
    stale = stale_units_for(request.actor)
    context = {"oob": True, "stale_count": stale.count(), "site_id": unit.site_id}
    context["site_stale_count"] = stale.filter(site_id=unit.site_id).count()
    return "".join(
        render_to_string("offer/capacity_counts.html", {**context, "part": part}, request=request)
        for part in ("total", "site")
    )


@require_POST
def capacity_step(request, pk: int):
    """+1 / −1 available place: one click."""
    unit = capacity_unit_get(actor=request.actor, pk=pk)
    try:
        delta = int(request.POST.get("delta", ""))
    except ValueError:
        return HttpResponseBadRequest("Pas invalide.")
    try:
        unit = services.unit_available_step(actor=request.actor, unit=unit, delta=delta)
    except ValidationError as error:
        return _respond(request, unit, errors=_messages_of(error))
    return _respond(request, unit, done="step")


@require_POST
def capacity_confirm(request, pk: int):
    """The figures are still right: date them again ("Confirmer (inchangé)"), one click."""
    unit = capacity_unit_get(actor=request.actor, pk=pk)
    try:
        unit = services.unit_capacity_update(actor=request.actor, unit=unit)
    except ValidationError as error:
        return _respond(request, unit, errors=_messages_of(error))
    return _respond(request, unit, done="confirm")


@require_POST
def capacity_edit(request, pk: int):
    """The "Modifier" form: open it (one click), save it (second click)."""
    unit = capacity_unit_get(actor=request.actor, pk=pk)
    form = CapacityForm(request.POST)
    if not form.is_valid():
        errors = [f"{form.fields[name].label} : {message}" for name, list_ in form.errors.items() for message in list_]
        return _respond(request, unit, errors=errors, done="edit")
    try:
        unit = services.unit_capacity_update(actor=request.actor, unit=unit, **form.cleaned_data)
    except ValidationError as error:
        return _respond(request, unit, errors=_messages_of(error), done="edit")
    return _respond(request, unit, done="edit")
