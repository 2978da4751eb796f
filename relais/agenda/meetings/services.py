"""Writes of concertation meetings: convene, answer, record the attendance and conclusions (decision 0046).

- Only a manager of the person's circle (referent or coordinator, ``may_manage_circle``) convenes and concludes; the
  invitees are active members of that circle with a Relais account who may read the person's plan today.
- Each invitee answers present or absent until the meeting starts.
- After the meeting, ``meeting_conclude`` records who attended, the conclusions (PLAN) and the medical conclusions
  (MEDICAL: a health professional writes them), and turns each decision into an action of the shared plan through
  ``plan_task_add`` (the one rule on an action's owner: an active, eligible member of the circle), all in one
  transaction: an action refused leaves nothing written, neither the other actions nor the conclusions.
- Both steps are noted on the record's timeline; the invitees (at convening) and the absent (at the conclusions) are
  notified after the commit.
Every write is traced on the person with the rule that allowed it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from relais.accounts.actor import user_public_name
from relais.jobs.services import after_commit
from relais.pathway.access import (
    CoordinationRecord,
    EventKind,
    active_memberships,
    allow,
    decide,
    event_post,
    may_manage_circle,
    plan_task_add,
    trace,
)
from relais.pathway.access import matrix as m
from relais.territory.timezones import organisation_zone, wall_clock

from .models import Answer, Invitation, Meeting, MeetingAction, MeetingStatus
from .tasks import meeting_conclusions_notify, meeting_convened_notify

MAX_AHEAD = timedelta(days=366)
_https = URLValidator(schemes=["https"])


def member_name(member) -> str:
    """ "Camille Test (SSIAD Émeraude)" or, for a proxy, the name and quality."""
    user = member.user
    name = user_public_name(user) if user is not None else member.display_name
    where = member.organisation if member.organisation_id else member.get_proxy_role_display().lower()
    return f"{name} ({where})"


def _manager(actor, person):
    decision = may_manage_circle(
        user=getattr(actor, "user", None), organisation=getattr(actor, "organisation", None), person=person
    )
    if not decision.allowed:
        raise PermissionDenied(decision.message)
    return decision


def _when_checked(starts_at: datetime, zone) -> datetime:
    if timezone.is_naive(starts_at):
        starts_at = starts_at.replace(tzinfo=zone)
    now = timezone.now()
    if starts_at <= now:
        raise ValidationError(
            {
                "starts_at": f"« Date et heure » ({wall_clock(starts_at, zone)}) est passée : une réunion se convoque "
                f"pour plus tard (après le {wall_clock(now, zone)})."
            }
        )
    if starts_at > now + MAX_AHEAD:
        raise ValidationError({"starts_at": "Une réunion se convoque au plus un an à l'avance."})
    return starts_at


def _place_checked(place: str, video_link: str) -> tuple[str, str]:
    place, video_link = (place or "").strip(), (video_link or "").strip()
    if not place and not video_link:
        raise ValidationError({"place": "Indiquez le lieu de la réunion ou son lien de visioconférence."})
    if video_link:
        try:
            _https(video_link)
        except ValidationError:
            raise ValidationError(
                {"video_link": f"Lien de visioconférence invalide : « {video_link} » (adresse https:// attendue)."}
            ) from None
    return place, video_link


def _invitees_checked(record: CoordinationRecord, person, invitees, convener) -> list:
    """Active members of this circle, with an account, who may read the plan today; the convener left out."""
    today = timezone.localdate()
    chosen = {member.pk: member for member in invitees if member.pk != convener.pk}
    if not chosen:
        raise ValidationError({"invitees": "Convoquez au moins un·e membre du cercle de soins, en plus de vous."})
    for member in chosen.values():
        active = member.record_id == record.pk and member.start <= today and (member.end is None or member.end >= today)
        if not active:
            raise ValidationError(
                {"invitees": f"{member_name(member)} ne fait pas partie du cercle de soins de cette personne."}
            )
        if member.user_id is None:
            raise ValidationError(
                {"invitees": f"{member_name(member)} n'a pas de compte Relais : prévenez-le ou la directement."}
            )
        if not _reads_plan(member.user, member.organisation, person):
            raise ValidationError(
                {
                    "invitees": f"{member_name(member)} ne peut plus consulter le dossier de cette personne "
                    "(opposition, consentement retiré ou accès refusé) : pas de convocation."
                }
            )
    return list(chosen.values())


def _reads_plan(user, organisation, person) -> bool:
    return decide(user=user, organisation=organisation, person=person, category=m.PLAN).allowed


def _agenda_text(items: str) -> str:
    lines = [line.strip(" -•\t") for line in (items or "").splitlines() if line.strip(" -•\t")]
    if not lines:
        raise ValidationError({"agenda_items": "L'ordre du jour est obligatoire : au moins un point, un par ligne."})
    return "\n".join(lines)


@transaction.atomic
def meeting_convene(
    *,
    actor,
    person,
    title: str,
    starts_at: datetime,
    agenda_items: str,
    invitees,
    duration_minutes: int = 60,
    place: str = "",
    video_link: str = "",
) -> Meeting:
    """Convene members of the person's circle to a concertation meeting (the convener attends, answer "present")."""
    decision = _manager(actor, person)
    record = CoordinationRecord.objects.get(person=person)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "L'objet de la réunion est obligatoire."})
    zone = organisation_zone(actor.organisation)
    starts_at = _when_checked(starts_at, zone)
    if not 15 <= int(duration_minutes) <= 480:
        raise ValidationError({"duration_minutes": "Une réunion dure de 15 à 480 minutes."})
    place, video_link = _place_checked(place, video_link)
    items = _agenda_text(agenda_items)
    invited = _invitees_checked(record, person, invitees, decision.member)
    meeting = Meeting(
        person=person,
        title=title[:200],
        starts_at=starts_at,
        duration_minutes=int(duration_minutes),
        place=place[:300],
        video_link=video_link,
        agenda_items=items,
        organisation=actor.organisation,
        convened_by=actor.public_label,
        convened_by_user=actor.user,
    )
    meeting.full_clean()
    meeting.save()
    now = timezone.now()
    rows = [
        Invitation(meeting=meeting, member=decision.member, user=actor.user, answer=Answer.PRESENT, answered_at=now)
    ]
    rows += [Invitation(meeting=meeting, member=member, user_id=member.user_id) for member in invited]
    Invitation.objects.bulk_create(rows)
    when = wall_clock(starts_at, zone)
    trace(actor=actor, action="create", obj=meeting, person=person, decision=decision, detail=f"concertation du {when}")
    where = place or "en visioconférence"
    event_post(
        actor=actor,
        person=person,
        kind=EventKind.MEETING,
        category=m.PLAN,
        title=f"Réunion de concertation convoquée pour le {when}",
        body=f"Objet : {title}\nLieu : {where}\nOrdre du jour :\n"
        + "\n".join(f"- {line}" for line in items.splitlines())
        + "\nConvoqué·es : "
        + ", ".join(member_name(member) for member in [decision.member, *invited]),
    )
    after_commit(meeting_convened_notify, meeting.pk)
    return meeting


def _my_invitation(actor, meeting: Meeting) -> Invitation | None:
    record = CoordinationRecord.objects.filter(person_id=meeting.person_id).first()
    if record is None or getattr(actor, "user", None) is None:
        return None
    mine = active_memberships(user=actor.user, organisation=actor.organisation, record=record).values("pk")
    return meeting.invitations.filter(member_id__in=mine).select_for_update(of=("self",)).first()


@transaction.atomic
def meeting_answer(*, actor, meeting: Meeting, answer: str) -> Invitation:
    """The invitee's answer, present or absent, until the meeting starts."""
    meeting = Meeting.objects.select_related("person", "organisation").get(pk=meeting.pk)
    decision = allow(actor=actor, person=meeting.person, category=m.PLAN, action=m.READ)
    invitation = _my_invitation(actor, meeting)
    if invitation is None:
        raise PermissionDenied("Vous n'êtes pas convoqué·e à cette réunion.")
    if answer not in (Answer.PRESENT, Answer.ABSENT):
        raise ValidationError({"answer": "Répondez « présent·e » ou « absent·e »."})
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= timezone.now():
        raise ValidationError({"answer": "La réunion a commencé ou a eu lieu : la réponse n'est plus modifiable."})
    invitation.answer, invitation.answered_at = answer, timezone.now()
    invitation.save(update_fields=["answer", "answered_at"])
    trace(
        actor=actor,
        action="update",
        obj=invitation,
        person=meeting.person,
        decision=decision,
        detail=f"réponse à la convocation : {Answer(answer).label.lower()}",
    )
    return invitation


def _actions_checked(actions, today) -> list[dict]:
    """Each decision turned into an action needs a title, an owner and a due date from today on; empty rows are
    dropped. Whether the owner may carry it is the plan's rule (``plan_task_add``)."""
    kept = []
    for number, action in enumerate(actions, start=1):
        title = (action.get("title") or "").strip()
        owner, due = action.get("owner"), action.get("due_date")
        if not title and owner is None and due is None:
            continue
        if not title:
            raise ValidationError({"actions": f"Action {number} : indiquez l'action décidée."})
        if owner is None:
            raise ValidationError({"actions": f"Action {number} (« {title} ») : choisissez qui la porte."})
        if due is None:
            raise ValidationError({"actions": f"Action {number} (« {title} ») : indiquez son échéance."})
        if due < today:
            raise ValidationError(
                {"actions": f"Action {number} (« {title} ») : l'échéance du {due:%d/%m/%Y} est passée."}
            )
        kept.append({"number": number, "title": title, "owner": owner, "due_date": due})
    return kept


@transaction.atomic
def meeting_conclude(
    *,
    actor,
    meeting: Meeting,
    attended_ids,
    conclusions: str,
    medical_conclusions: str = "",
    actions=(),
) -> Meeting:
    """After the meeting: who attended, the conclusions, the decisions as plan actions; all or nothing."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("person", "organisation").get(pk=meeting.pk)
    )
    person = meeting.person
    decision = _manager(actor, person)
    zone, now = meeting.zone, timezone.now()
    when = wall_clock(meeting.starts_at, zone)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError({"conclusions": "Les conclusions de cette réunion sont déjà enregistrées."})
    if meeting.starts_at > now:
        raise ValidationError(
            {"conclusions": f"La réunion n'a pas encore eu lieu (le {when}) : ses conclusions s'enregistrent après."}
        )
    conclusions, medical_conclusions = (conclusions or "").strip(), (medical_conclusions or "").strip()
    if not conclusions:
        raise ValidationError({"conclusions": "Les conclusions de la réunion sont obligatoires."})
    if medical_conclusions:
        allow(actor=actor, person=person, category=m.MEDICAL)  # the medical part: a health professional writes it
    invitations = list(meeting.invitations.select_related("member__user", "member__organisation"))
    attended = {int(pk) for pk in attended_ids}
    if attended - {i.pk for i in invitations}:
        raise ValidationError({"attended": "Une personne cochée présente n'était pas convoquée à cette réunion."})
    kept = _actions_checked(actions, timezone.localdate())
    for invitation in invitations:
        invitation.attended = invitation.pk in attended
    Invitation.objects.bulk_update(invitations, ["attended"])
    meeting.conclusions, meeting.medical_conclusions = conclusions, medical_conclusions
    meeting.status, meeting.concluded_at, meeting.concluded_by = MeetingStatus.HELD, now, actor.public_label
    meeting.save(update_fields=["conclusions", "medical_conclusions", "status", "concluded_at", "concluded_by"])
    lines = []
    for action in kept:
        try:
            task = plan_task_add(
                actor=actor,
                person=person,
                title=action["title"],
                assignee_member=action["owner"],
                due_date=action["due_date"],
                description=f"Décidée en réunion de concertation le {when}.",
            )
        except ValidationError as error:
            texts = [text for texts in error.message_dict.values() for text in texts]
            raise ValidationError(
                {"actions": f"Action {action['number']} (« {action['title']} ») : {' '.join(texts)}"}
            ) from None
        MeetingAction.objects.create(meeting=meeting, task=task)
        lines.append(f"- {task.title} : {member_name(action['owner'])}, échéance le {task.due_date:%d/%m/%Y}")
    trace(actor=actor, action="update", obj=meeting, person=person, decision=decision, detail=f"conclusions du {when}")
    present = ", ".join(member_name(i.member) for i in invitations if i.attended) or "personne"
    absent = ", ".join(member_name(i.member) for i in invitations if not i.attended) or "personne"
    body = f"{conclusions}\n\nPrésent·es : {present}\nAbsent·es : {absent}"
    event_post(
        actor=actor,
        person=person,
        kind=EventKind.MEETING,
        category=m.PLAN,
        occurred_at=min(meeting.starts_at, now),
        title=f"Conclusions de la réunion de concertation du {when}",
        body=body + ("\nActions du plan décidées :\n" + "\n".join(lines) if lines else ""),
    )
    if medical_conclusions:
        event_post(
            actor=actor,
            person=person,
            kind=EventKind.MEETING,
            category=m.MEDICAL,
            occurred_at=min(meeting.starts_at, now),
            title=f"Conclusions médicales de la réunion de concertation du {when}",
            body=medical_conclusions,
        )
    if any(not i.attended for i in invitations):
        after_commit(meeting_conclusions_notify, meeting.pk)
    return meeting
