"""Events of a person's record, and who is notified of them.

A tool that changes something in a person's record calls ``person_event_emit`` once, after its write: the kind
says what happened (a registered ``PersonEventKind``), the category which part of the record it belongs to. Each
follower of the person (``subscriptions.followers``) is then asked to the care-circle policy, *at that moment*, whether
they may read that category: an objection, a revoked consent or an ended membership stops notifications at once, and
a medical event never reaches an educator. Notifications carry the kind's label and the person's initials only
(e-mail is not a secure channel); the link leads to the record, where the policy applies again.

Other apps declare their kinds in their ``notification_kinds`` module with ``person_event_kind_register`` (e.g. the
messaging app: ``code="messaging.message_new"``, category ``messages``).
See docs/decisions/0020-pathway-notifications.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from relais.audit.services import access_log_record
from relais.notifications.registry import NotificationKind, register
from relais.notifications.services import notification_send

from . import matrix as m
from .policy import decide

# NdE event types (TRE_R254-TypeEvenement) where the national list has one; Relais codes otherwise.
NDE_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R254-TypeEvenement/FHIR/TRE-R254-TypeEvenement"
RELAIS_EVENT_SYSTEM = "urn:relais:person-event-type"


@dataclass(frozen=True)
class PersonEventKind:
    code: str  # the notification kind code, "<app>.<event>"
    label: str  # French
    category: str  # the default data category of such events
    description: str = ""
    nde_code: str = ""  # TRE_R254 code when the national list has one
    nde_display: str = ""

    @property
    def event_code(self) -> tuple[str, str, str]:
        """(system, code, display) used in FHIR ``event-type`` and in ``Subscription.criteria``."""
        if self.nde_code:
            return NDE_SYSTEM, self.nde_code, self.nde_display or self.label
        return RELAIS_EVENT_SYSTEM, self.code, self.label


_KINDS: dict[str, PersonEventKind] = {}


def person_event_kind_register(kind: PersonEventKind) -> PersonEventKind:
    """Declare a kind of person event (also a notification kind, listed on the preference pages)."""
    if kind.category not in m.CATEGORIES:
        raise ValueError(f"Unknown data category {kind.category!r} for {kind.code!r}.")
    register(NotificationKind(code=kind.code, label=kind.label, description=kind.description))
    existing = _KINDS.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"Person event kind {kind.code!r} is already registered with another definition.")
    _KINDS[kind.code] = kind
    return kind


def person_event_kind(code: str) -> PersonEventKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise ValueError(f"Type d'événement inconnu : « {code} ».") from None


def person_event_kinds() -> list[PersonEventKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)


def person_event_kind_by_event_code(code: str) -> PersonEventKind | None:
    """The kind behind an NdE code (``SOR``) or a Relais code (``pathway.task_new``)."""
    return next((k for k in _KINDS.values() if code in {k.nde_code, k.code} and code), None)


def initials(person) -> str:
    first = (person.first_names or "?").split()[0][:1].upper()
    return f"{first}. {(person.family_name or '?')[:1].upper()}."


@dataclass
class EmitResult:
    notified: list = field(default_factory=list)  # Notification rows created
    refused: dict[int, str] = field(default_factory=dict)  # user id -> policy rule that stopped it


def person_event_emit(
    *, kind: str, person, actor, obj, category: str, summary: str = "", at=None, dedup: str = ""
) -> EmitResult:
    """Notify the followers of ``person`` who may read ``category`` now, except the author of the event.

    ``summary``: a short, non-medical sentence (e.g. "Nouveau document : compte rendu"); never a title or a note.
    ``dedup``: what makes this event unique beyond ``obj`` (a status, a day); the same event never notifies twice.
    Call it as the last step of the write: it runs inside the caller's transaction, so a write that fails rolls its
    notifications back (an e-mail already handed to the mail server cannot be, hence "last step")."""
    definition = person_event_kind(kind)
    if category not in m.CATEGORIES:
        raise ValueError(f"Unknown data category {category!r}.")
    key = f"{kind}:{obj._meta.label_lower}:{obj.pk}" + (f":{dedup}" if dedup else "")
    result = EmitResult()
    _send(definition, person, actor, obj, category, summary, at or timezone.now(), key, result)
    return result


def _send(definition, person, actor, obj, category, summary, at, key, result: EmitResult) -> None:
    from .subscriptions import followers  # subscriptions imports this module's kinds

    author = getattr(actor, "user", None)
    link = reverse("pathway:record_by_person", args=[person.pk])
    who = f" par {actor.organisation}" if getattr(actor, "organisation", None) else ""
    body = f"{summary or definition.label} — dossier de {initials(person)}{who}. Détails dans Relais."
    for follower in followers(person=person, kind=definition.code, obj=obj):
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


def overdue_tasks_notify(*, today) -> dict:
    """The daily tick: "task overdue" for each open task past its due date, once per task (a task some follower
    was already notified of is skipped; one nobody could be notified of is tried again the next day)."""
    from .notification_kinds import TASK_OVERDUE
    from .record_models import PlanTask, TaskStatus

    tasks = (
        PlanTask.objects.filter(status__in=[TaskStatus.TODO, TaskStatus.IN_PROGRESS], due_date__lt=today)
        .select_related("plan__record__person")
        .order_by("pk")
    )
    summary = {"day": today.isoformat(), "overdue_tasks": 0, "emitted": 0, "already_notified": 0, "notifications": 0}
    for task in tasks:
        summary["overdue_tasks"] += 1
        key = f"{TASK_OVERDUE.code}:{task._meta.label_lower}:{task.pk}"
        if _already(key):
            summary["already_notified"] += 1
            continue
        with transaction.atomic():
            result = person_event_emit(
                kind=TASK_OVERDUE.code,
                person=task.plan.record.person,
                actor=None,
                obj=task,
                category=m.PLAN,
                summary=f"Action en retard : échéance du {task.due_date:%d/%m/%Y} dépassée",
            )
        summary["emitted"] += 1
        summary["notifications"] += len(result.notified)
    return summary


def _already(key: str) -> bool:
    from relais.notifications.models import Notification

    return Notification.objects.filter(dedup_key=key).exists()
