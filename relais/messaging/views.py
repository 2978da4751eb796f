"""Screens of the secure messaging: a person's threads, a thread, "Mes messages" across persons, attachments.

Every view asks the policy (through ``selectors``): a record or a thread the user may not read is a 404 exactly like
a missing one, and lists and unread counts hold only what may be read now. Each page view is traced once in the
access log on the person, grounded on the rule that allowed it.
"""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.pathway.access import acting, decide, form_errors, record_get, run_service, trace, who
from relais.pathway.access import matrix as m

from . import selectors as sel
from . import services
from .forms import ReplyForm, ThreadForm
from .models import ThreadKind


def _writable(request, person) -> list[str]:
    return [
        c for c in sel.MESSAGE_CATEGORIES if decide(**who(request), person=person, category=c, action=m.WRITE).allowed
    ]


def _thread_form(request, seen, person, data=None, files=None) -> ThreadForm:
    return ThreadForm(
        data,
        files,
        recipients=sel.recipient_choices(record=seen.record, exclude=seen.my_members),
        categories=_writable(request, person) or [m.MESSAGES],
        auto_id="fil-%s",
    )


def threads(request, pk: int):
    """The threads of a person that the user may see, and the form to start one."""
    access = record_get(**who(request), pk=pk)
    record, person = access.record, access.record.person
    seen = sel.visibility(**who(request), record=record)
    listed = sel.threads_of_record(seen, user=request.user)
    refusals = [{"category": m.CATEGORIES[c], "message": d.message} for c, d in seen.decisions.items() if not d.allowed]
    context = {
        "record": record,
        "person": person,
        "threads": listed,
        "unread": sum(t.unread for t in listed),
        "refusals": refusals,
        "may_write": bool(_writable(request, person)),
        "form": _thread_form(request, seen, person),
        "kinds": ThreadKind,
    }
    trace(
        actor=acting(request),
        action="read",
        obj=record,
        person=person,
        decision=access.decisions[m.IDENTITY],
        detail="liste des messages",
    )
    return render(request, "messaging/threads.html", context)


@require_POST
def thread_new(request, pk: int):
    access = record_get(**who(request), pk=pk)
    person = access.record.person
    seen = sel.visibility(**who(request), record=access.record)
    back = reverse("messaging:threads", args=[pk])
    form = _thread_form(request, seen, person, request.POST, request.FILES)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    data = form.cleaned_data
    created = {}

    def start():
        created["thread"] = services.thread_start(
            actor=acting(request),
            person=person,
            kind=data["kind"],
            subject=data["subject"],
            body=data["body"],
            category=data["category"],
            recipients=list(data["recipients"]) if data["kind"] == ThreadKind.EXCHANGE else [],
            attachment=data.get("attachment"),
        )

    sent = "L'échange est envoyé." if data["kind"] == ThreadKind.EXCHANGE else "Le message est partagé au dossier."
    response = run_service(request, start, success=sent, back=back)
    if "thread" in created:
        return redirect("messaging:thread", pk=created["thread"].pk)
    return response


def thread_detail(request, pk: int):
    thread, decision = sel.thread_get(**who(request), pk=pk)
    actor = acting(request)
    services.thread_read(actor=actor, thread=thread, decision=decision)
    messages_ = sel.messages_of(thread)
    for message in messages_:
        message.mine = message.author_user_id == request.user.pk
        # Receipts are shown to the author of the message only.
        message.shown_receipts = list(message.receipts.all()) if message.mine else []
    writable = decide(**who(request), person=thread.record.person, category=thread.category, action=m.WRITE)
    context = {
        "thread": thread,
        "record": thread.record,
        "person": thread.record.person,
        "decision": decision,
        "is_exchange": thread.kind == ThreadKind.EXCHANGE,
        "participants": sel.participants_of(thread),
        "messages_list": messages_,
        "may_write": writable.allowed,
        "write_refusal": writable,
        "form": ReplyForm(auto_id="reponse-%s"),
    }
    return render(request, "messaging/thread.html", context)


@require_POST
def reply(request, pk: int):
    thread, _decision = sel.thread_get(**who(request), pk=pk)
    back = reverse("messaging:thread", args=[pk])
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    return run_service(
        request,
        lambda: services.message_post(actor=acting(request), thread=thread, **form.cleaned_data),
        success="Votre réponse est envoyée.",
        back=back + "#dernier",
    )


def attachment_download(request, pk: int):
    """Served only after the policy is asked again; never displayed inline, never sniffed by the browser."""
    attachment, decision = sel.attachment_get(**who(request), pk=pk)
    trace(
        actor=acting(request),
        action="read",
        obj=attachment,
        person=attachment.message.thread.record.person,
        decision=decision,
        detail="téléchargement d'une pièce jointe",
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def inbox(request):
    """ "Mes messages": every thread the user may see, across persons, unread first."""
    actor = acting(request)
    listed = sel.inbox(**who(request)) if request.user.is_authenticated else []
    traced = set()
    for thread in listed:  # a list names persons: one read per person listed
        if thread.record_id not in traced:
            traced.add(thread.record_id)
            trace(
                actor=actor,
                action="read",
                obj=thread.record,
                person=thread.record.person,
                decision=thread.decision,
                detail="liste « Mes messages »",
            )
    context = {"threads": listed, "unread": sum(t.unread for t in listed)}
    return render(request, "messaging/inbox.html", context)
