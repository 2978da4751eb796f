"""Who follows the events of a person: explicit subscriptions, and the defaults (referent, members with an open task).

Selectors (``followers``, ``subscription_state``) and services (``subscription_set``, ``subscription_off``). A member
subscribes for the organisation they act for; subscribing needs the right to read the person's identity in the
circle, and each event is checked again against the policy when it happens (``events/services.py``).
See docs/decisions/0020-pathway-notifications.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from relais.notifications.models import Subscription, SubscriptionChannel, SubscriptionStatus
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleRole, MemberKind
from relais.pathway.events.kinds import person_event_kind
from relais.pathway.guard import allow, trace
from relais.pathway.policy import decide
from relais.pathway.record.models import PlanTask, TaskStatus

DEFAULT_REFERENT, DEFAULT_TASK = "referent", "task"
DEFAULT_LABELS = {
    DEFAULT_REFERENT: "vous êtes référent·e de cette personne",
    DEFAULT_TASK: "une action du plan vous est confiée",
}


@dataclass(frozen=True)
class Follower:
    user: object
    organisation: object | None
    subscription: Subscription | None  # None: followed by default
    in_app_only: bool = False


def _active_members(person):
    record = getattr(person, "coordination_record", None)
    if record is None:
        return None
    today = timezone.localdate()
    return record.members.filter(user__isnull=False, user__is_active=True, start__lte=today).filter(
        Q(end__isnull=True) | Q(end__gte=today)
    )


def _member_org(member):
    return member.organisation if member.kind == MemberKind.PROFESSIONAL else None


def default_reasons(*, person, obj=None) -> dict[tuple[int, int | None], str]:
    """(user id, organisation id) -> why they follow the person without having subscribed."""
    members = _active_members(person)
    if members is None:
        return {}
    reasons: dict[tuple[int, int | None], str] = {}
    for member in members.filter(circle_role=CircleRole.REFERENT):
        reasons[(member.user_id, member.organisation_id)] = DEFAULT_REFERENT
    open_tasks = PlanTask.objects.filter(
        plan__record=person.coordination_record, status__in=[TaskStatus.TODO, TaskStatus.IN_PROGRESS]
    )
    task_members = members.filter(tasks__in=open_tasks)
    if isinstance(obj, PlanTask) and obj.assignee_member_id:  # the assignee of the task the event is about
        task_members = task_members | members.filter(pk=obj.assignee_member_id)
    for member in task_members.distinct():
        reasons.setdefault((member.user_id, _member_org(member) and member.organisation_id), DEFAULT_TASK)
    return reasons


def _membership_key(user_id: int, organisation_id: int | None, members: dict) -> tuple | None:
    """The active membership a (user, acting organisation) pair holds: a professional by user and organisation,
    a proxy by user alone (proxies act for themselves, whatever organisation their account belongs to)."""
    if (user_id, organisation_id) in members:
        return (user_id, organisation_id)
    if (user_id, None) in members:
        return (user_id, None)
    return None


def followers(*, person, kind: str, obj=None, whole_circle: bool = False) -> list[Follower]:
    """Everyone who follows ``kind`` events of ``person``: active subscriptions covering the kind, plus the default
    followers who did not switch theirs off. Not yet filtered by the policy (the caller asks it per event).
    ``whole_circle``: every active member with an account follows by default (hospital movements, decision 0045);
    an explicit subscription row still decides for its member."""
    members = _active_members(person)
    if members is None:
        return []
    member_keys = {(mb.user_id, _member_org(mb) and mb.organisation_id): mb for mb in members.select_related("user")}
    now = timezone.now()
    rows = Subscription.objects.filter(person=person).select_related("user", "organisation")
    result, explicit = [], set()
    for subscription in rows:
        key = _membership_key(subscription.user_id, subscription.organisation_id, member_keys)
        if key is None:
            continue
        explicit.add(key)  # an explicit row (active or off) overrides the default
        if subscription.follows(kind) and (subscription.end is None or subscription.end > now):
            in_app = subscription.channel == SubscriptionChannel.IN_APP
            result.append(Follower(subscription.user, subscription.organisation, subscription, in_app))
    defaults = list(default_reasons(person=person, obj=obj)) + (list(member_keys) if whole_circle else [])
    for key in dict.fromkeys(defaults):
        if key in explicit or key not in member_keys:
            continue
        member = member_keys[key]
        result.append(Follower(member.user, _member_org(member), None))
    return sorted(result, key=lambda follower: follower.user.pk)


def subscription_state(*, actor, person) -> dict:
    """What the record page shows the actor: subscribed or not, why, and to which kinds."""
    organisation = getattr(actor, "organisation", None)
    row = Subscription.objects.filter(user=actor.user, organisation=organisation, person=person).first()
    defaults = default_reasons(person=person)
    default = defaults.get((actor.user.pk, getattr(organisation, "pk", None))) or defaults.get((actor.user.pk, None))
    active = row.status == SubscriptionStatus.ACTIVE if row is not None else default is not None
    return {
        "subscription": row,
        "subscribed": active,
        "default_reason": DEFAULT_LABELS.get(default, "") if row is None else "",
        "kinds": list(row.kinds) if row is not None and active else [],
    }


def _check_kinds(kinds) -> list[str]:
    checked = []
    for code in kinds or []:
        try:
            person_event_kind(code)
        except ValueError as exc:
            raise ValidationError({"kinds": str(exc)}) from None
        checked.append(code)
    return sorted(set(checked))


@transaction.atomic
def subscription_set(
    *,
    actor,
    person,
    kinds=(),
    channel: str = SubscriptionChannel.EMAIL,
    reason: str = "",
    end=None,
    source: str = "web",
) -> Subscription:
    """Follow the events of ``person`` (all kinds when ``kinds`` is empty), for the actor's organisation."""
    if getattr(actor, "user", None) is None:
        raise PermissionDenied("Seul·e un·e membre du cercle de soins identifié·e peut suivre une personne.")
    decision = allow(actor=actor, person=person, category=m.IDENTITY, action=m.READ)
    if channel not in SubscriptionChannel.values:
        raise ValidationError({"channel": f"Canal inconnu : « {channel} »."})
    row, _created = Subscription.objects.update_or_create(
        user=actor.user,
        organisation=actor.organisation,
        person=person,
        defaults={
            "kinds": _check_kinds(kinds),
            "status": SubscriptionStatus.ACTIVE,
            "channel": channel,
            "reason": (reason or "")[:300],
            "end": end,
            "source": source,
        },
    )
    trace(actor=actor, action="update", obj=row, person=person, decision=decision, detail="abonnement aux événements")
    return row


@transaction.atomic
def subscription_off(*, actor, person, source: str = "web") -> Subscription:
    """Stop following ``person`` (also the default following of a referent or an assignee)."""
    if getattr(actor, "user", None) is None:
        raise PermissionDenied("Seul·e un·e membre du cercle de soins identifié·e peut suivre une personne.")
    decision = decide(
        user=actor.user, organisation=actor.organisation, person=person, category=m.IDENTITY, action=m.READ
    )
    if decision.rule in {"anonymous", "no_record", "not_in_circle"}:
        raise PermissionDenied(decision.message)
    # Unsubscribing stays possible after an objection: it only reduces what the member receives.
    row, _created = Subscription.objects.update_or_create(
        user=actor.user,
        organisation=actor.organisation,
        person=person,
        defaults={"status": SubscriptionStatus.OFF, "source": source},
    )
    trace(actor=actor, action="update", obj=row, person=person, decision=decision, detail="désabonnement")
    return row
