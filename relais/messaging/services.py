"""Writes of the messaging: start a thread (exchange or sharing), post a message, record read receipts.

Every write asks ``relais.pathway.policy.decide`` (through ``relais.pathway.access.allow``) for the thread's category,
refuses with the policy's sentence, and is traced in the access log on the person with ground = the rule that
allowed it. Attachments get the checks of the record's documents (``pathway.uploads``). Recipients of an exchange
must be active members of the circle allowed to read the chosen category; anything else is refused in French and
nothing is written (no orphan file either).
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from relais.pathway.access import CircleMember, Decision, allow, decide, trace, uploads
from relais.pathway.access import matrix as m

from . import selectors as sel
from .models import Attachment, Message, Participant, ParticipantRole, ReadReceipt, Thread, ThreadKind
from .notification_kinds import notify_new_message

MAX_BODY = 10_000


def _body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Le message est vide."})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": f"Le message dépasse {MAX_BODY} caractères."})
    return body


def _check_recipients(*, record, person, category: str, recipients, author_members: list[int]) -> list[CircleMember]:
    if not recipients:
        raise ValidationError({"recipients": "Un échange doit avoir au moins un·e destinataire."})
    today = timezone.localdate()
    checked = []
    for recipient in recipients:
        member = CircleMember.objects.select_related("user", "organisation").filter(
            pk=getattr(recipient, "pk", recipient)
        )
        member = member.first()
        active = member is not None and member.start <= today and (member.end is None or member.end >= today)
        if member is None or member.record_id != record.pk or not active:
            raise ValidationError(
                {"recipients": "Un·e destinataire n'est pas membre actif·ve du cercle de soins de cette personne."}
            )
        name = sel.member_label(member)
        if member.user is None or not member.user.is_active:
            raise ValidationError(
                {"recipients": f"{name} n'a pas de compte Relais : il ou elle ne peut rien recevoir."}
            )
        if member.pk in author_members:
            raise ValidationError({"recipients": "Vous ne pouvez pas vous choisir comme destinataire."})
        may_read = decide(
            user=member.user, organisation=member.organisation, person=person, category=category, action=m.READ
        )
        if not may_read.allowed:
            raise ValidationError({"recipients": f"{name} ne peut pas lire {m.THE[category]} de cette personne."})
        checked.append(member)
    return list({member.pk: member for member in checked}.values())


def _store_attachment(message: Message, upload, stored: list) -> Attachment:
    if upload.size is not None and upload.size > uploads.MAX_SIZE:
        raise ValidationError({"attachment": "La pièce jointe dépasse la taille maximale de 10 Mo."})
    content = upload.read(uploads.MAX_SIZE + 1)
    if len(content) > uploads.MAX_SIZE:
        raise ValidationError({"attachment": "La pièce jointe dépasse la taille maximale de 10 Mo."})
    if not content:
        raise ValidationError({"attachment": "La pièce jointe est vide."})
    sniffed = uploads.sniff(content)
    if sniffed is None:
        raise ValidationError(
            {"attachment": f"Type de pièce jointe refusé : seuls les fichiers {uploads.ACCEPTED_LABEL} sont acceptés."}
        )
    content_type, extension = sniffed
    attachment = Attachment(
        message=message,
        original_name=uploads.sanitise_name(getattr(upload, "name", "")),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    attachment.file.save(uploads.random_name(extension), ContentFile(content), save=False)
    stored.append(attachment.file)
    attachment.full_clean()
    attachment.save()
    return attachment


def _add_message(*, actor, thread: Thread, body: str, attachment, decision: Decision, person) -> Message:
    message = Message(
        thread=thread,
        body=_body(body),
        author=actor.public_label,
        author_user=actor.user,
        author_organisation=actor.organisation,
    )
    message.full_clean()
    message.save()
    stored: list = []
    try:
        if attachment is not None:
            _store_attachment(message, attachment, stored)
    except Exception:
        for file in stored:  # nothing half-written: the transaction rolls back, and no orphan file stays
            file.delete(save=False)
        raise
    Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
    thread.last_message_at = message.created_at
    trace(
        actor=actor,
        action="create",
        obj=message,
        person=person,
        decision=decision,
        detail=f"message ({ThreadKind(thread.kind).label.lower()})" + (" avec pièce jointe" if attachment else ""),
    )
    return message


@transaction.atomic
def thread_start(
    *,
    actor,
    person,
    kind: str,
    subject: str,
    body: str,
    category: str = m.MESSAGES,
    recipients=(),
    attachment=None,
) -> Thread:
    """Open a thread with its first message: an exchange to named members, or a sharing to the record."""
    category = category or m.MESSAGES
    if category not in sel.MESSAGE_CATEGORIES:
        raise ValidationError({"category": f"Catégorie de message inconnue : « {category} »."})
    decision = allow(actor=actor, person=person, category=category, action=m.WRITE)
    if kind not in ThreadKind.values:
        raise ValidationError({"kind": f"Nature de fil inconnue : « {kind} »."})
    record = person.coordination_record
    author_members = sel.visibility(user=actor.user, organisation=actor.organisation, record=record).my_members
    members = []
    if kind == ThreadKind.EXCHANGE:
        members = _check_recipients(
            record=record, person=person, category=category, recipients=recipients, author_members=author_members
        )
    elif recipients:
        raise ValidationError({"recipients": "Un partage au dossier n'a pas de destinataires nommés."})
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError({"subject": "Indiquez l'objet du message."})
    thread = Thread(
        record=record,
        kind=kind,
        category=category,
        subject=subject,
        created_by=actor.public_label,
        created_by_user=actor.user,
        created_by_organisation=actor.organisation,
        last_message_at=timezone.now(),
    )
    thread.full_clean()
    thread.save()
    if kind == ThreadKind.EXCHANGE:
        Participant.objects.create(thread=thread, member=decision.member, role=ParticipantRole.AUTHOR)
        Participant.objects.bulk_create(
            [Participant(thread=thread, member=member, role=ParticipantRole.RECIPIENT) for member in members]
        )
    detail = f"échange avec {len(members)} destinataire(s)" if members else "partage au dossier"
    trace(actor=actor, action="create", obj=thread, person=person, decision=decision, detail=detail)
    message = _add_message(
        actor=actor, thread=thread, body=body, attachment=attachment, decision=decision, person=person
    )
    notify_new_message(actor=actor, thread=thread, message=message, person=person)
    return thread


@transaction.atomic
def message_post(*, actor, thread: Thread, body: str, attachment=None) -> Message:
    """Reply in a thread the author may see, if they may write its category (a member who left may do neither)."""
    thread = Thread.objects.select_for_update().select_related("record__person").get(pk=thread.pk)
    person = thread.record.person
    seen = sel.visibility(user=actor.user, organisation=actor.organisation, record=thread.record)
    readable = seen.decision_for(thread)
    if not readable.allowed:
        raise PermissionDenied(readable.message)
    decision = allow(actor=actor, person=person, category=thread.category, action=m.WRITE)
    message = _add_message(
        actor=actor, thread=thread, body=body, attachment=attachment, decision=decision, person=person
    )
    notify_new_message(actor=actor, thread=thread, message=message, person=person)
    return message


@transaction.atomic
def thread_read(*, actor, thread: Thread, decision: Decision) -> int:
    """Trace the reading of a thread (the caller got ``decision`` from ``selectors.thread_get``) and record a
    receipt for each message the reader had not read yet. Returns the number of receipts created."""
    unread = list(sel.unread_messages(user=actor.user, threads=[thread.pk]).values_list("pk", flat=True))
    ReadReceipt.objects.bulk_create(
        [
            ReadReceipt(message_id=pk, user=actor.user, organisation=actor.organisation, reader=actor.public_label)
            for pk in unread
        ],
        ignore_conflicts=True,  # the same user in two tabs: one receipt
    )
    trace(
        actor=actor,
        action="read",
        obj=thread,
        person=thread.record.person,
        decision=decision,
        detail=f"lecture du fil ({len(unread)} message(s) non lu(s))",
    )
    return len(unread)
