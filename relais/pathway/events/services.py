"""Events of a person's record, and who is notified of them.

A tool that changes something in a person's record calls ``person_event_emit`` once, after its write: the kind
says what happened (a registered ``PersonEventKind``), the category which part of the record it belongs to. Each
follower of the person (``subscriptions.followers``) is then asked to the care-circle policy, *at that moment*, whether
they may read that category: an objection, a revoked consent or an ended membership stops notifications at once, and
a medical event never reaches an educator. Notifications carry the kind's label and the person's initials only
(e-mail is not a secure channel); the link leads to the record, where the policy applies again.

The kinds live in ``events/kinds.py``: each app declares its own in its ``notification_kinds`` module with
``person_event_kind_register`` (e.g. the messaging app: ``code="messaging.message_new"``, category ``messages``).
See docs/decisions/0020-pathway-notifications.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from relais.audit.services import access_log_record
from relais.notifications.services import notification_send
from relais.pathway import matrix as m
from relais.pathway.events.kinds import person_event_kind
from relais.pathway.events.subscriptions import followers
from relais.pathway.policy import decide


def initials(person) -> str:
    first = (person.first_names or "?").split()[0][:1].upper()
    return f"{first}. {(person.family_name or '?')[:1].upper()}."


@dataclass
class EmitResult:
    notified: list = field(default_factory=list)  # Notification rows created
    refused: dict[int, str] = field(default_factory=dict)  # user id -> policy rule that stopped it


def person_event_emit(
    *,
    kind: str,
    person,
    actor,
    obj,
    category: str,
    summary: str = "",
    at=None,
    dedup: str = "",
    whole_circle: bool = False,
) -> EmitResult:
    """Notify the followers of ``person`` who may read ``category`` now, except the author of the event.

    ``summary``: a short, non-medical sentence (e.g. "Nouveau document : compte rendu"); never a title or a note.
    ``dedup``: what makes this event unique beyond ``obj`` (a status, a day); the same event never notifies twice.
    ``whole_circle``: every active member of the circle is a follower (``subscriptions.followers``), still filtered
    by the policy for ``category``.
    Call it as the last step of the write: it runs inside the caller's transaction, so a write that fails rolls its
    notifications back; e-mails leave after the commit (``notification_send``)."""
    definition = person_event_kind(kind)
    if category not in m.CATEGORIES:
        raise ValueError(f"Unknown data category {category!r}.")
    key = f"{kind}:{obj._meta.label_lower}:{obj.pk}" + (f":{dedup}" if dedup else "")
    result = EmitResult()
    audience = followers(person=person, kind=definition.code, obj=obj, whole_circle=whole_circle)
    _send(definition, person, actor, category, summary, at or timezone.now(), key, result, audience)
    return result


def _send(definition, person, actor, category, summary, at, key, result: EmitResult, audience) -> None:
    author = getattr(actor, "user", None)
    link = reverse("pathway:record_by_person", args=[person.pk])
    who = f" par {actor.organisation}" if getattr(actor, "organisation", None) else ""
    body = f"{summary or definition.label} — dossier de {initials(person)}{who}. Détails dans Relais."
    for follower in audience:
        if author is not None and follower.user.pk == author.pk:
            continue
        decision = decide(
            user=follower.user, organisation=follower.organisation, person=person, category=category, action=m.READ
        )
        if not decision.allowed:
            result.refused[follower.user.pk] = decision.rule
            continue
        with transaction.atomic():
            created = notification_send(
                kind=definition.code,
                organisation=follower.organisation,
                recipients=[follower.user],
                subject=f"{definition.label} — {initials(person)}",
                body=body,
                link=link,
                dedup_key=key,
                in_app_only=follower.in_app_only,
                fields={
                    "person": person,
                    "subscription": follower.subscription,
                    "category": category,
                    "event_at": at,
                },
            )
            for notification in created:
                access_log_record(
                    actor=actor,
                    action="create",
                    obj=notification,
                    subject=f"persons.person:{person.pk}",
                    ground=f"subscription:{decision.rule}",
                    detail=f"notification « {definition.label} » à {follower.user.get_full_name() or follower.user}",
                )
        result.notified.extend(created)
