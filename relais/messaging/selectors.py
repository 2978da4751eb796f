"""Reads of the messaging: which threads a user may see, unread counts, receipts. Every answer goes through
``relais.pathway.policy.decide``, evaluated now: what may not be read is absent from lists and counts, and a thread
that may not be read is a 404 exactly like a missing one.

Visible thread = the policy allows reading its category for this person, and, for an exchange, one of the user's
active memberships of the circle (for the acting organisation) is a participant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from relais.pathway.access import (
    CircleMember,
    CoordinationRecord,
    Decision,
    active_memberships,
    active_memberships_in,
    decide,
    records_for,
)
from relais.pathway.access import matrix as m

from .models import Attachment, Message, Participant, ReadReceipt, Thread, ThreadKind

# The categories a message may carry: plain messages, or social / medical content for a restricted exchange.
MESSAGE_CATEGORIES = (m.MESSAGES, m.SOCIAL, m.MEDICAL)


def _deny(rule: str, message: str) -> Decision:
    return Decision(False, rule, message)


@dataclass
class Visibility:
    """What one user (for one organisation) may see of the messages of one record, asked once per page."""

    record: CoordinationRecord
    decisions: dict[str, Decision] = field(default_factory=dict)
    my_members: list[int] = field(default_factory=list)

    @property
    def readable(self) -> list[str]:
        return [c for c, d in self.decisions.items() if d.allowed]

    def threads(self):
        """The threads of the record this user may see (a queryset)."""
        shared = Q(kind=ThreadKind.SHARING)
        mine = Q(kind=ThreadKind.EXCHANGE, participants__member_id__in=self.my_members)
        visible = Thread.objects.filter(record=self.record, category__in=self.readable).filter(shared | mine)
        return Thread.objects.filter(pk__in=visible.values("pk"))

    def decision_for(self, thread: Thread) -> Decision:
        decision = self.decisions.get(thread.category) or _deny("category", "Catégorie de message non prise en charge.")
        if not decision.allowed:
            return decision
        if (
            thread.kind == ThreadKind.EXCHANGE
            and not thread.participants.filter(member_id__in=self.my_members).exists()
        ):
            return _deny("not_participant", "Cet échange est réservé à ses destinataires.")
        return decision


def visibility(*, user, organisation, record: CoordinationRecord) -> Visibility:
    seen = Visibility(record=record)
    for category in MESSAGE_CATEGORIES:
        seen.decisions[category] = decide(user=user, organisation=organisation, person=record.person, category=category)
    if user is not None and user.is_authenticated:
        seen.my_members = list(
            active_memberships(user=user, organisation=organisation, record=record).values_list("pk", flat=True)
        )
    return seen


def thread_get(*, user, organisation, pk: int) -> tuple[Thread, Decision]:
    """A thread the user may read now, with the decision that allows it; else a 404."""
    thread = Thread.objects.select_related("record__person").filter(pk=pk).first()
    if thread is None:
        raise Http404("Fil introuvable.")
    decision = visibility(user=user, organisation=organisation, record=thread.record).decision_for(thread)
    if not decision.allowed:
        raise Http404("Fil introuvable.")
    return thread, decision


def attachment_get(*, user, organisation, pk: int) -> tuple[Attachment, Decision]:
    """An attachment whose thread the user may read now (the policy is asked again), else a 404."""
    attachment = Attachment.objects.select_related("message__thread__record__person").filter(pk=pk).first()
    if attachment is None:
        raise Http404("Pièce jointe introuvable.")
    thread = attachment.message.thread
    decision = visibility(user=user, organisation=organisation, record=thread.record).decision_for(thread)
    if not decision.allowed:
        raise Http404("Pièce jointe introuvable.")
    return attachment, decision


def unread_messages(*, user, threads):
    """Messages of ``threads`` (already filtered by visibility) that ``user`` did not write nor read yet."""
    read = ReadReceipt.objects.filter(message=OuterRef("pk"), user=user)
    return Message.objects.filter(thread__in=threads).exclude(author_user=user).exclude(Exists(read))


def _annotate_unread(user, threads: list[Thread]) -> list[Thread]:
    counts = dict(
        unread_messages(user=user, threads=[t.pk for t in threads])
        .values("thread_id")
        .annotate(n=Count("pk"))
        .values_list("thread_id", "n")
    )
    for thread in threads:
        thread.unread = counts.get(thread.pk, 0)
    return threads


def unread_by_record(*, user, organisation, decisions: dict[int, dict], sharing_only: bool = False) -> dict[int, int]:
    """Unread messages per record for many records at once (the coordinator's dashboard, the team inbox), in one
    query: the visibility of ``visibility`` (a readable category; an exchange only for its participants), judged with
    ``decide_many``'s answer ``{record id: {category: Decision}}``. ``sharing_only``: the threads posted to the record,
    addressed to nobody in particular."""
    groups: dict[tuple, list[int]] = {}
    for record_id, by_category in decisions.items():
        readable = tuple(c for c in MESSAGE_CATEGORIES if c in by_category and by_category[c].allowed)
        if readable:
            groups.setdefault(readable, []).append(record_id)
    if not groups:
        return {}
    allowed = Q(pk__in=[])
    for categories, record_ids in groups.items():
        allowed |= Q(record_id__in=record_ids, category__in=categories)
    addressed = Q(kind=ThreadKind.SHARING)
    if not sharing_only:
        mine = active_memberships_in(user=user, organisation=organisation, records=list(decisions)).values("pk")
        addressed |= Q(kind=ThreadKind.EXCHANGE, pk__in=Participant.objects.filter(member_id__in=mine).values("thread"))
    rows = unread_messages(user=user, threads=Thread.objects.filter(allowed).filter(addressed))
    return dict(rows.values("thread__record_id").annotate(n=Count("pk")).values_list("thread__record_id", "n"))


def threads_of_record(seen: Visibility, *, user) -> list[Thread]:
    threads = list(seen.threads().select_related("created_by_organisation").annotate(message_count=Count("messages")))
    return _annotate_unread(user, threads)


def inbox(*, user, organisation) -> list[Thread]:
    """ "Mes messages": the threads the user may see in every record of theirs, unread first, then newest."""
    threads: list[Thread] = []
    for record in records_for(user=user, organisation=organisation):
        seen = visibility(user=user, organisation=organisation, record=record)
        for thread in seen.threads().select_related("record__person"):
            thread.decision = seen.decisions[thread.category]
            threads.append(thread)
    _annotate_unread(user, threads)
    return sorted(threads, key=lambda t: (t.unread == 0, -t.last_message_at.timestamp(), -t.pk))


def unread_count(*, user, organisation) -> int:
    """The unread badge: counts only messages of threads the user may see now."""
    return sum(thread.unread for thread in inbox(user=user, organisation=organisation))


def messages_of(thread: Thread) -> list[Message]:
    return list(thread.messages.prefetch_related("attachments", "receipts").all())


def participants_of(thread: Thread) -> list:
    return list(thread.participants.select_related("member__user", "member__organisation").all())


def recipient_choices(*, record: CoordinationRecord, exclude: list[int]):
    """Active members of the circle with an account, except the author's own memberships: who may be addressed."""
    from django.utils import timezone

    today = timezone.localdate()
    return (
        CircleMember.objects.filter(record=record, user__isnull=False, user__is_active=True, start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .exclude(pk__in=exclude)
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def member_label(member: CircleMember) -> str:
    name = member.user.get_full_name() if member.user else member.display_name
    if member.organisation is not None:
        return f"{name} — {member.organisation}"
    return f"{name} ({member.get_proxy_role_display().lower()})"
