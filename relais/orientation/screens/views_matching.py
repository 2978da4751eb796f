"""Matching screens: the ESMS's proposals (compute, accept, refuse, each with its explanation) and the territory's
simulation of added places.

Thin: scoping is ``policy.py``'s (a proposal whose request is out of scope is a 404 like a missing id), writes are
``proposals.services``'. The simulation shows counts only, never a person.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from relais.audit.services import access_log_list_record
from relais.matching.simulation import Addition, simulate
from relais.offer.codes import CareMode, current_category
from relais.offer.models import Category, Site
from relais.orientation import policy
from relais.orientation.admission.admit import ADMISSIBLE_FROM
from relais.orientation.proposals.models import MatchProposal, ProposalStatus
from relais.orientation.proposals.selectors import instance_for_departement, units_run_by
from relais.orientation.proposals.services import GROUND, proposal_accept, proposal_refuse, proposals_compute
from relais.orientation.territory_figures.selectors import departements_in, territory_scope
from relais.orientation.waiting_list.labels import person_label, unit_label

KEY_ORDER = ("urgency", "waited", "wish", "distance")


def _actor(request):
    return request.actor or None


def _run_sites(actor):
    """The sites of the actor's organisation, or of the legal entities it manages (whatever the role)."""
    if actor is None:
        return Site.objects.none()
    return policy.esms_sites(actor)


def proposals_visible_to(actor):
    """Proposals of requests the actor may read (``policy``), for units of the actor's own sites."""
    return MatchProposal.objects.filter(request__in=policy.requests_visible_to(actor), unit__site__in=_run_sites(actor))


def _proposal_or_404(actor, pk: int) -> MatchProposal:
    proposal = proposals_visible_to(actor).filter(pk=pk).first()
    if proposal is None:
        raise Http404("Proposition introuvable.")
    return proposal


def _others_labels(actor, proposals) -> dict[int, str]:
    """Names of the persons of the requests the explanations mention, when the actor may read those requests
    (``policy``); each person shown is a read in the access log."""
    ids = {row["request_id"] for p in proposals for row in p.explanation.get("unit", {}).get("others", [])}
    visible = policy.requests_visible_to(actor).filter(pk__in=ids).select_related("person")
    names = {request.pk: person_label(request.person) for request in visible}
    access_log_list_record(  # one entry for the list (decision 0047)
        actor=actor,
        object_type="orientation.admissionrequest",
        rows=[(f"persons.person:{r.person_id}", r.pk, GROUND) for r in visible],
        detail="explications des propositions d'appariement",
    )
    return names


def proposals(request):
    actor = _actor(request)
    if actor is None or not actor.reads_personal_data:
        raise PermissionDenied("Votre rôle ne permet pas de voir les propositions d'appariement.")
    if not _run_sites(actor).exists():  # like the waiting list: an organisation running no admissions is told why
        return render(request, "orientation/matching/proposals.html", {"no_sites": True})
    rows = list(
        proposals_visible_to(actor)
        .filter(status__in=[ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED])
        .select_related("request__person", "request__site", "unit__site")
        .order_by("unit__site__name", "unit__name", "-score", "pk")
    )
    names = _others_labels(actor, rows)
    today = timezone.localdate()
    for proposal in rows:
        explanation = proposal.explanation or {}
        proposal.person_label = person_label(proposal.request.person)
        proposal.unit_label = unit_label(proposal.unit)
        proposal.parts = explanation.get("score", {}).get("parts", [])
        proposal.others = [
            {**row, "name": names.get(row["request_id"], f"demande n° {row['request_id']}")}
            for row in explanation.get("unit", {}).get("others", [])
        ]
        proposal.others_more = explanation.get("unit", {}).get("others_count", 0) - len(proposal.others)
        # An accepted proposal leads to the admission's confirmation (decision 0043), when one is still possible.
        proposal.may_admit = (
            proposal.status == ProposalStatus.ACCEPTED
            and proposal.request.status in ADMISSIBLE_FROM
            and proposal.unit.is_open  # no place declared free: the confirmation says so (place_taking)
            and policy.may_process_request(actor, proposal.request)
        )
        proposal.entry_day = proposal.request.planned_entry_on or today
    access_log_list_record(  # one entry for the list (decision 0047)
        actor=actor,
        object_type="orientation.matchproposal",
        rows=[(f"persons.person:{p.request.person_id}", p.pk, GROUND) for p in rows],
        detail="propositions d'appariement",
    )
    may_compute = units_run_by(actor).exists()
    return render(request, "orientation/matching/proposals.html", {"proposals": rows, "may_compute": may_compute})


@require_POST
def compute(request):
    actor = _actor(request)
    units = list(units_run_by(actor))
    if not units:
        raise PermissionDenied("Aucune unité avec des places disponibles dont vous gérez les admissions.")
    try:
        run, created = proposals_compute(actor=actor, units=units)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{len(created)} proposition{'s' if len(created) != 1 else ''} calculée"
                         f"{'s' if len(created) != 1 else ''} (calcul {run}).")  # fmt: skip
    return redirect("orientation:proposals")


@require_POST
def accept(request, pk: int):
    actor = _actor(request)
    proposal = _proposal_or_404(actor, pk)
    try:
        proposal_accept(actor=actor, proposal=proposal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, "Proposition acceptée. Pour admettre la personne, suivez « Admettre dans … » sous la proposition."
        )
    return redirect("orientation:proposals")


@require_POST
def refuse(request, pk: int):
    actor = _actor(request)
    proposal = _proposal_or_404(actor, pk)
    try:
        proposal_refuse(actor=actor, proposal=proposal, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Proposition refusée.")
    return redirect("orientation:proposals")


class SimulationForm(forms.Form):
    category = forms.ChoiceField(label="Catégorie d'établissement")
    care_mode = forms.ChoiceField(
        label="Type d'accueil", required=False, choices=[("", "Tout type d'accueil"), *CareMode.choices]
    )
    departement = forms.ChoiceField(label="Département")
    places = forms.IntegerField(label="Nombre de places ajoutées", min_value=1, max_value=10_000)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        categories = Category.objects.filter(is_medico_social=True).order_by("code")
        self.fields["category"].choices = [(c.code, f"{c.code} — {c.label}") for c in categories]
        # The territory view's scope: a département's or an MDPH's own département, an ARS its region's, the national
        # level all; an organisation whose territory is not set gets none (never the whole country).
        scope = territory_scope(actor)
        departements = departements_in(scope) if scope is not None else []
        self.fields["departement"].choices = [(code, f"{code} — {name}") for code, name in departements]


def simulation(request):
    actor = _actor(request)
    if not policy.may_see_territory(actor):
        raise PermissionDenied("La simulation est réservée aux acteurs du territoire (MDPH, département, ARS).")
    form = SimulationForm(request.GET or None, actor=actor)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        instance = instance_for_departement(data["departement"])
        addition = Addition(
            category=current_category(data["category"]),
            places=data["places"],
            zone=data["departement"],
            care_mode=data["care_mode"],
        )
        result = simulate(instance, [addition])
    return render(request, "orientation/matching/simulation.html", {"form": form, "result": result})
