"""The notification kinds the orientation follow-up emits (discovered by the notifications app at start-up), and
who receives them: the ESMS's admission staff, the sender of the request. Bodies carry initials and counts only."""

from django.urls import reverse

from relais.accounts.models import Membership
from relais.accounts.roles import Role
from relais.notifications.registry import NotificationKind, register
from relais.notifications.services import notification_send

from .policy import ADMISSION_ROLES
from .requests import statuses as st

ADMITTED_ELSEWHERE = register(
    NotificationKind(
        code="orientation.admitted_elsewhere",
        label="Demande close : personne admise dans un autre ESMS",
        description=(
            f"Une demande a été close (motif « {st.reason_word(st.REASON_ADMITTED_ELSEWHERE)} ») car la personne a "
            "été admise dans un autre ESMS."
        ),
        default_roles=ADMISSION_ROLES,
    )
)
REMINDER = register(
    NotificationKind(
        code="orientation.request_reminder",
        label="Relance : demande sans réponse depuis 10 jours",
        description="Demande non lue, ou lue sans réponse, depuis 10 jours (une relance par 10 jours).",
        default_roles=ADMISSION_ROLES,
    )
)
DECISION_EXPIRED = register(
    NotificationKind(
        code="orientation.decision_expired",
        label="Décision d'orientation arrivée à échéance",
        description="La décision a atteint sa fin de validité ; les demandes non abouties sont closes.",
        default_roles=ADMISSION_ROLES,
    )
)
DECISION_CANCELLED = register(
    NotificationKind(
        code="orientation.decision_cancelled",
        label="Décision d'orientation annulée",
        description=(
            "L'orientation a annulé la décision ; les demandes non abouties sont closes "
            f"(« {st.status_word(st.DECISION_CANCELLED)} »)."
        ),
        default_roles=ADMISSION_ROLES,
    )
)

# Roles of the sending organisation told about its requests when the user who sent them is gone.
SENDER_NOTICE_ROLES = frozenset({Role.COORDINATOR, Role.ORIENTATION_OFFICER, Role.DIRECTOR})


def initials(person) -> str:
    """E-mail is not a secure channel: a notification names a person by initials only (first name, family name)."""
    first = (person.first_names or "?").split()[0][:1].upper()
    return f"{first}. {(person.family_name or '?')[:1].upper()}."


def esms_link(request) -> str:
    return reverse("orientation:esms_request", args=[request.pk])


def person_link(person_id: int) -> str:
    return reverse("orientation:person", args=[person_id])


def esms_organisation(site):
    return site.organisation or site.legal_entity.organisation


def notify_esms(*, kind: str, request, subject: str, body: str, dedup_key: str) -> list:
    """The admission staff (admin, director, admission officer) of the request's site."""
    organisation = esms_organisation(request.site)
    if organisation is None:
        return []
    return notification_send(
        kind=kind,
        organisation=organisation,
        roles=ADMISSION_ROLES,
        subject=subject,
        body=body,
        link=esms_link(request),
        dedup_key=dedup_key,
    )


def _still_member(user, organisation) -> bool:
    return (
        user is not None
        and user.is_active
        and Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists()
    )


def notify_sender(*, kind: str, organisation, user, person_id: int, subject: str, body: str, dedup_key: str) -> list:
    """The user who sent the request if still a member of the sending organisation, else its coordinators."""
    if organisation is None:
        return []
    common = {"kind": kind, "organisation": organisation, "subject": subject, "body": body, "dedup_key": dedup_key}
    link = person_link(person_id)
    if _still_member(user, organisation):
        return notification_send(recipients=[user], link=link, **common)
    return notification_send(roles=SENDER_NOTICE_ROLES, link=link, **common)
