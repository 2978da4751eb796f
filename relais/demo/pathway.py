"""Demo coordination records, so that the pathway screens have something to show after ``make run``.

The demo coordinator (coordination.dac) opens the record of three persons the DAC follows, invites the demo GP
(medecin.ville, by consent) and the demo hospital nurse (infirmiere.hopital, same care team), posts events, writes a
shared plan with an overdue task, starts a message thread, and the nurse notes each person in hospital now (a structured
stay with its planned discharge). Everything goes through the real services (policy
checks, access log, notifications), which is fine for three records. Synthetic persons only. Idempotent: nothing is
done when the coordinator already runs a record.
"""

from __future__ import annotations

from datetime import timedelta

from django.test.utils import override_settings
from django.utils import timezone

from relais.accounts.actor import Actor
from relais.accounts.models import Membership
from relais.accounts.roles import OrganisationKind
from relais.messaging.services import thread_start
from relais.orientation.policy import persons_visible_to
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, CircleRole, Ground
from relais.pathway.circle.services import circle_professional_add, record_open
from relais.pathway.record import services as rs
from relais.pathway.record.movement_services import hospital_movement_save

from .logins import DEMO_LOGINS

RECORDS = 3


def _actor(local: str, kind: str) -> Actor | None:
    email = next(login.email for login in DEMO_LOGINS if login.email.startswith(f"{local}@"))
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(user__email=email, organisation__kind=kind)
        .first()
    )
    if membership is None:
        return None
    return Actor(organisation=membership.organisation, role=membership.role, user=membership.user)


def pathway_demo() -> dict[str, int]:
    coordinator = _actor("coordination.dac", OrganisationKind.DAC)
    gp = _actor("medecin.ville", OrganisationKind.HEALTH_PRACTICE)
    nurse = _actor("infirmiere.hopital", OrganisationKind.HOSPITAL)
    if None in (coordinator, gp, nurse):
        return {"records": 0}
    if CircleMember.objects.filter(user=coordinator.user, circle_role=CircleRole.REFERENT).exists():
        return {"records": 0}
    persons = list(persons_visible_to(coordinator).filter(coordination_record__isnull=True).order_by("pk")[:RECORDS])
    # The demo's e-mails would only clutter the console of `make run`: keep them in memory.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for n, person in enumerate(persons):
            _record(coordinator, gp, nurse, person, overdue=n == 0)
    return {"records": len(persons)}


def _record(coordinator: Actor, gp: Actor, nurse: Actor, person, *, overdue: bool) -> None:
    now = timezone.now()
    record_open(actor=coordinator, person=person, informed_at=now - timedelta(days=30))
    gp_member = circle_professional_add(
        actor=coordinator,
        person=person,
        user=gp.user,
        organisation=gp.organisation,
        ground=Ground.CONSENT,
        consent={
            "scope": [m.IDENTITY, m.MEDICAL, m.SOCIAL, m.DOCUMENTS, m.MESSAGES, m.PLAN],
            "method": "written",
            "given_by": "la personne",
        },
    )
    nurse_member = circle_professional_add(
        actor=coordinator,
        person=person,
        user=nurse.user,
        organisation=nurse.organisation,
        ground=Ground.CARE_TEAM,
        informed_at=now - timedelta(days=30),
    )
    today = timezone.localdate()
    hospital_movement_save(  # in hospital now: the coordinator prepares the return home (decision 0045)
        actor=nurse,
        person=person,
        reason="Chute à domicile, bilan en cours.",
        hospital=nurse.organisation.name,
        ward="Médecine polyvalente",
        admitted_on=today - timedelta(days=12),
        planned_discharge_on=today + timedelta(days=2),
    )
    rs.event_post(
        actor=coordinator,
        person=person,
        kind="home_visit",
        title="Visite à domicile de la coordination",
        body="Logement à adapter ; aidante épuisée.",
        occurred_at=now - timedelta(days=5),
    )
    need = rs.plan_need_add(
        actor=coordinator, person=person, domain="Autonomie", description="Sécuriser le retour à domicile"
    )
    goal = rs.plan_goal_add(
        actor=coordinator,
        person=person,
        description="Retour à domicile avec passage infirmier quotidien",
        need=need,
        target_date=timezone.localdate() + timedelta(days=30),
    )
    rs.plan_task_add(
        actor=coordinator,
        person=person,
        title="Réévaluer le traitement à la sortie",
        assignee_member=gp_member,
        goal=goal,
        due_date=timezone.localdate() + timedelta(days=-3 if overdue else 10),
    )
    rs.plan_task_add(
        actor=coordinator,
        person=person,
        title="Organiser le passage infirmier",
        assignee_member=nurse_member,
        goal=goal,
        due_date=timezone.localdate() + timedelta(days=7),
    )
    thread_start(
        actor=coordinator,
        person=person,
        kind="exchange",
        subject="Préparation de la sortie",
        body="Pouvez-vous confirmer la date de sortie envisagée ?",
        recipients=[nurse_member, gp_member],
    )
