"""Screens of concertation meetings: a person's meetings and the convocation form, one meeting (answer, conclusions),
its .ics file. Plain forms, no JavaScript needed.

A person or meeting whose plan the user may not read is a 404, exactly like a missing id. A refused or bad input
comes back on the same page with the form as typed and the French sentences above it (role="alert"), where the user
is; the answer buttons go through ``run_service`` (a message in the answer's section).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.pathway.access import CircleMember, acting, decide, run_service, trace
from relais.pathway.access import matrix as m
from relais.persons.models import Person
from relais.territory.timezones import organisation_zone

from . import selectors as sel
from . import services as svc
from .forms import MAX_ACTION_ROWS, ConcludeForm, ConveneForm, action_formset
from .ics import meeting_calendar


def _errors_of(exc) -> list[str]:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return [text for texts in exc.message_dict.values() for text in texts]
    return list(getattr(exc, "messages", None) or [str(exc)])


def _form_errors(*forms_) -> list[str]:
    texts = []
    for form in forms_:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            texts += [f"{label} : {error}" if label else str(error) for error in errors]
    return texts


def _person(request, person_pk: int):
    person = Person.objects.filter(pk=person_pk, merged_into__isnull=True).first()
    if person is None:
        raise Http404("Personne introuvable.")
    return person, sel.plan_reader(acting(request), person)


def person_meetings(request, person_pk: int):
    """The person's meetings; for a circle manager, the convocation form (POST convenes)."""
    actor = acting(request)
    person, decision = _person(request, person_pk)
    convener = sel.may_convene(actor, person)
    members = sel.invitable_members(person) if convener.allowed else []
    mine = convener.member.pk if convener.allowed else None
    members = [member for member in members if member.pk != mine]
    errors, status = [], 200
    if request.method == "POST":
        if not convener.allowed:
            raise PermissionDenied(convener.message)
        form = ConveneForm(request.POST, members=members, auto_id="reunion-%s")
        if form.is_valid():
            data = form.cleaned_data
            zone = organisation_zone(actor.organisation)
            chosen = list(CircleMember.objects.filter(pk__in=data["invitees"]).select_related("user", "organisation"))
            try:
                meeting = svc.meeting_convene(
                    actor=actor,
                    person=person,
                    title=data["title"],
                    starts_at=datetime.combine(data["day"], data["start_time"], tzinfo=zone),
                    duration_minutes=data["duration_minutes"],
                    place=data["place"],
                    video_link=data["video_link"],
                    agenda_items=data["agenda_items"],
                    invitees=chosen,
                )
            except (ValidationError, PermissionDenied) as exc:
                errors = _errors_of(exc)
            else:
                messages.success(request, "La réunion est convoquée : chaque membre convoqué·e est prévenu·e.")
                return redirect("agenda:meeting", pk=meeting.pk)
        else:
            errors = _form_errors(form)
        status = 400
    else:
        form = ConveneForm(members=members, auto_id="reunion-%s")
    trace(actor=actor, action="read", obj=person, person=person, decision=decision, detail="concertation : réunions")
    context = {
        "person": person,
        "meetings": sel.meetings_of(person),
        "convener": convener,
        "form": form,
        "errors": errors,
        "members": members,
    }
    return render(request, "agenda/meetings/person_meetings.html", context, status=status)


def _rows(request) -> int:
    try:
        return min(int(request.GET.get("lignes", 3)), MAX_ACTION_ROWS)
    except ValueError:
        return 3


def meeting_detail(request, pk: int, *, conclude_forms=None, errors=(), status=200):
    actor = acting(request)
    view = sel.meeting_get(actor, pk)
    meeting = view.meeting
    invitations = sel.invitations_of(meeting)
    trace(
        actor=actor,
        action="read",
        obj=meeting,
        person=meeting.person,
        decision=view.decision,
        detail="concertation : réunion",
    )
    context = {
        "view": view,
        "meeting": meeting,
        "invitations": invitations,
        "actions": list(
            meeting.actions.select_related("task__assignee_member__user", "task__assignee_member__organisation")
        ),
        "errors": errors,
        "more_rows": min(_rows(request) + 3, MAX_ACTION_ROWS),
    }
    if view.may_conclude:
        medical = _writes_medical(actor, meeting)
        members = sel.invitable_members(meeting.person)
        form, formset = conclude_forms or (
            ConcludeForm(
                invitations=invitations,
                medical=medical,
                auto_id="conclusions-%s",
                initial={"attended": [i.pk for i in invitations if i.answer != "absent"]},
            ),
            action_formset(members=members, rows=_rows(request)),
        )
        context.update(conclude_form=form, formset=formset)
    return render(request, "agenda/meetings/meeting.html", context, status=status)


def _writes_medical(actor, meeting) -> bool:
    return decide(
        user=actor.user, organisation=actor.organisation, person=meeting.person, category=m.MEDICAL, action=m.WRITE
    ).allowed


@require_POST
def meeting_answer_view(request, pk: int):
    actor = acting(request)
    view = sel.meeting_get(actor, pk)
    back = reverse("agenda:meeting", args=[pk]) + "#reponse"
    answer = request.POST.get("answer", "")
    return run_service(
        request,
        lambda: svc.meeting_answer(actor=actor, meeting=view.meeting, answer=answer),
        success="Votre réponse est enregistrée.",
        back=back,
    )


@require_POST
def meeting_conclude_view(request, pk: int):
    actor = acting(request)
    view = sel.meeting_get(actor, pk)
    if not view.may_manage:
        raise PermissionDenied("Seuls le ou la référent·e et les coordinateur·rices enregistrent les conclusions.")
    meeting = view.meeting
    invitations = sel.invitations_of(meeting)
    members = sel.invitable_members(meeting.person)
    form = ConcludeForm(
        request.POST, invitations=invitations, medical=_writes_medical(actor, meeting), auto_id="conclusions-%s"
    )
    formset = action_formset(request.POST, members=members)
    if not form.is_valid() or not formset.is_valid():
        errors = _form_errors(form, *formset.forms) or ["Vérifiez les lignes d'action."]
        return meeting_detail(request, pk, conclude_forms=(form, formset), errors=errors, status=400)
    owners = {mb.pk: mb for mb in CircleMember.objects.filter(pk__in=[f.cleaned_data.get("owner") for f in formset])}
    actions = [
        {
            "title": f.cleaned_data.get("title", ""),
            "owner": owners.get(f.cleaned_data.get("owner")),
            "due_date": f.cleaned_data.get("due_date"),
        }
        for f in formset
    ]
    try:
        svc.meeting_conclude(
            actor=actor,
            meeting=meeting,
            attended_ids=form.cleaned_data["attended"],
            conclusions=form.cleaned_data["conclusions"],
            medical_conclusions=form.cleaned_data.get("medical_conclusions", ""),
            actions=actions,
        )
    except (ValidationError, PermissionDenied) as exc:
        return meeting_detail(request, pk, conclude_forms=(form, formset), errors=_errors_of(exc), status=400)
    messages.success(
        request, "Les conclusions sont enregistrées, les actions ajoutées au plan ; les absent·es sont prévenu·es."
    )
    return redirect("agenda:meeting", pk=pk)


def meeting_ics(request, pk: int):
    """The meeting as an iCalendar file for the invitee's own calendar (no medical content; a link to Relais)."""
    view = sel.meeting_get(acting(request), pk)
    body = meeting_calendar(
        meetings=[view.meeting],
        base_url=request.build_absolute_uri("/").rstrip("/"),
        host=request.get_host().split(":")[0] or "relais",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="concertation-{pk}.ics"'
    return response
