"""A synthetic care circle with one subject per profile, shared by the FHIR tests and the access matrix test.

Built through the real services. Subjects (``Subject.key``): the referent (coordinator of the DAC, who opened
the record), a nurse and an educator of the SSIAD (same care team), a secretary of the SSIAD (consent covering every
category: administrative staff are not in the care team, decision 0031), a GP (consent: identity, medical, plan),
three proxies (trusted person, legal guardian, carer: accounts without an organisation of their own, they act through
a "Familles" organisation), a nurse of the SSIAD outside the circle, an ARS analyst, and nobody (anonymous).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

from django.utils import timezone

from relais.accounts.actor import Actor
from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import membership_add, organisation_create, user_create
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, Ground, MemberKind, ProxyRole
from relais.pathway.circle.services import circle_professional_add, consent_record, record_open
from relais.pathway.record.models import CarePlan, PlanGoal, PlanNeed, PlanTask
from relais.persons.services import person_create

PASSWORD = "mot-de-passe-de-test-42"
_n = itertools.count(1)


@dataclass
class Subject:
    key: str
    actor: Actor | None
    member: CircleMember | None = None

    @property
    def user(self):
        return self.actor.user if self.actor else None


def _user(organisation, role, category):
    n = next(_n)
    user = user_create(
        email=f"cercle{n}-{timezone.now().timestamp():.0f}@exemple.test",
        first_name="Camille",
        last_name=f"Cercle{n}",
        password=PASSWORD,
        professional_category=category,
    )
    membership_add(actor=None, organisation=organisation, user=user, role=role)
    return Actor(organisation=organisation, role=role, user=user)


def build_circle() -> SimpleNamespace:
    suffix = next(_n)
    dac = organisation_create(kind=OrganisationKind.DAC, name=f"DAC Rance {suffix}")
    practice = organisation_create(kind=OrganisationKind.HEALTH_PRACTICE, name=f"Cabinet du Port {suffix}")
    ssiad = organisation_create(kind=OrganisationKind.ESMS, name=f"SSIAD Émeraude {suffix}")
    ars = organisation_create(kind=OrganisationKind.ARS, name=f"ARS Bretagne {suffix}")
    families = organisation_create(kind=OrganisationKind.MANAGING_BODY, name=f"Familles {suffix}")
    referent = _user(dac, Role.COORDINATOR, "coordination_staff")
    gp = _user(practice, Role.CARE_PROFESSIONAL, "physician")
    nurse = _user(ssiad, Role.CARE_PROFESSIONAL, "nurse")
    educator = _user(ssiad, Role.CARE_PROFESSIONAL, "educator")
    secretary = _user(ssiad, Role.MEMBER, "administrative")
    outsider = _user(ssiad, Role.CARE_PROFESSIONAL, "nurse")
    analyst = _user(ars, Role.ANALYST, "administrative")
    person = person_create(
        actor=referent,
        ground="test",
        family_name="Morvan",
        first_names="Annaïg Marie",
        birth_date=date(1941, 3, 9),
        sex="F",
    )
    record = record_open(actor=referent, person=person)
    informed = timezone.now() - timedelta(days=2)
    members = {"referent": record.members.get()}
    members["gp"] = circle_professional_add(
        actor=referent,
        person=person,
        user=gp.user,
        organisation=practice,
        ground=Ground.CONSENT,
        consent={"scope": [m.IDENTITY, m.MEDICAL, m.PLAN], "method": "written", "given_by": "la personne"},
    )
    members["secretary"] = circle_professional_add(
        actor=referent,
        person=person,
        user=secretary.user,
        organisation=ssiad,
        ground=Ground.CONSENT,
        consent={"scope": list(m.CATEGORIES), "method": "written", "given_by": "la personne"},
    )
    for key, actor in (("nurse", nurse), ("educator", educator)):
        members[key] = circle_professional_add(
            actor=referent,
            person=person,
            user=actor.user,
            organisation=ssiad,
            ground=Ground.CARE_TEAM,
            informed_at=informed,
        )
    proxies = {}
    for role in (ProxyRole.TRUSTED_PERSON, ProxyRole.LEGAL_GUARDIAN, ProxyRole.CARER):
        actor = _user(families, Role.MEMBER, "administrative")
        proxies[role.value] = actor
        members[role.value] = CircleMember.objects.create(
            record=record,
            kind=MemberKind.PROXY,
            user=actor.user,
            proxy_role=role,
            display_name=f"Proche {role.label}",
            ground=Ground.LEGAL,
            start=timezone.localdate(),
            added_by=referent.label,
        )
    plan = CarePlan.objects.create(record=record)
    need = PlanNeed.objects.create(plan=plan, domain="Autonomie", description="Aide à la toilette")
    goal = PlanGoal.objects.create(plan=plan, need=need, description="Rester à domicile")
    task = PlanTask.objects.create(
        plan=plan, goal=goal, title="Passage infirmier", assignee_member=members["nurse"], created_by="test"
    )
    actors = {
        "referent": referent,
        "health_care_team": nurse,
        "social_care_team": educator,
        "other_consent": secretary,
        "health_consent": gp,
        "trusted_person": proxies["trusted_person"],
        "legal_guardian": proxies["legal_guardian"],
        "carer": proxies["carer"],
        "outsider": outsider,
        "analyst": analyst,
    }
    member_of = {
        "referent": "referent",
        "health_care_team": "nurse",
        "social_care_team": "educator",
        "other_consent": "secretary",
        "health_consent": "gp",
        "trusted_person": "trusted_person",
        "legal_guardian": "legal_guardian",
        "carer": "carer",
    }
    subjects = {key: Subject(key, actor, members.get(member_of.get(key, ""))) for key, actor in actors.items()}
    subjects["anonymous"] = Subject("anonymous", None)
    return SimpleNamespace(
        person=person,
        record=record,
        plan=plan,
        need=need,
        goal=goal,
        task=task,
        consent=members["gp"].consents.get(),
        members=members,
        subjects=subjects,
        referent=referent,
        organisations=SimpleNamespace(dac=dac, practice=practice, ssiad=ssiad, ars=ars, families=families),
    )


def narrow_consent(world) -> None:
    """Replace the GP's consent by one covering identity only."""
    from relais.pathway.circle.services import consent_revoke

    consent_revoke(actor=world.referent, consent=world.consent, revoked_by="la personne")
    consent_record(
        actor=world.referent, member=world.members["gp"], scope=[m.IDENTITY], method="oral", given_by="la personne"
    )
