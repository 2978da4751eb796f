"""Sending a person's requests to several ESMS, in the person's order of wishes (orientation side).

Thin, like ``views_persons.py`` whose scoping helpers it uses: a person out of scope is a 404, the send itself is
``admission.services.admission_requests_send_with_wishes`` (idempotency key rendered with the form), the page view is
traced.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone

from relais.offer.models import Site
from relais.orientation.admission.services import admission_requests_send_with_wishes
from relais.orientation.decisions.models import DecisionStatus
from relais.orientation.requests.models import ESMS_ENDED
from relais.orientation.requests.selectors import sites_coverage
from relais.orientation.screens.forms import SiteSearchForm, category_labels, chosen_site_ids, ranked_choices
from relais.orientation.screens.views_persons import _actor, _errors, _person_or_404, _read, _sender_or_403

SITE_RESULTS_LIMIT = 25


def _site_search(form: SiteSearchForm):
    if not form.is_valid() or not (form.cleaned_data["q"] or form.cleaned_data["category"]):
        return None
    sites = Site.objects.filter(is_open=True).select_related("category", "commune")
    query = form.cleaned_data["q"].strip()
    if query:
        sites = sites.filter(
            Q(name__icontains=query) | Q(city__icontains=query) | Q(commune__name__istartswith=query) | Q(finess=query)
        )
    if form.cleaned_data["category"]:
        sites = sites.filter(category_id=form.cleaned_data["category"])
    return list(sites.order_by("name", "pk")[:SITE_RESULTS_LIMIT])


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
    decisions = list(
        person.orientation_decisions.filter(status=DecisionStatus.VALID).order_by("-validity_start", "-pk")
    )
    errors, key = [], request.POST.get("key") or uuid.uuid4().hex
    selected_decision = params.get("decision", str(decisions[0].pk) if decisions else "")
    decision = next((d for d in decisions if str(d.pk) == selected_decision), None)
    derogation = request.POST.get("justification", "").strip() if request.POST.get("derogation") == "1" else ""
    if request.method == "POST":
        choices, ranks, errors = ranked_choices(request.POST, sites)
        if selected_decision and decision is None:
            errors.append("La décision choisie n'est plus en cours de validité : choisissez-en une autre.")
        if request.POST.get("derogation") == "1" and not derogation:
            errors.append("Justification de la dérogation : expliquez pourquoi la demande part hors de la décision.")
        if not errors:
            try:
                sent = admission_requests_send_with_wishes(
                    actor=actor,
                    person=person,
                    choices=choices,
                    decision=decision,
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
    search_form = SiteSearchForm(request.GET if request.method == "GET" else None)
    results = _site_search(search_form)
    show_excluded = request.GET.get("hors_decision") == "1"
    today = timezone.localdate()
    reasons = sites_coverage(decision=decision, person=person, sites=[*sites.values(), *(results or [])], day=today)
    for site in results or []:
        site.not_covered = reasons[site.pk]
    excluded = [site for site in results or [] if reasons[site.pk]]
    if results is not None and not show_excluded:
        results = [site for site in results if not reasons[site.pk]]
    open_sites = set(person.admission_requests.exclude(status__in=ESMS_ENDED).values_list("site_id", flat=True))
    typed_rank = {i: request.POST.get(f"rang_{i}", "") for i in chosen} if request.method == "POST" else {}
    selection = [
        {
            "site": sites[i],
            "rank": typed_rank.get(i) or str(position),
            "stay": request.POST.get(f"rester_{i}") == "1",
            "remove_query": _query(chosen, without=i),
            "not_covered": reasons.get(i, []),
        }
        for position, i in enumerate((i for i in chosen if i in sites), start=1)
    ]
    _read(actor, person, "envoi de demandes d'admission")
    context = {
        "person": person,
        "search_form": search_form,
        "results": results,
        "excluded_count": len(excluded),
        "show_excluded": show_excluded,
        "any_uncovered": any(row["not_covered"] for row in selection),
        "derogation": request.POST.get("derogation") == "1",
        "justification": request.POST.get("justification", ""),
        "chosen": chosen,
        "open_sites": open_sites,
        "selection": selection,
        "decisions": decisions,
        "selected_decision": selected_decision,
        "key": key,
        "errors": errors,
        "oriented_categories": category_labels(sorted({c for d in decisions for c in d.categories})),
    }
    return render(request, "orientation/persons/send.html", context, status=400 if errors else 200)


def _query(chosen: list[int], *, without: int) -> str:
    return "&".join(f"choix={i}" for i in chosen if i != without)
