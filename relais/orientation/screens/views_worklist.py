"""The persons followed as a work list (MDPH and département officers first): filters, several-word search, pages of
50, the named export of persons without solution (PAG) and reminders of unanswered requests to their ESMS.

Thin: the list is ``follow_up/work_list.py``'s, the export ``follow_up/pag_export.py``'s, the reminders
``follow_up/reminders.py``'s; who may is ``policy.py``'s. The page shown is one "read" in the access log,
listing its persons (decision 0047).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from relais.audit.services import access_log_list_record
from relais.orientation import policy
from relais.orientation.follow_up import work_list
from relais.orientation.follow_up.pag_export import TITLE, pag_export
from relais.orientation.follow_up.reminders import MANUAL_REMINDER_GAP, admission_requests_remind
from relais.orientation.screens.views_persons import GROUND, _actor
from relais.web.paging import number, page_bar, query_url


def _reader_or_403(request):
    actor = _actor(request)
    if actor is None or not actor.reads_personal_data:
        raise PermissionDenied("Votre rôle ne donne pas accès aux données des personnes.")
    return actor


def _list_url(filters: work_list.WorkFilters) -> str:
    query = filters.as_query()
    return reverse("orientation:persons") + (f"?{urlencode(query)}" if query else "")


def persons(request):
    actor = _reader_or_403(request)
    filters = work_list.filters_from(request.GET)
    result = work_list.work_page(actor, filters)
    access_log_list_record(  # one entry for the page shown, each person readable in it (decision 0047)
        actor=actor,
        object_type="persons.person",
        rows=[(f"persons.person:{p.pk}", p.pk, GROUND) for p in result.rows],
        detail="liste des personnes suivies",
    )
    path = reverse("orientation:persons")
    pagination = page_bar(
        current=result.page,
        pages=result.pages,
        first=result.first,
        last=result.last,
        total=result.total,
        url=lambda page: query_url(path, request.GET, page),
    )
    context = {
        "result": result,
        "filters": result.filters,
        "total_label": number(result.total),
        "pagination": pagination,
        "query": result.filters.query,
        "export_query": urlencode(result.filters.as_query()),
        "may_create": policy.may_send_requests(actor),
        "may_remind": policy.may_send_requests(actor),
        "may_export": policy.may_export_without_solution(actor),
        "export_title": TITLE,
        "reminder_gap": MANUAL_REMINDER_GAP.days,
    }
    return render(request, "orientation/persons/list.html", context)


def persons_export(request, fmt: str):
    actor = _reader_or_403(request)
    if not policy.may_export_without_solution(actor):
        raise PermissionDenied("Seuls la MDPH et le département exportent les personnes sans solution.")
    if fmt not in ("csv", "xlsx"):
        raise Http404("Format inconnu.")
    content, content_type, filename = pag_export(actor=actor, filters=work_list.filters_from(request.GET), fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def persons_remind(request):
    actor = _reader_or_403(request)
    filters = work_list.filters_from(request.POST)
    chosen = [int(pk) for pk in request.POST.getlist("personne") if pk.isdigit()]
    if not chosen:
        messages.error(request, "Cochez au moins une personne dont relancer les demandes.")
        return redirect(_list_url(filters))
    sent = admission_requests_remind(actor=actor, person_ids=chosen, days=filters.unread_days)
    (messages.success if sent.requests else messages.warning)(request, sent.message)
    return redirect(_list_url(filters))
