"""The notices of concertation meetings (decision 0046): the convocation to each invitee, and the conclusions to
each invitee who did not attend. Both are person events of category PLAN (their kinds are listed on the preference
pages); each recipient is asked to the policy again when the notice leaves (after the commit), so a member who left
the circle or was objected to meanwhile is told nothing. E-mail is not a secure channel: the person is named by
initials; the agenda, the conclusions and the actions stay in Relais, behind the link.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from relais.notifications.services import notification_send
from relais.pathway.access import PersonEventKind, decide, initials, person_event_kind_register
from relais.pathway.access import matrix as m
from relais.territory.timezones import wall_clock

CONVENED = person_event_kind_register(
    PersonEventKind(
        code="agenda.meeting_convened",
        label="Convocation à une réunion de concertation",
        category=m.PLAN,
        description="Vous êtes convoqué·e à une réunion de concertation autour d'une personne dont vous faites partie "
        "du cercle de soins.",
    )
)
CONCLUSIONS = person_event_kind_register(
    PersonEventKind(
        code="agenda.meeting_conclusions",
        label="Conclusions d'une réunion de concertation",
        category=m.PLAN,
        description="Absent·e d'une réunion de concertation, vous recevez ses conclusions et les actions décidées.",
    )
)


def _send(*, kind: str, meeting, invitations, subject: str, body: str) -> list:
    sent = []
    link = reverse("agenda:meeting", args=[meeting.pk])
    for invitation in invitations:
        member = invitation.member
        if not decide(user=member.user, organisation=member.organisation, person=meeting.person, category=m.PLAN):
            continue
        sent += notification_send(
            kind=kind,
            organisation=member.organisation,
            recipients=[member.user],
            subject=subject,
            body=body,
            link=link,
            dedup_key=f"{kind}:agenda.meeting:{meeting.pk}",
            fields={"person": meeting.person, "category": m.PLAN, "event_at": timezone.now()},
        )
    return sent


def notify_convened(meeting) -> list:
    """Every invitee but the convener (who answered "present" by convening)."""
    who, when = initials(meeting.person), wall_clock(meeting.starts_at, meeting.zone)
    where = meeting.place or "en visioconférence"
    invited = meeting.invitations.exclude(user_id=meeting.convened_by_user_id).select_related(
        "member__user", "member__organisation"
    )
    return _send(
        kind=CONVENED.code,
        meeting=meeting,
        invitations=invited,
        subject=f"Convocation : réunion de concertation le {when} — {who}",
        body=f"{meeting.convened_by} vous convoque à une réunion de concertation au sujet de {who}, le {when} "
        f"({where}). Ordre du jour et réponse (présent·e ou absent·e) dans Relais.",
    )


def notify_conclusions(meeting) -> list:
    """Every invitee recorded absent."""
    who, when = initials(meeting.person), wall_clock(meeting.starts_at, meeting.zone)
    absent = meeting.invitations.filter(attended=False).select_related("member__user", "member__organisation")
    return _send(
        kind=CONCLUSIONS.code,
        meeting=meeting,
        invitations=absent,
        subject=f"Conclusions de la réunion de concertation du {when} — {who}",
        body=f"Vous étiez absent·e de la réunion de concertation du {when} au sujet de {who}. Ses conclusions et "
        f"les actions du plan décidées ({meeting.actions.count()}) sont dans Relais.",
    )
