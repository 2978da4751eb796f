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
from django.views.decorators.http import require_http_methods, require_POST

from relais.audit.forms import HistoryFilterForm
from relais.audit.selectors import listing_grounds
from relais.audit.services import access_log_list_record
from relais.orientation.policy import persons_visible_to
from relais.pathway import guard
from relais.pathway import matrix as m
from relais.pathway.circle import selectors as circle_sel
from relais.pathway.circle.models import CoordinationRecord
from relais.pathway.circle.services import record_open
from relais.pathway.policy import decide
from relais.pathway.record import selectors as sel
from relais.pathway.record import services as rs
from relais.pathway.record.models import EventKind
from relais.pathway.screens.forms import DocumentForm, EventForm, PersonNewForm, RecordOpenForm
from relais.pathway.screens.views_circle import circle_context
from relais.pathway.screens.views_common import acting, form_errors, run_service, who
from relais.pathway.screens.views_movements import movements_context
from relais.pathway.screens.views_subscriptions import subscription_context
from relais.persons import vigilance
from relais.persons.models import Person
from relais.persons.picker import person_picker_box
from relais.persons.selectors import person_search


def _openable_persons(actor):
    if actor.organisation is None or not actor.reads_personal_data:
        return persons_visible_to(None)
    return persons_visible_to(actor).filter(coordination_record__isnull=True).order_by("family_name", "first_names")


def _open_picker(request, actor):
    """The type-ahead picker of the persons the organisation follows without a record (decision 0047); the persons
    it shows are one list entry in the access log, on the orientation ground that lets the organisation see them."""
    box, shown = person_picker_box(
        queryset=_openable_persons(actor),
        query=request.GET.get("suivie_q", ""),
        key="suivie",
        label="Personne suivie par votre organisation",
        url=reverse("pathway:records"),
        form_id="ouvrir-suivie",
        name="person",
    )
    access_log_list_record(
        actor=actor,
        object_type="persons.person",
        rows=[(guard.subject_of(p), p.pk, "orientation_request") for p in shown],
        detail="recherche d'une personne pour ouvrir son dossier",
    )
    return box


def records(request, *, new_form=None, candidates=None, status=200):
    """ "Mes dossiers" (searchable: several words, accents and case ignored), and the forms to open a record for a
    person the organisation already follows (type-ahead picker) or a new one (with identity vigilance's candidates
    when there are)."""
    actor = acting(request)
    may_open = actor.organisation is not None and actor.reads_personal_data
    if request.htmx and "suivie_q" in request.GET:  # the picker typing: its results only
        if not may_open:
            raise Http404
        return render(request, "persons/_picker_results.html", {"picker": _open_picker(request, actor)})
    listed = circle_sel.records_for(**who(request))
    query = request.GET.get("q", "").strip()[:100]
    if query or listed:  # sorted by name whatever the case, narrowed by the search
        found = person_search(queryset=Person.objects.filter(pk__in=[r.person_id for r in listed]), query=query)
        rank = {pk: i for i, pk in enumerate(found.values_list("pk", flat=True))}
        listed = sorted((r for r in listed if r.person_id in rank), key=lambda r: rank[r.person_id])
    guard.trace_list(  # a list shows who each person is: one entry for the list, each person readable in it
        actor=actor,
        object_type="pathway.coordinationrecord",
        rows=[(record, record.person_id, record.decision) for record in listed],
        detail="liste « Mes dossiers »",
    )
    context = {
        "records": listed,
        "query": query,
        "may_open": may_open,
        "candidates": candidates or [],
    }
    if may_open:
        open_form = RecordOpenForm(persons=_openable_persons(actor), auto_id="suivie-%s")
        del open_form.fields["person"]  # chosen in the picker (its radio buttons belong to this form)
        context.update(
            open_form=open_form,
            has_openable=_openable_persons(actor).exists(),
            person_picker=_open_picker(request, actor),
        )
        context["new_form"] = new_form or PersonNewForm(auto_id="nouvelle-%s")
    return render(request, "pathway/records.html", context, status=status)


def _candidate_rows(actor, matches) -> list[dict]:
    """Identity vigilance's candidates as this user may see them: a link to the record (or the orientation page) when
    the care-circle policy or the orientation scope lets them in, else only whom to contact (decision 0030)."""
    oriented = set(persons_visible_to(actor).filter(pk__in=[m.other.pk for m in matches]).values_list("pk", flat=True))
    links = {}
    for match in matches:
        person = match.other
        record = CoordinationRecord.objects.filter(person=person).first()
        if (
            record
            and decide(user=actor.user, organisation=actor.organisation, person=person, category=m.IDENTITY).allowed
        ):
            links[person.pk] = reverse("pathway:record", args=[record.pk])
        elif person.pk in oriented:
            links[person.pk] = reverse("orientation:person", args=[person.pk])
    rows = vigilance.candidate_rows(matches, set(links))
    for row in rows:
        row["link"] = links.get(row["match"].other.pk, "")
    return rows


@require_http_methods(["GET", "POST"])
def record_open_view(request):
    actor = acting(request)
    back = reverse("pathway:records")
    if request.method == "GET":  # a typed or bookmarked URL: the forms that post here live on the records page
        return redirect(back + "#open-title")
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
    confirmed = bool(request.POST.get("confirmed_new"))  # identity vigilance: candidates set aside (decision 0030)
    try:
        with vigilance.candidate_reads_kept(), transaction.atomic():
            person = data.pop("person", None) or vigilance.person_create_checked(
                actor=actor, ground="care_circle", confirmed_new=confirmed, **data
            )
            record = record_open(actor=actor, person=person, informed_at=informed_at)
    except vigilance.IdentityCandidates as found:
        shown = PersonNewForm(request.POST, auto_id="nouvelle-%s")
        shown.is_valid()
        return records(request, new_form=shown, candidates=_candidate_rows(actor, found.matches))
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
        **movements_context(request, access),
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
    form = HistoryFilterForm(request.GET or None, auto_id="historique-%s")
    page = Paginator(circle_sel.access_history(person, form.filters()), 25).get_page(request.GET.get("page"))
    grounds = listing_grounds(subject=guard.subject_of(person), entries=page.object_list)
    for entry in page.object_list:  # seen in a list: the ground this person was shown on, from the list's rows
        entry.row_ground = grounds.get(entry.pk, entry.ground)
    guard.trace(
        actor=acting(request),
        action="read",
        obj=access.record,
        person=person,
        decision=decision,
        detail="consultation de l'historique des accès",
    )
    paging = request.GET.copy()
    paging.pop("page", None)
    context = {"record": access.record, "person": person, "page": page, "form": form, "paging": paging.urlencode()}
    return render(request, "pathway/access_history.html", context)


def record_by_person(request, person_pk: int):
    """A stable link from elsewhere (a person's page): the record of the person, with the same 404 rules."""
    record = CoordinationRecord.objects.filter(person_id=person_pk).only("pk").first()
    if record is None:
        raise Http404("Dossier introuvable.")
    circle_sel.record_get(**who(request), pk=record.pk)
    return redirect("pathway:record", pk=record.pk)
