"""Sending a person's requests to several ESMS, in the person's order of wishes (orientation side; issue 13 item 2).

The screen lists the ESMS around the person's home, nearest first, filtered by default to the chosen decision's
categories and care modes (``orientation.requests.nearby``), each with its free places, the age of that figure and the
length of its waiting list. The user adds ESMS to a selection, ranks them (arrows or typed ranks) and sends. Every
click (add, remove, move, filter) is a GET whose whole state is in the address: with htmx only the ``#envoi`` part is
swapped (the address follows), without JavaScript the page is reloaded and works the same. The send itself is a POST
to ``admission.services.admission_requests_send_with_wishes`` (idempotency key rendered with the form).

Thin, like ``views_persons.py`` whose scoping helpers it uses: a person out of scope is a 404; a full page read is
traced in the access log (the fragments of the same screen are not, one line per visit is enough).
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import push_url

from relais.offer.codes import CareMode
from relais.offer.models import Site
from relais.offer.search_criteria import SearchError
from relais.orientation.admission.services import admission_requests_send_with_wishes
from relais.orientation.decisions.models import DecisionStatus
from relais.orientation.requests import nearby
from relais.orientation.screens.forms import categories_by_domain, category_labels, chosen_site_ids, ranked_choices
from relais.orientation.screens.views_persons import _actor, _errors, _person_or_404, _read, _sender_or_403

# The parameters that make the screen's state (besides the chosen ESMS, ``choix``, in order).
STATE = ("lieu", "decision", "categorie", "mode", "rayon", "q", "hors_decision", "nombre")
ANNOUNCES = {"ajout": "ajouté à la sélection", "retrait": "retiré de la sélection", "ordre": "déplacé"}


def _filters(params, decisions) -> tuple[nearby.Filters, str]:
    selected = params.get("decision", str(decisions[0].pk) if decisions else "")
    decision = next((d for d in decisions if str(d.pk) == selected), None)
    radius = params.get("rayon", "")
    count = params.get("nombre", "")
    category, mode = params.get("categorie", ""), params.get("mode", "")
    filters = nearby.Filters(
        decision=decision,
        category=category if category == nearby.ALL or category.isdigit() else "",
        care_mode=mode if mode == nearby.ALL or mode in CareMode.values else "",
        radius_km=int(radius) if radius.isdigit() and int(radius) in nearby.RADII else nearby.DEFAULT_RADIUS_KM,
        name=params.get("q", "").strip()[:100],
        show_uncovered=params.get("hors_decision") == "1",
        limit=min(int(count), nearby.MAX_SHOWN) if count.isdigit() and int(count) > nearby.PAGE else nearby.PAGE,
    )
    return filters, selected


def _query(params, chosen: list[int], **changes) -> str:
    """The screen's address for the current state with ``changes`` (``choix``: another order of the chosen ESMS)."""
    pairs = [(name, changes.get(name, params.get(name, ""))) for name in STATE]
    pairs = [(name, value) for name, value in pairs if value]
    pairs += [("choix", i) for i in changes.get("choix", chosen)]
    return urlencode(pairs)


def _moved(chosen: list[int], index: int, step: int) -> list[int]:
    order = list(chosen)
    order[index], order[index + step] = order[index + step], order[index]
    return order


def _home(params, person):
    """(home, problem with the identity's address, error on the place typed)."""
    typed = params.get("lieu", "").strip()[:100]
    if typed:
        try:
            return nearby.home_chosen(typed), "", ""
        except SearchError as error:
            return None, "", " ".join(error.errors.values())
    home, problem = nearby.home_of(person)
    return home, problem, ""


def requests_send(request, pk: int):
    actor = _actor(request)
    person = _person_or_404(actor, pk)
    _sender_or_403(actor)
    params = request.POST if request.method == "POST" else request.GET
    chosen = chosen_site_ids(params)
    added = request.GET.get("ajouter", "") if request.method == "GET" else ""
    if added.isdigit() and int(added) not in chosen:
        chosen.append(int(added))
    sites = Site.objects.filter(is_open=True, pk__in=chosen).select_related("category", "commune").in_bulk()
    chosen = [i for i in chosen if i in sites] if request.method == "GET" else chosen
    decisions = list(
        person.orientation_decisions.filter(status=DecisionStatus.VALID).order_by("-validity_start", "-pk")
    )
    filters, selected_decision = _filters(params, decisions)
    errors, key = [], request.POST.get("key") or uuid.uuid4().hex
    derogation = request.POST.get("justification", "").strip() if request.POST.get("derogation") == "1" else ""
    if request.method == "POST":
        choices, ranks, errors = ranked_choices(request.POST, sites)
        if selected_decision and filters.decision is None:
            errors.append("La décision choisie n'est plus en cours de validité : choisissez-en une autre.")
        if request.POST.get("derogation") == "1" and not derogation:
            errors.append("Justification de la dérogation : expliquez pourquoi la demande part hors de la décision.")
        if not errors:
            try:
                sent = admission_requests_send_with_wishes(
                    actor=actor,
                    person=person,
                    choices=choices,
                    decision=filters.decision,
                    idempotency_key=key[:64],
                    wish_ranks=ranks,
                    derogation=derogation,
                )
            except (ValidationError, PermissionDenied) as error:
                errors = _errors(error)
            else:
                count = len(sent)
                messages.success(
                    request, f"{count} demande{'s' if count > 1 else ''} d'admission envoyée{'s' if count > 1 else ''}."
                )
                return redirect("orientation:person", pk=person.pk)
    home, home_problem, place_error = _home(params, person)
    open_sites = nearby.open_requests_by_site(person)
    try:
        listing, not_covered = nearby.esms_for_sending(
            person=person, home=home, filters=filters, chosen_sites=[sites[i] for i in chosen if i in sites],
            open_sites=open_sites,
        )  # fmt: skip
    except SearchError as error:
        place_error = " ".join(error.errors.values())
        listing, not_covered = nearby.Listing(None, []), {}
    typed_rank = {i: request.POST.get(f"rang_{i}", "") for i in chosen} if request.method == "POST" else {}
    in_selection = [i for i in chosen if i in sites]
    selection = [
        {
            "site": sites[i],
            "rank": typed_rank.get(i) or str(position),
            "stay": request.POST.get(f"rester_{i}") == "1",
            "remove_query": _query(params, chosen, choix=[j for j in chosen if j != i]),
            "up_query": _query(params, chosen, choix=_moved(in_selection, position - 1, -1)) if position > 1 else "",
            "down_query": _query(params, chosen, choix=_moved(in_selection, position - 1, 1))
            if position < len(in_selection)
            else "",
            "not_covered": not_covered.get(i, []),
        }
        for position, i in enumerate(in_selection, start=1)
    ]
    for candidate in listing.candidates:
        candidate.add_query = _query(params, chosen, choix=[*chosen, candidate.site.pk])
        candidate.rank = in_selection.index(candidate.site.pk) + 1 if candidate.site.pk in in_selection else None
    context = {
        "person": person,
        "listing": listing,
        "home": home,
        "home_problem": home_problem,
        "place_error": place_error,
        "place": params.get("lieu", ""),
        "filters": filters,
        "params": params,
        "radii": nearby.RADII,
        "max_shown": nearby.MAX_SHOWN,
        "care_modes": CareMode.choices,
        "categories": categories_by_domain(),
        "decision_categories": category_labels(nearby.Filters(filters.decision).categories()),
        "decision_modes": [CareMode(m).label for m in nearby.Filters(filters.decision).care_modes()],
        "any_uncovered": any(row["not_covered"] for row in selection),
        "derogation": request.POST.get("derogation") == "1",
        "justification": request.POST.get("justification", ""),
        "chosen": in_selection,
        "open_sites": open_sites,
        "open_count": len(open_sites),
        "selection": selection,
        "decisions": decisions,
        "selected_decision": selected_decision,
        "key": key,
        "errors": errors,
        "state_query": _query(params, chosen),
        "more_query": _query(params, chosen, nombre=str(min(filters.limit + nearby.PAGE, nearby.MAX_SHOWN))),
        "announce": _announce(request, sites),
    }
    if request.htmx and request.method == "GET":
        response = render(request, "orientation/persons/_send_screen.html", context)
        url = reverse("orientation:requests_send", args=[person.pk]) + "?" + context["state_query"]
        return push_url(response, url)
    _read(actor, person, "envoi de demandes d'admission")
    return render(request, "orientation/persons/send.html", context, status=400 if errors else 200)


def _announce(request, sites) -> str:
    """What the last click did, for the status line screen readers read out (htmx fragments only)."""
    what, _, site_id = request.GET.get("vu", "").partition("-")
    if what not in ANNOUNCES:
        return ""
    site = sites.get(int(site_id)) if site_id.isdigit() else None
    return f"« {site.name} » {ANNOUNCES[what]}." if site is not None else f"Établissement {ANNOUNCES[what]}."
