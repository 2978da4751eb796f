"""Handing a record to a colleague, and the team inbox's « Je prends » (decision 0044).

- ``record_handover``: a circle manager (referent or coordinator) makes another member of the coordination service
  that holds the record (the referent's organisation) its referent, with a reason. The former referent stays in the
  circle as a member. Written in the timeline (the circle sees who is referent and why), traced in the access log,
  the new referent notified (in-app now, the e-mail after the commit).
- ``record_take``: a record of the team without an active referent (the referent left the circle or the service):
  a member of the circle acting for the service that holds it (``holding_service``) takes it and becomes referent.
- ``plan_task_take``: an action entrusted to the service as a whole (``PlanTask.assignee_organisation``) is taken by a
  member of the circle acting for that service, who becomes its assignee.

The new referent joins in the same care team as the service: the person was informed of the sharing with that service
(CSP L1110-12), so their membership carries the date the service's membership does.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from relais.accounts.actor import user_public_name
from relais.accounts.models import Membership
from relais.notifications.services import notification_send
from relais.pathway import matrix as m
from relais.pathway.circle.eligibility import professional_eligibility
from relais.pathway.circle.models import CircleMember, CircleRole, Ground, MemberKind
from relais.pathway.circle.selectors import member_ineligibility
from relais.pathway.events.services import initials
from relais.pathway.guard import allow, trace
from relais.pathway.notification_kinds import RECORD_HANDED_OVER
from relais.pathway.policy import Decision, may_manage_circle
from relais.pathway.record.models import EventKind, PlanTask, TaskStatus
from relais.pathway.record.services import event_post

REASON = "Motif"
MIN_REASON = 3


def _active(record):
    today = timezone.localdate()
    return record.members.filter(kind=MemberKind.PROFESSIONAL, start__lte=today).filter(
        Q(end__isnull=True) | Q(end__gte=today)
    )


def current_referents(record) -> list[CircleMember]:
    """The active referents of the record who may still act (decision 0031): none when the referent left."""
    rows = _active(record).filter(circle_role=CircleRole.REFERENT).select_related("user", "organisation")
    return [member for member in rows if not member_ineligibility(member)]


def holding_service(record):
    """The service that holds the record: the organisation of its latest referent (even one who left), else the
    organisation that opened it."""
    last = (
        record.members.filter(kind=MemberKind.PROFESSIONAL, circle_role=CircleRole.REFERENT)
        .select_related("organisation")
        .order_by("-start", "-pk")
        .first()
    )
    return last.organisation if last else record.opened_by_organisation


def handover_candidates(*, record) -> list[Membership]:
    """Whom the record may be handed to: active members of the service, eligible in the care team, not its referent."""
    service = holding_service(record)
    referents = {member.user_id for member in current_referents(record)}
    rows = (
        Membership.objects.filter(organisation=service, is_active=True, user__is_active=True)
        .exclude(user_id__in=referents)
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return [ms for ms in rows if _eligibility(ms)]


def _eligibility(membership: Membership):
    return professional_eligibility(
        ground=Ground.CARE_TEAM,
        kind=membership.organisation.kind,
        role=membership.role,
        category=membership.user.professional_category,
    )


def _informed_at(record, service):
    """When the person was informed of the sharing with the service's care team (its members' recorded date)."""
    member = (
        record.members.filter(organisation=service, ground=Ground.CARE_TEAM, person_informed_at__isnull=False)
        .order_by("-person_informed_at")
        .first()
    )
    return member.person_informed_at if member else None


def _become_referent(*, actor, record, user, service) -> CircleMember:
    """``user`` (for ``service``) is made the record's only active referent; former referents stay as members."""
    mine = _active(record).filter(user=user, organisation=service).first()
    for former in _active(record).filter(circle_role=CircleRole.REFERENT).exclude(pk=getattr(mine, "pk", None)):
        former.circle_role = CircleRole.MEMBER
        former.save(update_fields=["circle_role"])
    if mine is not None:
        mine.circle_role = CircleRole.REFERENT
        mine.save(update_fields=["circle_role"])
        return mine
    informed_at = _informed_at(record, service)
    if informed_at is None:
        raise ValidationError(
            f"La personne n'a pas été informée du partage avec l'équipe de « {service} » (CSP L1110-12) : ajoutez "
            "d'abord ce ou cette professionnel·le au cercle de soins, avec la date d'information."
        )
    member = CircleMember(
        record=record,
        kind=MemberKind.PROFESSIONAL,
        user=user,
        organisation=service,
        circle_role=CircleRole.REFERENT,
        ground=Ground.CARE_TEAM,
        person_informed_at=informed_at,
        start=timezone.localdate(),
        added_by=actor.public_label,
    )
    member.full_clean()
    member.save()
    return member


def _record_event(*, actor, person, member, reason: str, title: str) -> None:
    """The change of referent in the timeline, as identity data: every member of the circle sees who is referent."""
    event_post(actor=actor, person=person, kind=EventKind.NOTE, category=m.IDENTITY, title=title, body=reason)


def _notify(*, actor, person, member: CircleMember, reason_given: bool) -> None:
    who = actor.user.get_full_name() or actor.organisation
    notification_send(
        kind=RECORD_HANDED_OVER.code,
        organisation=member.organisation,
        recipients=[member.user],
        subject=f"{RECORD_HANDED_OVER.label} — {initials(person)}",
        body=f"{who} vous confie le dossier de {initials(person)} : vous en êtes désormais le ou la référent·e."
        + (" Le motif est noté dans la chronologie du dossier." if reason_given else ""),
        link=reverse("pathway:record_by_person", args=[person.pk]),
        dedup_key=f"{RECORD_HANDED_OVER.code}:{member.pk}:{timezone.now().isoformat()}",
    )


@transaction.atomic
def record_handover(*, actor, person, user, reason: str) -> CircleMember:
    """Make ``user``, a member of the service holding the record, its referent. Circle managers only."""
    decision = may_manage_circle(user=actor.user, organisation=actor.organisation, person=person)
    if not decision.allowed:
        raise PermissionDenied(decision.message)
    record = person.coordination_record
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationError({"reason": "Indiquez le motif du changement de référent·e (il est noté au dossier)."})
    service = holding_service(record)
    if user is None:
        raise ValidationError({"user": "Choisissez le ou la collègue à qui confier le dossier."})
    if any(member.user_id == user.pk for member in current_referents(record)):
        raise ValidationError({"user": f"{user.get_full_name()} est déjà référent·e de ce dossier."})
    membership = Membership.objects.filter(
        organisation=service, user=user, is_active=True, user__is_active=True
    ).first()
    if membership is None:
        raise ValidationError(
            {
                "user": f"{user_public_name(user)} n'est pas membre actif·ve de « {service} », le service "
                "qui porte ce dossier : seul·e un·e collègue de ce service peut en devenir référent·e."
            }
        )
    eligibility = _eligibility(membership)
    if not eligibility:
        raise ValidationError({"user": f"{user.get_full_name()} ne peut pas être référent·e : {eligibility.reason}"})
    member = _become_referent(actor=actor, record=record, user=user, service=service)
    name = user_public_name(user)
    _record_event(actor=actor, person=person, member=member, reason=reason, title=f"Dossier confié à {name}")
    trace(
        actor=actor,
        action="update",
        obj=member,
        person=person,
        decision=decision,
        detail=f"dossier confié à {name} (référent·e)"[:300],
    )
    _notify(actor=actor, person=person, member=member, reason_given=True)
    return member


@transaction.atomic
def record_take(*, actor, person) -> CircleMember:
    """« Je prends » a record of the team that has no active referent: the taker, a member of the circle acting for
    the service, becomes its referent."""
    decision: Decision = allow(actor=actor, person=person, category=m.IDENTITY, action=m.READ)
    record = person.coordination_record
    if record.closed_at is not None:
        raise ValidationError("Ce dossier est clos.")
    if current_referents(record):
        raise ValidationError("Ce dossier a déjà un·e référent·e : demandez-lui de vous le confier.")
    service = holding_service(record)
    if decision.member.kind != MemberKind.PROFESSIONAL or service.pk != actor.organisation.pk:
        raise PermissionDenied(
            f"Seul·e un·e professionnel·le de « {service} », le service qui porte ce dossier, membre du cercle de "
            "soins, peut le prendre."
        )
    member = _become_referent(actor=actor, record=record, user=actor.user, service=actor.organisation)
    name = user_public_name(actor.user)
    _record_event(
        actor=actor,
        person=person,
        member=member,
        reason="Dossier sans référent·e, pris en charge par l'équipe.",
        title=f"{name} devient référent·e",
    )
    trace(actor=actor, action="update", obj=member, person=person, decision=decision, detail="je prends le dossier")
    return member


@transaction.atomic
def plan_task_take(*, actor, task: PlanTask) -> PlanTask:
    """« Je prends » an action entrusted to the acting organisation as a whole: its assignee becomes the taker."""
    task = PlanTask.objects.select_for_update().select_related("plan__record__person").get(pk=task.pk)
    person = task.plan.record.person
    decision = allow(actor=actor, person=person, category=m.PLAN)
    if task.assignee_organisation_id != getattr(actor.organisation, "pk", None):
        raise ValidationError("Cette action n'est plus confiée à votre service : quelqu'un l'a déjà prise.")
    if task.status not in (TaskStatus.TODO, TaskStatus.IN_PROGRESS):
        raise ValidationError("Cette action est terminée ou annulée.")
    member = decision.member
    if member.kind != MemberKind.PROFESSIONAL or member.organisation_id != actor.organisation.pk:
        raise PermissionDenied(
            "Seul·e un·e professionnel·le du service, membre du cercle de soins, prend cette action."
        )
    task.assignee_member, task.assignee_organisation = member, None
    task.save(update_fields=["assignee_member", "assignee_organisation", "updated_at"])
    trace(actor=actor, action="update", obj=task, person=person, decision=decision, detail="je prends l'action")
    return task
