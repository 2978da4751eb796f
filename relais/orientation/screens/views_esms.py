"""ESMS screens: the waiting list of the sites the actor runs admissions for, one request's page (status changes,
admission into a unit), and the list's exports.

Thin views: reads through ``waiting_list.selectors`` (scoped by ``policy``; out of scope is a 404 like a missing
id), writes through the orientation services and ``admission.admit.admission_admit``. Every POST carries the status
it was made from, so a double submit (or a colleague's change in between) is reported instead of applied twice.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from relais.audit.services import access_log_list_record, access_log_record
from relais.offer.capacity_selectors import capacity_age_label, capacity_is_stale
from relais.offer.models import Unit
from relais.offer.services import place_taking
from relais.orientation.admission.admit import ADMISSIBLE_FROM, UNIT_PATH_TO_ADMITTED, admission_admit
from relais.orientation.admission.models import Urgency
from relais.orientation.admission.selectors import admission_file_parts
from relais.orientation.decisions.documents import decision_documents_for
from relais.orientation.follow_up.admitted_elsewhere import (
    admission_request_transition_closing_others,
    other_requests_closable,
)
from relais.orientation.policy import may_process_request
from relais.orientation.proposals.models import ProposalStatus
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import AdmissionRequest, StatusTransition, UnitRequestStatus
from relais.orientation.requests.schedule import DATES_OPEN
from relais.orientation.requests.services import GROUND, admission_request_open, unit_request_transition
from relais.orientation.screens.admit_links import admit_open, admit_url
from relais.orientation.screens.forms_admissions import DatesForm
from relais.orientation.terminology.selectors import REASON_SYSTEM_NAME, concept_label, sdo_rules, status_labels
from relais.orientation.waiting_list.exports import FORMATS, waiting_list_export
from relais.orientation.waiting_list.labels import care_mode_names, category_names, person_label
from relais.orientation.waiting_list.selectors import (
    AGE_BANDS,
    PER_PAGE,
    SORTS,
    STATUS_GROUPS,
    attach_unit_statuses,
    category_choices,
    esms_request_get,
    filters_from,
    waiting_list,
)
from relais.web.templatetags.placed_messages import place_tag

# Changes made only by "Admettre dans l'unité …" (they take a place): never offered as plain status buttons.
ADMISSION_ONLY = {wf.ESMS: {st.ADMITTED}, wf.UNIT: {st.UNIT_ADMITTED}}


def waiting_list_view(request):
    actor = request.actor
    filters = filters_from(request.GET)
    result = waiting_list(actor=actor, filters=filters)
    page = Paginator(result.rows, PER_PAGE).get_page(request.GET.get("page"))
    attach_unit_statuses(list(page.object_list))
    query = urlencode(filters.as_query())
    if page.object_list:
        # Names and ages of persons are shown: one access-log entry for the page (the request page logs each one).
        access_log_list_record(  # each person readable in it from their own history (decision 0047)
            actor=actor,
            object_type="orientation.admissionrequest",
            rows=[(f"persons.person:{r.request.person_id}", r.request.pk, GROUND) for r in page.object_list],
            detail=f"liste d'attente page {page.number} : {len(page.object_list)} demande(s) affichée(s)"
            + (f" ; filtres {query}" if query else ""),
        )
    context = {
        "result": result,
        "filters": filters,
        "page": page,
        "groups": [(key, label) for key, (label, _codes) in STATUS_GROUPS.items()],
        "age_bands": [(key, label) for key, (label, _low, _high) in AGE_BANDS.items()],
        "sorts": list(SORTS.items()),
        "sort_label": SORTS[filters.sort],
        "urgency_levels": Urgency.choices,
        "categories": category_choices(actor, result.sites) if result.sites else [],
        "query": query,
        "formats": list(FORMATS),
        "admissible_from": list(ADMISSIBLE_FROM),
    }
    return render(request, "orientation/esms/waiting_list.html", context)


def waiting_list_export_view(request):
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponseBadRequest("Paramètre « format » : choisissez csv ou xlsx.".encode())
    filters = filters_from(request.GET)
    if filters.errors:
        return HttpResponseBadRequest(" ".join(filters.errors).encode())
    result = waiting_list(actor=request.actor, filters=filters)
    if not result.sites:
        raise Http404("Aucune liste d'attente pour votre rôle.")
    if filters.errors:  # a site or unit outside the actor's list
        return HttpResponseBadRequest(" ".join(filters.errors).encode())
    content, content_type, filename = waiting_list_export(actor=request.actor, result=result, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _reasons(target: str) -> list[tuple[str, str]]:
    codes = sorted(sdo_rules().get(target) or (), key=lambda code: (len(code), code))
    return [(code, concept_label(code, REASON_SYSTEM_NAME) or code) for code in codes]


def _actions(current: str | None, level: str) -> list[dict]:
    targets = wf.next_statuses(current, wf.ESMS_STAFF, level=level)
    labels = status_labels()
    return [
        {"target": t, "label": labels.get(t, t), "reasons": _reasons(t)}
        for t in targets
        if t not in ADMISSION_ONLY[level]
    ]


def _history_rows(transitions) -> list[dict]:
    labels = status_labels()
    return [
        {
            "row": t,
            "from_label": labels.get(t.from_status, ""),
            "to_label": labels.get(t.to_status, ""),
            "reason_label": concept_label(t.reason, REASON_SYSTEM_NAME) if t.reason else "",
        }
        for t in transitions
    ]


def unit_blocks(admission_request, *, may_process: bool) -> list[dict]:
    """Each unit of the site that is open or already has a status for this request: its status, history, actions."""
    rows = {row.unit_id: row for row in UnitRequestStatus.objects.filter(request=admission_request)}
    units = Unit.objects.filter(site_id=admission_request.site_id).select_related("site").order_by("name", "pk")
    history = StatusTransition.objects.filter(request=admission_request, level=wf.UNIT).order_by("at", "pk")
    by_unit: dict[int, list] = {}
    for transition in history:
        by_unit.setdefault(transition.unit_id, []).append(transition)
    labels = status_labels()
    blocks = []
    for unit in units:
        row = rows.get(unit.pk)
        if row is None and not unit.is_open:
            continue
        current = row.status if row else None
        admissible = admission_request.status in ADMISSIBLE_FROM and current in (None, *UNIT_PATH_TO_ADMITTED[:2])
        blocks.append(
            {
                "unit": unit,
                "status": current,
                "status_label": labels.get(current, "") if current else "",
                "reason_label": concept_label(row.status_reason, REASON_SYSTEM_NAME)
                if row and row.status_reason
                else "",
                "reason_code": row.status_reason if row else "",
                "actions": _actions(current, wf.UNIT) if may_process and (unit.is_open or row) else [],
                # With no place declared free too: the confirmation says what happens to the figures (0043).
                "may_admit": may_process and admissible and unit.is_open,
                "taking": place_taking(unit),
                "capacity_age": capacity_age_label(unit.capacity_updated_at),
                "capacity_stale": capacity_is_stale(unit),
                "history": _history_rows(by_unit.get(unit.pk, [])),
            }
        )
    return blocks


def other_requests_shown(admission_request) -> list:
    """The person's other open requests an admission here would close: the admission team chooses which to keep.
    Only the ESMS name and wish rank are shown; the page's access-log entry says they were read."""
    if admission_request.status not in ADMISSIBLE_FROM:
        return []
    return other_requests_closable(admission_request)


def esms_request_view(request, pk: int):
    admission_request = esms_request_get(actor=request.actor, pk=pk)
    if admission_request.status == st.NOTIFIED and may_process_request(request.actor, admission_request):
        admission_request = admission_request_open(actor=request.actor, request=admission_request)
    return request_page(request, admission_request)


def request_page(request, admission_request, *, dates_form=None, status: int = 200):
    """The request's page; ``dates_form`` is the bound form of a refused change of dates, shown with its errors."""
    actor = request.actor
    person = admission_request.person
    file, medical = admission_file_parts(actor=actor, person=person)  # medical: None unless readable (0032)
    history = StatusTransition.objects.filter(request=admission_request, level=wf.ESMS).order_by("at", "pk")
    labels = status_labels()
    # Health professionals of the ESMS read the request (and the medical part); only the admission team acts.
    may_process = may_process_request(actor, admission_request)
    units = unit_blocks(admission_request, may_process=may_process)
    admit_blocks = [block for block in units if block["may_admit"]]
    others = other_requests_shown(admission_request) if admit_blocks else []
    detail = "page de la demande (ESMS)"
    if others:  # one entry for the page, saying what else it showed
        detail += f", avec les autres demandes en cours ({len(others)}) pour l'admission"
    access_log_record(
        actor=actor,
        action="read",
        obj=admission_request,
        subject=f"persons.person:{person.pk}",
        ground=GROUND,
        detail=detail,
    )
    context = {
        "req": admission_request,
        "person": person,
        "file": file,
        "representatives": list(person.representatives.all()),
        "medical": medical,
        "medical_readable": medical is not None,
        "status_label": labels.get(admission_request.status, ""),
        "reason_label": concept_label(admission_request.status_reason, REASON_SYSTEM_NAME)
        if admission_request.status_reason
        else "",
        "history": _history_rows(history),
        "dates_history": list(admission_request.dates_changes.order_by("at", "pk")),
        "may_process": may_process,
        "actions": _actions(admission_request.status, wf.ESMS) if may_process else [],
        "units": units,
        "admit_blocks": admit_blocks,
        "admit_open": admit_open(request.GET, admit_blocks),
        "entry_day": _day(request.GET.get("entree", "")) or admission_request.planned_entry_on or timezone.localdate(),
        "others": others,
        "person_label": person_label(person),
        "admitted": st.ADMITTED,
        "admissible_status": admission_request.status in ADMISSIBLE_FROM,
        "dates_open": admission_request.status in DATES_OPEN,
        "dates_form": dates_form or DatesForm(admission_request=admission_request),
        "proposals": admission_request.proposals.filter(unit__site_id=admission_request.site_id)
        .exclude(status=ProposalStatus.WITHDRAWN)
        .select_related("unit")
        .order_by("-created_at", "pk"),
        "today": timezone.localdate(),
        "decision_categories": category_names(admission_request.decision.categories)
        if admission_request.decision
        else "",
        "decision_care_modes": care_mode_names(admission_request.decision.care_types)
        if admission_request.decision
        else "",
        "decision_documents": decision_documents_for(actor, admission_request.decision),
        "admitted_elsewhere": st.REASON_ADMITTED_ELSEWHERE,
    }
    return render(request, "orientation/esms/request.html", context, status=status)


def _errors_of(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


def _stale(request, current: str | None, target: str) -> bool:
    """True (with a message) when the form was made from another status than the current one: a double submit
    (already done: harmless) or a colleague's change in between (nothing applied)."""
    sent_from = request.POST.get("from", "")
    if sent_from == (current or ""):
        return False
    if current == target:
        messages.info(request, "Ce changement était déjà enregistré (double envoi ignoré).")
    else:
        messages.error(
            request,
            "Le statut a changé depuis l'affichage de la page (par un·e collègue ou un autre envoi) : "
            "rien n'a été modifié. Vérifiez le nouveau statut ci-dessous.",
        )
    return True


@require_POST
def esms_request_transition_view(request, pk: int):
    actor = request.actor
    admission_request = esms_request_get(actor=actor, pk=pk)
    level = request.POST.get("level", wf.ESMS)
    target = request.POST.get("target", "")
    reason = request.POST.get("reason") or None
    if level not in wf.LEVELS or not target:
        return HttpResponseBadRequest("Champs « level » et « target » requis.".encode())
    if target in ADMISSION_ONLY[level]:
        messages.error(request, "Une admission se prononce avec le bouton « Admettre dans l'unité … ».")
        return redirect("orientation:esms_request", pk=pk)
    try:
        if level == wf.ESMS:
            if not _stale(request, admission_request.status, target):
                admission_request_transition_closing_others(
                    actor=actor, request=admission_request, target=target, reason=reason
                )
                messages.success(request, f"Statut enregistré : « {st.status_word(target)} ».")
        else:
            unit = Unit.objects.filter(site_id=admission_request.site_id, pk=request.POST.get("unit") or 0).first()
            if unit is None:
                return HttpResponseBadRequest("Champ « unit » : unité inconnue pour cet établissement.".encode())
            row = UnitRequestStatus.objects.filter(request=admission_request, unit=unit).first()
            if not _stale(request, row.status if row else None, target):
                unit_request_transition(actor=actor, request=admission_request, unit=unit, target=target, reason=reason)
                messages.success(request, f"« {unit.name} » : statut « {st.status_word(target)} ».")
    except (ValidationError, PermissionDenied) as error:
        for message in _errors_of(error) if isinstance(error, ValidationError) else [str(error)]:
            messages.error(request, message)
    return redirect("orientation:esms_request", pk=pk)


def _day(raw: str):
    """A date typed as YYYY-MM-DD; None when empty, False when unreadable."""
    if not raw:
        return None
    try:
        return parse_date(raw) or False
    except ValueError:
        return False


@require_POST
def esms_request_admit_view(request, pk: int):
    actor = request.actor
    admission_request = esms_request_get(actor=actor, pk=pk)
    unit = Unit.objects.filter(site_id=admission_request.site_id, pk=request.POST.get("unit") or 0).first()
    if unit is None:
        return HttpResponseBadRequest("Champ « unit » : unité inconnue pour cet établissement.".encode())
    if request.POST.get("from", "") != admission_request.status:
        done = UnitRequestStatus.objects.filter(request=admission_request, unit=unit, status=st.UNIT_ADMITTED).exists()
        if done:
            messages.info(request, f"Cette personne est déjà admise dans « {unit.name} » (double envoi ignoré).")
        else:
            _stale(request, admission_request.status, "")
        return redirect("orientation:esms_request", pk=pk)
    # Only the requests listed on the page (hidden "affichees") may close; one sent since stays open, and is named.
    shown = {int(v) for v in request.POST.getlist("affichees") if v.isdigit()}
    keep = [int(v) for v in request.POST.getlist("garder") if v.isdigit() and int(v) in shown]
    entry_on = _day(request.POST.get("entree", ""))
    back = admit_url(pk, unit.pk, request.POST.get("entree", "") if entry_on else "")
    if entry_on is False:
        messages.error(
            request,
            "Date d'entrée illisible : choisissez-la à nouveau avant de confirmer l'admission.",
            extra_tags=place_tag(back),
        )
        return redirect(back)
    try:
        admission_admit(
            actor=actor,
            request=admission_request,
            unit=unit,
            keep_request_ids=keep,
            shown_request_ids=shown,
            entry_on=entry_on,
            # Sent only by a confirmation that said no place was declared free (a colleague may have taken the
            # last one since the page was shown: then the service refuses, and the confirmation now says so).
            undeclared_place=request.POST.get("place_non_declaree") == "1",
        )
    except (ValidationError, PermissionDenied) as error:
        for message in _errors_of(error) if isinstance(error, ValidationError) else [str(error)]:
            messages.error(request, message, extra_tags=place_tag(back))
        return redirect(back)
    else:
        unit.refresh_from_db(fields=["available"])
        left = f"{unit.available} place disponible" if unit.available <= 1 else f"{unit.available} places disponibles"
        closed = AdmissionRequest.objects.filter(
            pk__in=shown - set(keep),
            status=st.ADMISSION_IMPOSSIBLE_CONFIRMED,
            status_reason=st.REASON_ADMITTED_ELSEWHERE,
        ).count()
        since = f", à partir du {entry_on:%d/%m/%Y}" if entry_on else ""
        messages.success(
            request,
            f"Admission prononcée dans « {unit.name} »{since}. Il reste {left} dans cette unité."
            + (f" {closed} autre(s) demande(s) de la personne close(s) (admise ailleurs)." if closed else ""),
        )
        unseen = [r for r in other_requests_closable(admission_request) if r.pk not in shown]
        if unseen:
            messages.warning(
                request,
                "Demande(s) envoyée(s) après l'affichage de la page, laissée(s) ouverte(s) et gardée(s) sur la liste : "
                + ", ".join(f"« {r.site.name} » (souhait n° {r.wish_rank})" for r in unseen)
                + ". Vérifiez avec la personne si elle souhaite les garder ; sinon, signalez-le à ces établissements.",
            )
    return redirect("orientation:esms_request", pk=pk)
