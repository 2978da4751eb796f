"""Screens of the agenda: my week, openings and slots, booking for a person, my appointments, cancel, move, .ics.

Anything naming a person asks the policy (PLAN read) and traces the read; a person or appointment out of reach is a
404 exactly like a missing id. Writes go through services.py, whose refusals and bad inputs become French messages.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from relais.pathway.access import acting, form_errors, run_service, trace, trace_list
from relais.persons.models import Person
from relais.territory.timezones import local_today

from . import ics
from . import selectors as sel
from . import services as svc
from .forms import BookForm, CancelForm, OpeningForm, RescheduleForm, SlotForm
from .meetings.ics import meeting_event
from .meetings.selectors import my_meetings
from .models import Slot
from .notification_kinds import initials

HOURS = range(7, 21)


def _trace_read(request, shown_list, detail: str) -> None:
    """The appointments shown whose person may be named: one access-log entry for the list (decision 0047)."""
    rows = [(s.appointment, s.appointment.person_id, s.decision) for s in shown_list if s.visible]
    trace_list(actor=acting(request), object_type="agenda.appointment", rows=rows, detail=detail)


def my_agenda(request):
    actor = acting(request)
    agenda = sel.my_agenda(actor)
    today = local_today(agenda.zone) if agenda else timezone.localdate()
    monday = sel.monday_of(parse_date(request.GET.get("semaine", "")) or today)
    days = [monday + timedelta(days=i) for i in range(7)]
    slots = sel.week_slots(agenda, monday) if agenda else []
    shown = []
    cells: dict[tuple[date, int], list] = {}
    for slot in slots:
        local = timezone.localtime(slot.start, agenda.zone)
        entry = {"slot": slot, "start": local, "end": timezone.localtime(slot.end, agenda.zone), "shown": None}
        if slot.active:
            entry["shown"] = sel.Shown(slot.active[0], sel.ask(actor, slot.active[0].person))
            shown.append(entry["shown"])
        cells.setdefault((local.date(), local.hour), []).append(entry)
    _trace_read(request, shown, "agenda : vue de la semaine")
    hours = sorted({h for _day, h in cells} | set(HOURS))  # a slot outside 7-20 h still gets its row
    rows = [{"hour": h, "cells": [cells.get((d, h), []) for d in days]} for h in hours]
    context = {
        "agenda": agenda,
        "days": days,
        "rows": rows,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "opening_form": OpeningForm(auto_id="ouverture-%s"),
        "slot_form": SlotForm(auto_id="creneau-%s"),
        "may_manage": agenda is not None and svc.may_manage_agenda(actor=actor, agenda=agenda),
        "meetings": _my_meetings_read(actor, "agenda : mes réunions de concertation"),
    }
    return render(request, "agenda/my_agenda.html", context)


def _my_meetings_read(actor, detail: str) -> list:
    """The concertation meetings the actor is convened to (decision 0046), each read traced on its person."""
    rows = my_meetings(actor)
    for invitation, decision in rows:
        meeting = invitation.meeting
        trace(actor=actor, action="read", obj=meeting, person=meeting.person, decision=decision, detail=detail)
    return [invitation for invitation, _decision in rows]


@require_POST
def agenda_create_view(request):
    return run_service(
        request,
        lambda: svc.agenda_create(actor=acting(request), label=request.POST.get("label", "")),
        success="Votre agenda est créé.",
        back=reverse("agenda:my_agenda"),
    )


def _own_agenda(request):
    agenda = sel.my_agenda(acting(request))
    if agenda is None:
        raise Http404("Agenda introuvable.")
    return agenda


@require_POST
def opening_add(request):
    agenda, back = _own_agenda(request), reverse("agenda:my_agenda")
    form = OpeningForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=back)

    def create():
        opening = svc.opening_create(actor=acting(request), agenda=agenda, **form.cleaned_data)
        if opening.skipped_slots:  # already past, or overlapping a slot of the same professional (decision 0034)
            messages.info(
                request,
                f"{opening.skipped_slots} créneau(x) non créé(s) : heure déjà passée, ou chevauchement "
                "d'un créneau existant de cet agenda ou de vos autres agendas.",
            )

    return run_service(
        request,
        create,
        success="L'ouverture et ses créneaux sont créés.",
        back=f"{back}?semaine={form.cleaned_data['first_day']:%Y-%m-%d}",
    )


@require_POST
def slot_add(request):
    agenda, back = _own_agenda(request), reverse("agenda:my_agenda")
    form = SlotForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    return run_service(
        request,
        lambda: svc.slot_create(actor=acting(request), agenda=agenda, **form.cleaned_data),
        success="Le créneau est créé.",
        back=f"{back}?semaine={form.cleaned_data['start']:%Y-%m-%d}",
    )


def ics_export(request):
    actor = acting(request)
    agenda = _own_agenda(request)
    since = timezone.now() - timedelta(days=30)
    slots = sel.week_slots_range(agenda, since, days=400)
    shown, named = [], {}
    for slot in slots:
        if slot.active:
            item = sel.Shown(slot.active[0], sel.ask(actor, slot.active[0].person))
            if item.visible:
                shown.append(item)
                named[slot.pk] = (
                    initials(item.appointment.person),
                    reverse("agenda:appointment", args=[item.appointment.pk]),
                )
    _trace_read(request, shown, "agenda : export iCalendar (initiales)")
    base_url, host = request.build_absolute_uri("/").rstrip("/"), request.get_host().split(":")[0] or "relais"
    meetings = _my_meetings_read(actor, "agenda : export iCalendar (initiales)")
    body = ics.calendar_for(
        agenda=agenda,
        slots=slots,
        shown_by_slot=named,
        base_url=base_url,
        host=host,
        extra_events=[meeting_event(i.meeting, base_url=base_url, host=host) for i in meetings],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="agenda-relais.ics"'
    return response


def appointments(request):
    shown = sel.appointments_of(acting(request))
    _trace_read(request, shown, "agenda : mes rendez-vous")
    return render(request, "agenda/appointments.html", {"rows": shown})


def appointment_detail(request, pk: int):
    actor = acting(request)
    shown = sel.appointment_get(actor, pk)
    if shown.visible:
        a = shown.appointment
        trace(
            actor=actor, action="read", obj=a, person=a.person, decision=shown.decision, detail="agenda : rendez-vous"
        )
    appointment = shown.appointment
    context = {
        "shown": shown,
        "a": appointment,
        "may_change": svc.may_change(actor=actor, appointment=appointment) is not None,
        "free": sel.free_slots(appointment.slot.agenda, limit=40),
        "cancel_form": CancelForm(auto_id="annulation-%s"),
    }
    return render(request, "agenda/appointment.html", context)


def _detail_back(pk: int) -> str:
    return reverse("agenda:appointment", args=[pk])


@require_POST
def appointment_cancel_view(request, pk: int):
    shown = sel.appointment_get(acting(request), pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=_detail_back(pk))
    return run_service(
        request,
        lambda: svc.appointment_cancel(
            actor=acting(request), appointment=shown.appointment, reason=form.cleaned_data["reason"]
        ),
        success="Le rendez-vous est annulé.",
        back=_detail_back(pk),
    )


@require_POST
def appointment_reschedule_view(request, pk: int):
    shown = sel.appointment_get(acting(request), pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=_detail_back(pk))
    slot = Slot.objects.filter(pk=form.cleaned_data["slot"], agenda=shown.appointment.slot.agenda).first()
    if slot is None:
        raise Http404("Créneau introuvable.")
    result = {}

    def call():
        result["new"] = svc.appointment_reschedule(
            actor=acting(request), appointment=shown.appointment, slot=slot, reason=form.cleaned_data["reason"]
        )

    response = run_service(request, call, success="Le rendez-vous est déplacé.", back=_detail_back(pk))
    return redirect(_detail_back(result["new"].pk)) if "new" in result else response


def book(request, person_pk: int):
    """Book a slot for a person, among the agendas of the person's circle (404 unless the PLAN is readable)."""
    actor = acting(request)
    person = Person.objects.filter(pk=person_pk, merged_into__isnull=True).first()
    decision = sel.ask(actor, person) if person is not None else None
    if decision is None or not decision.allowed:
        raise Http404("Personne introuvable.")
    back = reverse("agenda:book", args=[person_pk])
    if request.method == "POST":
        form = BookForm(request.POST)
        if not form.is_valid():
            return form_errors(request, form, back=back)
        agendas = {a.pk for a in sel.circle_agendas(person)}
        slot = Slot.objects.filter(pk=form.cleaned_data["slot"], agenda_id__in=agendas).first()
        if slot is None:
            raise Http404("Créneau introuvable.")
        return run_service(
            request,
            lambda: svc.appointment_book(actor=actor, slot=slot, person=person, purpose=form.cleaned_data["purpose"]),
            success="Le rendez-vous est réservé.",
            back=reverse("agenda:appointments"),
        )
    trace(
        actor=actor, action="read", obj=person, person=person, decision=decision, detail="agenda : prise de rendez-vous"
    )
    writable = sel.ask(actor, person, action="write")
    agendas = [(a, sel.free_slots(a, limit=60)) for a in sel.circle_agendas(person)]
    context = {"person": person, "agendas": agendas, "may_book": writable.allowed, "refusal": writable}
    return render(request, "agenda/book.html", context)
