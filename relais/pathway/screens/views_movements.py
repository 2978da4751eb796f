"""The hospital movements section of the record page (decision 0045): see the stays, note an entry, a planned
discharge, a discharge, the discharge summary. Messages and errors come back to the section (`#hospitalisations`).

Who may write is the services' question (SOCIAL for the facts, MEDICAL for the reason and the summary); the forms
only leave out what the user may not write, and a refusal shows the policy's sentence.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.pathway import matrix as m
from relais.pathway.circle import selectors as circle_sel
from relais.pathway.policy import decide_each
from relais.pathway.record.movement_selectors import current_stay, movements_for
from relais.pathway.record.movement_services import hospital_discharge_summary_attach, hospital_movement_save
from relais.pathway.record.movements import HospitalMovement
from relais.pathway.screens.movement_forms import (
    DischargeSummaryForm,
    MovementDischargeForm,
    MovementEntryForm,
    MovementPlannedForm,
)
from relais.pathway.screens.views_common import acting, form_errors, run_service, who

PLACE = "hospitalisations"


def movements_context(request, access) -> dict:
    """What the record page's section needs (its template: pathway/_movements.html)."""
    writes = decide_each(**who(request), person=access.record.person, categories=[m.SOCIAL, m.MEDICAL], action=m.WRITE)
    movements = movements_for(access)
    may_write, medical = writes[m.SOCIAL].allowed, writes[m.MEDICAL].allowed
    for row in movements:
        if may_write and row.in_hospital:
            row.planned_form = MovementPlannedForm(
                initial={"planned_discharge_on": row.planned_discharge_on}, auto_id=f"prevue-{row.pk}-%s"
            )
            row.discharge_form = MovementDischargeForm(auto_id=f"sortie-{row.pk}-%s")
        if medical and not row.in_hospital and not row.has_summary:
            row.summary_form = DischargeSummaryForm(auto_id=f"crh-{row.pk}-%s")
    return {
        "movements": movements,
        "current_stay": current_stay(movements),
        "movements_refusal": None if access.may(m.SOCIAL) else access.decisions[m.SOCIAL],
        "movement_medical": access.may(m.MEDICAL),
        "movement_form": MovementEntryForm(medical=medical, auto_id="entree-%s") if may_write else None,
    }


HOME_PLACE = "sejours-en-cours"  # the home page's « Séjours en cours » (web/views.py), where a discharge is noted too


def _back(pk: int, request=None) -> str:
    """Where the user comes back to, with the messages: the home page's list when the form was posted from it."""
    if request is not None and request.POST.get("retour") == "accueil":
        return reverse("web:home") + f"#{HOME_PLACE}"
    return reverse("pathway:record", args=[pk]) + f"#{PLACE}"


def _movement(access, movement_pk: int) -> HospitalMovement:
    if not access.may(m.SOCIAL):
        raise Http404("Séjour introuvable.")
    return get_object_or_404(HospitalMovement, pk=movement_pk, record=access.record)


@require_POST
def movement_add(request, pk: int):
    access = circle_sel.record_get(**who(request), pk=pk)
    form = MovementEntryForm(request.POST, medical=True)
    if not form.is_valid():
        return form_errors(request, form, back=_back(pk))
    data = dict(form.cleaned_data)
    reason = data.pop("reason", "") or None  # an empty reason writes nothing medical
    return run_service(
        request,
        lambda: hospital_movement_save(actor=acting(request), person=access.record.person, reason=reason, **data),
        success="L'entrée à l'hôpital est notée ; le cercle de soins en est prévenu.",
        back=_back(pk),
    )


def _movement_change(request, pk: int, movement_pk: int, form_class, success: str):
    """A change of a stay's dates or discharge: the same rights, checks and service, another form."""
    access = circle_sel.record_get(**who(request), pk=pk)
    movement = _movement(access, movement_pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=_back(pk, request))
    return run_service(
        request,
        lambda: hospital_movement_save(
            actor=acting(request), person=access.record.person, movement=movement, **form.cleaned_data
        ),
        success=success,
        back=_back(pk, request),
    )


@require_POST
def movement_planned(request, pk: int, movement_pk: int):
    success = "La sortie prévue est notée ; le cercle de soins en est prévenu."
    return _movement_change(request, pk, movement_pk, MovementPlannedForm, success)


@require_POST
def movement_discharge(request, pk: int, movement_pk: int):
    success = "La sortie est notée ; le cercle de soins en est prévenu."
    return _movement_change(request, pk, movement_pk, MovementDischargeForm, success)


@require_POST
def movement_summary(request, pk: int, movement_pk: int):
    access = circle_sel.record_get(**who(request), pk=pk)
    movement = _movement(access, movement_pk)
    form = DischargeSummaryForm(request.POST, request.FILES)
    if not form.is_valid():
        return form_errors(request, form, back=_back(pk))
    return run_service(
        request,
        lambda: hospital_discharge_summary_attach(
            actor=acting(request), person=access.record.person, movement=movement, upload=form.cleaned_data["upload"]
        ),
        success="Le compte rendu de sortie est déposé ; seuls les membres autorisés aux données médicales le voient.",
        back=_back(pk),
    )
