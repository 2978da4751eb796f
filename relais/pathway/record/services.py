"""Writes of the record's content: timeline, documents, shared plan (PPCS) and its tasks.

Every service asks ``policy.decide`` for the category it writes (an event or a document by its own category, the plan
as PLAN), refuses with the policy's sentence, and traces the write in the access log with the rule that allowed it.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from relais.pathway import matrix as m
from relais.pathway import notification_kinds as kinds
from relais.pathway.circle.models import CircleMember
from relais.pathway.circle.selectors import member_ineligibility
from relais.pathway.events.kinds import person_event_kind
from relais.pathway.events.services import person_event_emit
from relais.pathway.guard import allow, trace
from relais.pathway.policy import Decision, may_manage_circle
from relais.pathway.record import uploads
from relais.pathway.record.dates import event_date_check
from relais.pathway.record.models import (
    CarePlan,
    Document,
    DocumentType,
    EventKind,
    PlanGoal,
    PlanNeed,
    PlanTask,
    TaskComment,
    TaskStatus,
    TimelineEvent,
)

# Timeline kinds whose occurrence is a hospital movement's fact, told to who may not read their medical content.
HOSPITAL_KINDS = frozenset({EventKind.ADMISSION, EventKind.DISCHARGE, EventKind.HOSPITAL_STAY})


def _require_manager(actor, person) -> Decision:
    decision = may_manage_circle(user=actor.user, organisation=actor.organisation, person=person)
    if not decision.allowed:
        raise PermissionDenied(decision.message)
    return decision


def _category(category: str, default: str) -> str:
    category = category or default
    if category not in m.CATEGORIES:
        raise ValidationError({"category": f"Catégorie de données inconnue : « {category} »."})
    return category


@transaction.atomic
def event_post(
    *,
    actor,
    person,
    kind: str,
    title: str,
    occurred_at=None,
    body: str = "",
    category: str = m.SOCIAL,
    source: str = "web",
) -> TimelineEvent:
    category = _category(category, m.SOCIAL)
    decision = allow(actor=actor, person=person, category=category)
    if kind not in EventKind.values:
        raise ValidationError({"kind": f"Nature d'événement inconnue : « {kind} »."})
    event_date_check(kind, occurred_at)
    event = TimelineEvent(
        record=person.coordination_record,
        kind=kind,
        category=category,
        occurred_at=occurred_at or timezone.now(),
        title=title.strip(),
        body=body.strip(),
        author=actor.public_label,
        author_user=actor.user,
        author_organisation=actor.organisation,
        source=source,
    )
    event.full_clean()
    event.save()
    trace(
        actor=actor,
        action="create",
        obj=event,
        person=person,
        decision=decision,
        detail=f"événement : {event.get_kind_display().lower()}",
    )
    if kind in kinds.TIMELINE:
        person_event_emit(
            kind=kinds.TIMELINE[kind], person=person, actor=actor, obj=event, category=category, at=event.occurred_at
        )
        if category == m.MEDICAL and kind in HOSPITAL_KINDS:
            label = person_event_kind(kinds.TIMELINE[kind]).label
            # The fact of a hospital event is not medical (decision 0045): who may not read the medical event is
            # told that it happened and when, nothing more; the same key spares who was notified just above.
            person_event_emit(
                kind=kinds.TIMELINE[kind],
                person=person,
                actor=actor,
                obj=event,
                category=m.SOCIAL,
                summary=f"{label} le {timezone.localtime(event.occurred_at):%d/%m/%Y}",
                at=event.occurred_at,
            )
    return event


@transaction.atomic
def document_upload(
    *,
    actor,
    person,
    upload,
    title: str,
    doc_type: str = DocumentType.OTHER,
    category: str = m.DOCUMENTS,
    notify: bool = True,
) -> Document:
    """Store an uploaded file after checking its size and its real type (magic bytes), under a random name.
    ``notify=False``: the caller tells the circle itself (a discharge summary, decision 0045)."""
    category = _category(category, m.DOCUMENTS)
    decision = allow(actor=actor, person=person, category=category)
    if doc_type not in DocumentType.values:
        raise ValidationError({"doc_type": f"Type de document inconnu : « {doc_type} »."})
    if upload.size is not None and upload.size > uploads.MAX_SIZE:
        raise ValidationError({"upload": "Le fichier dépasse la taille maximale de 10 Mo."})
    content = upload.read(uploads.MAX_SIZE + 1)
    if len(content) > uploads.MAX_SIZE:
        raise ValidationError({"upload": "Le fichier dépasse la taille maximale de 10 Mo."})
    if not content:
        raise ValidationError({"upload": "Le fichier est vide."})
    sniffed = uploads.sniff(content)
    if sniffed is None:
        raise ValidationError(
            {"upload": f"Type de fichier refusé : seuls les fichiers {uploads.ACCEPTED_LABEL} sont acceptés."}
        )
    content_type, extension = sniffed
    original = uploads.sanitise_name(getattr(upload, "name", ""))
    document = Document(
        record=person.coordination_record,
        title=(title or "").strip() or original,
        doc_type=doc_type,
        category=category,
        original_name=original,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor.public_label,
        uploaded_by_organisation=actor.organisation,
    )
    document.file.save(uploads.random_name(extension), ContentFile(content), save=False)
    try:
        document.full_clean()
        document.save()
        trace(actor=actor, action="create", obj=document, person=person, decision=decision, detail="dépôt")
    except Exception:
        document.file.delete(save=False)  # nothing half-written: no orphan file
        raise
    if not notify:
        return document
    person_event_emit(
        kind=kinds.DOCUMENT_NEW.code,
        person=person,
        actor=actor,
        obj=document,
        category=category,
        summary=f"Nouveau document : {document.get_doc_type_display().lower()}",
    )
    return document


def _plan(person) -> CarePlan:
    plan, _created = CarePlan.objects.get_or_create(record=person.coordination_record)
    return plan


@transaction.atomic
def plan_need_add(*, actor, person, domain: str, description: str) -> PlanNeed:
    decision = allow(actor=actor, person=person, category=m.PLAN)
    need = PlanNeed(plan=_plan(person), domain=domain.strip(), description=description.strip())
    need.full_clean()
    need.save()
    trace(actor=actor, action="create", obj=need, person=person, decision=decision, detail="besoin du plan")
    person_event_emit(
        kind=kinds.PLAN_CHANGED.code, person=person, actor=actor, obj=need, category=m.PLAN, summary="Besoin ajouté"
    )
    return need


@transaction.atomic
def plan_goal_add(*, actor, person, description: str, need: PlanNeed | None = None, target_date=None) -> PlanGoal:
    decision = allow(actor=actor, person=person, category=m.PLAN)
    plan = _plan(person)
    if need is not None and need.plan_id != plan.pk:
        raise ValidationError({"need": "Ce besoin n'appartient pas au plan de cette personne."})
    goal = PlanGoal(plan=plan, need=need, description=description.strip(), target_date=target_date)
    goal.full_clean()
    goal.save()
    trace(actor=actor, action="create", obj=goal, person=person, decision=decision, detail="objectif du plan")
    person_event_emit(
        kind=kinds.PLAN_CHANGED.code, person=person, actor=actor, obj=goal, category=m.PLAN, summary="Objectif ajouté"
    )
    return goal


def _check_assignee(record, assignee_member, assignee_organisation) -> None:
    if (assignee_member is None) == (assignee_organisation is None):
        raise ValidationError({"assignee": "Choisissez un·e membre ou une organisation du cercle, et un·e seul·e."})
    today = timezone.localdate()
    active = record.members.filter(start__lte=today).exclude(end__lt=today)
    if assignee_member is not None and not active.filter(pk=assignee_member.pk).exists():
        raise ValidationError({"assignee": "La personne choisie n'est pas un·e membre actif·ve de ce cercle de soins."})
    if assignee_organisation is not None and not active.filter(organisation=assignee_organisation).exists():
        raise ValidationError({"assignee": "Cette organisation n'a aucun·e membre actif·ve dans ce cercle de soins."})
    # Only members still eligible (decision 0031): a member the rule now refuses receives no action.
    if assignee_member is not None and (refusal := member_ineligibility(assignee_member)):
        raise ValidationError({"assignee": f"{assignee_member.user} : {refusal}"})
    if assignee_organisation is not None and all(
        member_ineligibility(mb) for mb in active.filter(organisation=assignee_organisation).select_related("user")
    ):
        raise ValidationError(
            {"assignee": f"« {assignee_organisation} » n'a aucun·e membre du cercle pouvant recevoir une action."}
        )


@transaction.atomic
def plan_task_add(
    *,
    actor,
    person,
    title: str,
    assignee_member: CircleMember | None = None,
    assignee_organisation=None,
    due_date=None,
    goal: PlanGoal | None = None,
    description: str = "",
) -> PlanTask:
    decision = allow(actor=actor, person=person, category=m.PLAN)
    plan = _plan(person)
    _check_assignee(plan.record, assignee_member, assignee_organisation)
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": "Cet objectif n'appartient pas au plan de cette personne."})
    task = PlanTask(
        plan=plan,
        goal=goal,
        title=title.strip(),
        description=description.strip(),
        assignee_member=assignee_member,
        assignee_organisation=assignee_organisation,
        due_date=due_date,
        created_by=actor.public_label,
    )
    task.full_clean()
    task.save()
    trace(actor=actor, action="create", obj=task, person=person, decision=decision, detail="action du plan")
    due = f", échéance le {due_date:%d/%m/%Y}" if due_date else ""
    person_event_emit(
        kind=kinds.TASK_NEW.code, person=person, actor=actor, obj=task, category=m.PLAN, summary=f"Nouvelle action{due}"
    )
    return task


@transaction.atomic
def plan_task_status_set(*, actor, task: PlanTask, status: str) -> PlanTask:
    task = PlanTask.objects.select_for_update().select_related("plan__record__person").get(pk=task.pk)
    person = task.plan.record.person
    decision = allow(actor=actor, person=person, category=m.PLAN)
    if status not in TaskStatus.values:
        raise ValidationError({"status": f"Statut inconnu : « {status} »."})
    if status != task.status:
        previous, task.status = task.status, status
        task.completed_at = timezone.now() if status == TaskStatus.DONE else None
        task.save(update_fields=["status", "completed_at", "updated_at"])
        trace(
            actor=actor,
            action="update",
            obj=task,
            person=person,
            decision=decision,
            detail=f"{TaskStatus(previous).label} → {TaskStatus(status).label}",
        )
        person_event_emit(
            kind=kinds.PLAN_CHANGED.code,
            person=person,
            actor=actor,
            obj=task,
            category=m.PLAN,
            summary=f"Action passée de « {TaskStatus(previous).label} » à « {TaskStatus(status).label} »",
            dedup=f"{status}:{task.updated_at.isoformat()}",
        )
    return task


@transaction.atomic
def plan_task_comment_add(*, actor, task: PlanTask, body: str) -> TaskComment:
    person = task.plan.record.person
    decision = allow(actor=actor, person=person, category=m.PLAN)
    comment = TaskComment(task=task, author=actor.public_label, body=(body or "").strip())
    comment.full_clean()
    comment.save()
    trace(actor=actor, action="create", obj=comment, person=person, decision=decision, detail="commentaire")
    return comment
