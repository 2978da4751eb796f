"""The coordinator's workspace (decision 0044): « Mes personnes » (the dashboard), the team inbox of the coordination
service and its « Je prends », and handing a record to a colleague.

Reads go through ``record.dashboard`` and ``record.team_inbox`` (the care-circle policy for every person and data
category); writes through ``circle.handover``. Each list shown is one access-log entry naming its persons
(``guard.trace_list``, decision 0047). A record the user may not open is a 404, as everywhere in the record.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.accounts.actor import user_public_name
from relais.accounts.models import User
from relais.pathway import guard
from relais.pathway import matrix as m
from relais.pathway.circle import handover
from relais.pathway.circle import selectors as circle_sel
from relais.pathway.policy import may_manage_circle
from relais.pathway.record import dashboard as dash
from relais.pathway.record.selectors import task_get
from relais.pathway.record.team_inbox import team_inbox
from relais.pathway.screens.views_common import acting, run_service, who


def _personal(request):
    actor = acting(request)
    if actor.organisation is None or actor.user is None or not actor.reads_personal_data:
        raise Http404
    return actor


def dashboard(request):
    """« Mes personnes »: one line per person whose circle the user is in, with what needs attention."""
    actor = _personal(request)
    filters = dash.Filters.from_params(request.GET)
    board = dash.dashboard(**who(request), filters=filters, page_number=request.GET.get("page") or 1)
    guard.trace_list(
        actor=actor,
        object_type="pathway.coordinationrecord",
        rows=[(line.record, line.person.pk, line.decisions[m.IDENTITY]) for line in board.page.object_list],
        detail="tableau de bord « Mes personnes »",
    )
    params = request.GET.copy()
    params.pop("page", None)
    situations = dash.SITUATIONS.items()
    context = {
        "board": board,
        "filters": filters,
        "statuses": dash.STATUSES,
        "situations": dash.SITUATIONS,
        "chips": [(value, label, board.counts[value], _chip(params, value)) for value, label in situations],
        "query_string": params.urlencode(),
        "filtered": any([filters.query, filters.referent, filters.territory, filters.situation]),
        "recent_days": dash.RECENT_DAYS,
        "team_count": team_inbox(**who(request)).count,
    }
    return render(request, "pathway/dashboard.html", context)


def _chip(params, situation: str) -> str:
    """The query of a situation's shortcut: the other filters kept; the current situation's shortcut clears it."""
    query = params.copy()
    if query.get("situation") == situation:
        query.pop("situation")
    else:
        query["situation"] = situation
    return query.urlencode()


def team(request):
    """The team inbox of the acting organisation (the coordination service)."""
    actor = _personal(request)
    inbox = team_inbox(**who(request))
    guard.trace_list(
        actor=actor,
        object_type="pathway.coordinationrecord",
        rows=[(record, person.pk, decision) for record, person, decision in inbox.shown()],
        detail="corbeille de l'équipe",
    )
    return render(request, "pathway/team_inbox.html", {"inbox": inbox})


@require_POST
def record_take(request, pk: int):
    access = circle_sel.record_get(**who(request), pk=pk)
    return run_service(
        request,
        lambda: handover.record_take(actor=acting(request), person=access.record.person),
        success="Vous êtes désormais le ou la référent·e de ce dossier.",
        back=reverse("pathway:team"),
    )


@require_POST
def task_take(request, task_pk: int):
    task, _decision = task_get(**who(request), pk=task_pk)
    return run_service(
        request,
        lambda: handover.plan_task_take(actor=acting(request), task=task),
        success="L'action vous est confiée ; elle figure dans « Mes tâches ».",
        back=reverse("pathway:team"),
    )


class HandoverForm(forms.Form):
    user = forms.ModelChoiceField(label="Confier le dossier à", queryset=User.objects.none(), empty_label="— choisir —")
    reason = forms.CharField(
        label="Motif",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Visible par les membres du cercle de soins dans la chronologie du dossier.",
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(pk__in=[ms.user_id for ms in candidates])
        self.fields["user"].label_from_instance = user_public_name


def record_handover(request, pk: int):
    """Hand the record to a colleague of the service: circle managers only (others: 404, like a missing page)."""
    access = circle_sel.record_get(**who(request), pk=pk)
    actor = acting(request)
    person = access.record.person
    if not may_manage_circle(**who(request), person=person).allowed:
        raise Http404("Dossier introuvable.")
    candidates = handover.handover_candidates(record=access.record)
    form = HandoverForm(request.POST or None, candidates=candidates, auto_id="confier-%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = form.cleaned_data["user"]
            try:
                handover.record_handover(actor=actor, person=person, user=user, reason=form.cleaned_data["reason"])
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                for name, texts in getattr(exc, "message_dict", {None: exc.messages}).items():
                    for text in texts:
                        form.add_error(name if name in form.fields else None, text)
            else:
                name = user_public_name(user)
                messages.success(request, f"Le dossier est confié à {name}, qui en est désormais référent·e.")
                return redirect("pathway:record", pk=pk)
        status = 400
    context = {
        "record": access.record,
        "person": person,
        "form": form,
        "referents": handover.current_referents(access.record),
        "service": handover.holding_service(access.record),
    }
    return render(request, "pathway/handover.html", context, status=status)
