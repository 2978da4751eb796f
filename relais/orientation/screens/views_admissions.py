"""ESMS admission screens around a request (decision 0043): its dates (planned entry, pre-admission interview), the
confirmation before an admission (which unit, from which day, who), and the admission committee's printable list.

Thin like ``views_esms``: requests through ``waiting_list.selectors.esms_request_get`` (out of scope: 404), writes
through ``requests.schedule`` and ``admission.admit`` (the POST of the confirmation is ``views_esms``'s admit view).
The confirmation is a page, so it works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from relais.audit.services import access_log_record
from relais.orientation.admission.admit import ADMISSIBLE_FROM
from relais.orientation.policy import may_process_request
from relais.orientation.requests import statuses as st
from relais.orientation.requests.models import Source
from relais.orientation.requests.schedule import admission_request_dates_set
from relais.orientation.requests.services import GROUND
from relais.orientation.screens.forms_admissions import AdmitForm, DatesForm
from relais.orientation.screens.views_esms import other_requests_shown, request_page, unit_blocks
from relais.orientation.waiting_list.committee import MAX_COMMITTEE_ROWS, committee_rows
from relais.orientation.waiting_list.labels import person_label
from relais.orientation.waiting_list.selectors import SORTS, STATUS_GROUPS, esms_request_get, filters_from, waiting_list

COMMITTEE_GROUP = "a-examiner"


@require_POST
def esms_request_dates_view(request, pk: int):
    actor = request.actor
    admission_request = esms_request_get(actor=actor, pk=pk)
    if not may_process_request(actor, admission_request):
        raise PermissionDenied("Seule l'équipe d'admission de l'établissement note les dates d'admission.")
    form = DatesForm(request.POST)
    if form.is_valid():
        try:
            admission_request_dates_set(
                actor=actor,
                request=admission_request,
                planned_entry_on=form.cleaned_data["planned_entry_on"],
                interview_at=form.cleaned_data["interview_at"],
                source=Source.WEB,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, field_messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, field_messages)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(request, "Dates enregistrées.")
            return redirect(f"{admission_request_url(pk)}#rendez-vous")
    return request_page(request, admission_request, dates_form=form, status=400)


def admission_request_url(pk: int) -> str:
    return reverse("orientation:esms_request", args=[pk])


def esms_request_admit_confirm_view(request, pk: int):
    """GET only. Without a valid unit and day: the choice (with errors). With them: who is admitted where and from
    when, the place it takes, the other requests that will close; "Confirmer l'admission" posts to the admit view."""
    actor = request.actor
    admission_request = esms_request_get(actor=actor, pk=pk)
    if not may_process_request(actor, admission_request):
        raise PermissionDenied("Seule l'équipe d'admission de l'établissement prononce une admission.")
    units = [block["unit"] for block in unit_blocks(admission_request, may_process=True) if block["may_admit"]]
    chosen = "unite" in request.GET or "entree" in request.GET
    initial_day = admission_request.planned_entry_on or timezone.localdate()
    data = request.GET if chosen else None
    if data is None and len(units) == 1:  # one unit with a place: straight to the confirmation, with the usual day
        data = {"unite": str(units[0].pk), "entree": initial_day.isoformat()}
    form = AdmitForm(
        data,
        admission_request=admission_request,
        units=units,
        initial={"unite": units[0].pk if len(units) == 1 else None, "entree": initial_day},
    )
    confirming = form.is_bound and form.is_valid() and "modifier" not in request.GET
    access_log_record(
        actor=actor,
        action="read",
        obj=admission_request,
        subject=f"persons.person:{admission_request.person_id}",
        ground=GROUND,
        detail="confirmation d'admission" if confirming else "choix de l'unité pour l'admission",
    )
    context = {
        "req": admission_request,
        "person": admission_request.person,
        "person_label": person_label(admission_request.person),
        "form": form,
        "units": units,
        "admissible": admission_request.status in ADMISSIBLE_FROM,
        "confirming": confirming,
        "unit": form.unit if confirming else None,
        "entry_on": form.cleaned_data["entree"] if confirming else None,
        "others": other_requests_shown(actor, admission_request) if confirming else [],
        "admitted": st.ADMITTED,
        "admitted_elsewhere": st.REASON_ADMITTED_ELSEWHERE,
        "change_query": urlencode({"unite": (data or {}).get("unite", ""), "entree": (data or {}).get("entree", "")}),
    }
    return render(request, "orientation/esms/admit_confirm.html", context)


def committee_list_view(request):
    """The printable list for the admission committee: by default the requests to examine (new, under review,
    admissible), by priority; the waiting list's filters apply."""
    actor = request.actor
    params = request.GET.copy()
    params.setdefault("statut", COMMITTEE_GROUP)
    filters = filters_from(params)
    result = waiting_list(actor=actor, filters=filters)
    if not result.sites:
        raise Http404("Aucune liste d'attente pour votre rôle.")
    rows = committee_rows(actor=actor, rows=result.rows)
    access_log_record(
        actor=actor,
        action="read",
        ground=GROUND,
        object_type="orientation.admissionrequest",
        detail=f"liste pour la commission d'admission : {len(rows)} demande(s)",
    )
    sites = [site for site in result.sites if filters.site in (None, site.pk)]
    context = {
        "rows": rows,
        "result": result,
        "filters": filters,
        "sites": sites,
        "group_label": STATUS_GROUPS[filters.group][0],
        "sort_label": SORTS[filters.sort],
        "total": len(result.rows),
        "max_rows": MAX_COMMITTEE_ROWS,
        "today": timezone.localdate(),
        "printed_by": actor.public_label,
        "medical_shown": any(row.medical for row in rows),
    }
    return render(request, "orientation/esms/committee.html", context)
