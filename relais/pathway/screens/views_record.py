"""The coordination record screens: my records, opening a record, the record page, documents, who consulted it.

Every view asks the policy (through ``selectors``): a record the user may not open is a 404 exactly like a missing
one; inside it, what may not be read is left out of lists and counts and the policy's sentence is shown instead.
Each page view is traced once in the access log, grounded on the rule that allowed it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.orientation.policy import persons_visible_to
from relais.pathway import guard
from relais.pathway import matrix as m
from relais.pathway.circle import selectors as circle_sel
from relais.pathway.circle.models import CoordinationRecord
from relais.pathway.circle.services import record_open
from relais.pathway.record import selectors as sel
from relais.pathway.record import services as rs
from relais.pathway.record.models import EventKind
from relais.pathway.screens.forms import DocumentForm, EventForm, PersonNewForm, RecordOpenForm
from relais.pathway.screens.views_circle import circle_context
from relais.pathway.screens.views_common import acting, form_errors, run_service, who
from relais.pathway.screens.views_subscriptions import subscription_context
from relais.persons.services import person_create


def _openable_persons(actor):
    if actor.organisation is None or not actor.reads_personal_data:
        return persons_visible_to(None)
    return persons_visible_to(actor).filter(coordination_record__isnull=True).order_by("family_name", "first_names")


def records(request):
    """ "Mes dossiers", and the forms to open a record for a person the organisation already follows or a new one."""
    actor = acting(request)
    listed = circle_sel.records_for(**who(request))
    for record in listed:  # a list shows who each person is: one read per person listed
        guard.trace(
            actor=actor,
            action="read",
            obj=record,
            person=record.person,
            decision=record.decision,
            detail="liste « Mes dossiers »",
        )
    context = {
        "records": listed,
        "may_open": actor.organisation is not None and actor.reads_personal_data,
    }
    if context["may_open"]:
        context["open_form"] = RecordOpenForm(persons=_openable_persons(actor), auto_id="suivie-%s")
        context["new_form"] = PersonNewForm(auto_id="nouvelle-%s")
    return render(request, "pathway/records.html", context)


@require_POST
def record_open_view(request):
    actor = acting(request)
    back = reverse("pathway:records")
    if actor.organisation is None or not actor.reads_personal_data:
        raise Http404
    if "family_name" in request.POST:
        form = PersonNewForm(request.POST)
    else:
        form = RecordOpenForm(request.POST, persons=_openable_persons(actor))
    if not form.is_valid():
        return form_errors(request, form, back=back)
    data = dict(form.cleaned_data)
    informed_at = data.pop("informed_at")
    try:
        with transaction.atomic():
            person = data.pop("person", None) or person_create(actor=actor, ground="care_circle", **data)
            record = record_open(actor=actor, person=person, informed_at=informed_at)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(back)
    messages.success(request, "Le dossier de coordination est ouvert ; vous en êtes le ou la référent·e.")
    return redirect("pathway:record", pk=record.pk)


def record_detail(request, pk: int):
    access = circle_sel.record_get(**who(request), pk=pk)
    record, person = access.record, access.record.person
    kind = request.GET.get("nature", "")
    if kind not in EventKind.values:
        kind = ""
    events = list(sel.events_for(access, kind))
    context = {
        "access": access,
        "record": record,
        "person": person,
        "identity": access.decisions[m.IDENTITY],
        "events": events,
        "kind": kind,
        "kinds": EventKind.choices,
        "timeline_refusals": access.refusals([m.SOCIAL, m.MEDICAL]),
        "documents": list(sel.documents_for(access)),
        "document_refusals": access.refusals([m.DOCUMENTS, m.MEDICAL]),
        "plan": sel.plan_for(record) if access.may(m.PLAN) else None,
        "plan_refusal": None if access.may(m.PLAN) else access.decisions[m.PLAN],
        "may_see_history": circle_sel.may_see_history(**who(request), person=person).allowed,
        "event_form": EventForm(auto_id="evenement-%s"),
        "document_form": DocumentForm(auto_id="document-%s"),
        **circle_context(request, access),
        "subscription": subscription_context(actor=acting(request), record=record, person=person),
    }
    guard.trace(
        actor=acting(request),
        action="read",
        obj=record,
        person=person,
        decision=access.decisions[m.IDENTITY],
        detail="consultation du dossier" + (f" (événements : {kind})" if kind else ""),
    )
    return render(request, "pathway/record.html", context)


@require_POST
def event_add(request, pk: int):
    access = circle_sel.record_get(**who(request), pk=pk)
    back = reverse("pathway:record", args=[pk]) + "#chronologie"
    form = EventForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    return run_service(
        request,
        lambda: rs.event_post(actor=acting(request), person=access.record.person, **form.cleaned_data),
        success="L'événement est ajouté à la chronologie.",
        back=back,
    )


@require_POST
def document_add(request, pk: int):
    access = circle_sel.record_get(**who(request), pk=pk)
    back = reverse("pathway:record", args=[pk]) + "#documents"
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    return run_service(
        request,
        lambda: rs.document_upload(actor=acting(request), person=access.record.person, **form.cleaned_data),
        success="Le document est déposé.",
        back=back,
    )


def document_download(request, pk: int):
    """Served only after the policy is asked again; never displayed inline, never sniffed by the browser."""
    document, decision = sel.document_get(**who(request), pk=pk)
    guard.trace(
        actor=acting(request),
        action="read",
        obj=document,
        person=document.record.person,
        decision=decision,
        detail="téléchargement du document",
    )
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def access_history(request, pk: int):
    """ "Qui a consulté ce dossier": for circle managers and the person's proxies with an account."""
    access = circle_sel.record_get(**who(request), pk=pk)
    person = access.record.person
    decision = circle_sel.may_see_history(**who(request), person=person)
    if not decision.allowed:
        raise Http404("Dossier introuvable.")
    page = Paginator(circle_sel.access_history(person), 25).get_page(request.GET.get("page"))
    guard.trace(
        actor=acting(request),
        action="read",
        obj=access.record,
        person=person,
        decision=decision,
        detail="consultation de l'historique des accès",
    )
    return render(request, "pathway/access_history.html", {"record": access.record, "person": person, "page": page})


def record_by_person(request, person_pk: int):
    """A stable link from elsewhere (a person's page): the record of the person, with the same 404 rules."""
    record = CoordinationRecord.objects.filter(person_id=person_pk).only("pk").first()
    if record is None:
        raise Http404("Dossier introuvable.")
    circle_sel.record_get(**who(request), pk=record.pk)
    return redirect("pathway:record", pk=record.pk)
