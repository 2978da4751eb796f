"""The "new message" event of the messaging (discovered by the notifications app at start-up), and who is told.

- A **sharing** is posted to the record: it is a person event (``pathway.events.person_event_emit``), notified to the
  followers of the person who may read its category now (an educator never hears of a medical sharing).
- An **exchange** is addressed: only its recipients are notified, each after asking the policy again (a recipient
  who left the circle, or whom the person objected to, is told nothing). Followers who are not participants are not
  notified: even the existence of an exchange is theirs only.

E-mail is not a secure channel: the notification names the person by initials and carries a link, never the subject
nor the content of the message (decision 0021).
"""

from __future__ import annotations

from django.urls import reverse

from relais.notifications.services import notification_send
from relais.pathway.access import PersonEventKind, decide, initials, person_event_emit, person_event_kind_register
from relais.pathway.access import matrix as m

from .models import ThreadKind

NEW_MESSAGE = person_event_kind_register(
    PersonEventKind(
        code="messaging.message_new",
        label="Nouveau message sécurisé",
        category=m.MESSAGES,
        description="Un message vous est adressé (échange) ou est partagé au dossier d'une personne que vous suivez ; "
        "l'e-mail ne contient ni l'objet ni le contenu, seulement un lien.",
    )
)


def notify_new_message(*, actor, thread, message, person) -> list:
    """Tell who should know of ``message``; returns the notifications created."""
    if thread.kind == ThreadKind.SHARING:
        result = person_event_emit(
            kind=NEW_MESSAGE.code,
            person=person,
            actor=actor,
            obj=message,
            category=thread.category,
            summary="Nouveau message partagé au dossier",
        )
        return result.notified
    sent = []
    link = reverse("messaging:thread", args=[thread.pk])
    who = initials(person)
    for participant in thread.participants.select_related("member__user", "member__organisation"):
        member = participant.member
        if member.user is None or member.user_id == message.author_user_id:
            continue
        allowed = decide(
            user=member.user, organisation=member.organisation, person=person, category=thread.category, action=m.READ
        )
        if not allowed:  # left the circle, objection, consent withdrawn: nothing new reaches them
            continue
        sent += notification_send(
            kind=NEW_MESSAGE.code,
            organisation=member.organisation,
            recipients=[member.user],
            subject=f"{NEW_MESSAGE.label} — {who}",
            body=f"Un·e membre du cercle de soins de {who} vous a écrit dans Relais. Connectez-vous pour le lire.",
            link=link,
            dedup_key=f"{NEW_MESSAGE.code}:messaging.message:{message.pk}",
            fields={"person": person, "category": thread.category, "event_at": message.created_at},
        )
    return sent
