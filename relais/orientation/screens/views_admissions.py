"""ESMS admission screens around a request (decision 0043): its dates (planned entry, pre-admission interview) and
the admission committee's printable list. The confirmation before an admission is part of the request page
(``views_esms.request_page``, template ``esms/_admit_confirm.html``), posted to ``views_esms``'s admit view.

Thin like ``views_esms``: requests through ``waiting_list.selectors.esms_request_get`` (out of scope: 404), writes
through ``requests.schedule``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from relais.audit.services import access_log_record
from relais.orientation.decisions.documents import document_readable, documents_visible_to
from relais.orientation.policy import may_process_request
from relais.orientation.requests.models import Source
from relais.orientation.requests.schedule import admission_request_dates_set
from relais.orientation.requests.services import GROUND
from relais.orientation.screens.forms_admissions import DatesForm
from relais.orientation.screens.views_esms import request_page
from relais.orientation.waiting_list.committee import MAX_COMMITTEE_ROWS, committee_rows
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


def decision_document_view(request, pk: int):
    """A document received for a decision (SI-SDO, decision 0050), downloaded as sent; out of scope: 404."""
    document = documents_visible_to(request.actor).filter(pk=pk).first()
    if document is None or not document_readable(request.actor, document):
        raise Http404("Document introuvable.")
    access_log_record(
        actor=request.actor,
        action="read",
        obj=document,
        subject=f"persons.person:{document.decision.person_id}",
        ground=GROUND,
        detail=f"document « {document.title} » de la décision {document.decision_id}",
    )
    response = HttpResponse(bytes(document.data), content_type=document.content_type or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
