"""The care-circle access policy: one decision per (user, organisation, person, category, action), with its reason."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.utils import timezone

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import membership_add
from relais.audit.models import AccessLogEntry
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, Ground, MemberKind, ProxyRole
from relais.pathway.circle.services import (
    circle_professional_add,
    consent_record,
    consent_revoke,
    objection_record,
    objection_withdraw,
)
from relais.pathway.policy import decide, persons_allowed


def ask(actor, person, category, action=m.READ):
    return decide(user=actor.user, organisation=actor.organisation, person=person, category=category, action=action)


def test_care_team_member_is_allowed_and_told_why(circle):
    decision = ask(circle.nurse, circle.person, m.MEDICAL)
    assert decision.allowed and decision.rule == "care_team"
    assert "équipe de soins" in decision.message and "SSIAD Émeraude" in decision.message
    assert "L1110-12" in decision.message


def test_medical_data_only_for_health_professionals(circle):
    decision = ask(circle.educator, circle.person, m.MEDICAL)
    assert not decision.allowed and decision.rule == "matrix"
    assert decision.message == "Les données médicales sont réservées aux professionnels de santé du cercle de soins."
    assert ask(circle.educator, circle.person, m.SOCIAL).allowed
    assert not ask(circle.coordinator, circle.person, m.MEDICAL).allowed  # coordination staff: social profile


def test_consent_covers_its_scope_only(circle):
    assert ask(circle.gp, circle.person, m.MEDICAL).rule == "consent"
    refused = ask(circle.gp, circle.person, m.SOCIAL)
    assert not refused.allowed and refused.rule == "consent_scope"
    assert "données sociales" in refused.message


def test_outsiders_and_other_organisations_are_refused(circle, make_organisation, make_member):
    assert ask(circle.outsider, circle.person, m.IDENTITY).rule == "not_in_circle"
    other = make_organisation(kind=OrganisationKind.HOSPITAL, name="CH Saint-Malo")
    membership_add(actor=None, organisation=other, user=circle.nurse.user, role=Role.CARE_PROFESSIONAL)
    decision = decide(
        user=circle.nurse.user, organisation=other, person=circle.person, category=m.IDENTITY, action=m.READ
    )
    assert not decision.allowed and "CH Saint-Malo" in decision.message


def test_objection_takes_effect_at_once_for_the_care_team_only(circle):
    objection_record(actor=circle.coordinator, person=circle.person, expressed_by="la personne")
    decision = ask(circle.nurse, circle.person, m.PLAN)
    assert not decision.allowed and decision.rule == "objection"
    assert "s'est opposée le" in decision.message
    assert ask(circle.gp, circle.person, m.MEDICAL).allowed  # consent-based access is revoked separately


def test_objection_to_one_member(circle):
    nurse_member = CircleMember.objects.get(user=circle.nurse.user)
    objection_record(actor=circle.coordinator, person=circle.person, expressed_by="la personne", member=nurse_member)
    assert "avec vous" in ask(circle.nurse, circle.person, m.PLAN).message
    assert ask(circle.educator, circle.person, m.PLAN).allowed


def test_consent_revocation_takes_effect_at_once(circle):
    consent = CircleMember.objects.get(user=circle.gp.user).consents.get()
    consent_revoke(actor=circle.coordinator, consent=consent, revoked_by="la personne")
    decision = ask(circle.gp, circle.person, m.MEDICAL)
    assert not decision.allowed and decision.rule == "consent_revoked"


def test_ended_membership_gives_no_access(circle):
    CircleMember.objects.filter(user=circle.nurse.user).update(
        start=date(2020, 1, 1), end=timezone.localdate() - timedelta(days=1)
    )
    assert ask(circle.nurse, circle.person, m.IDENTITY).rule == "not_in_circle"


def test_proxies_have_distinct_rights(circle, make_member, make_organisation):
    record = circle.person.coordination_record
    rights = {}
    for role in ProxyRole.values:
        user, _actor = make_member(make_organisation(kind=OrganisationKind.DAC))
        CircleMember.objects.create(
            record=record,
            kind=MemberKind.PROXY,
            user=user,
            proxy_role=role,
            ground=Ground.LEGAL,
            start=date(2026, 1, 1),
        )
        rights[role] = {
            category
            for category in m.CATEGORIES
            if decide(user=user, organisation=None, person=circle.person, category=category)
        }
    assert m.MEDICAL in rights[ProxyRole.LEGAL_GUARDIAN]
    assert m.MEDICAL not in rights[ProxyRole.TRUSTED_PERSON] and m.MEDICAL not in rights[ProxyRole.CARER]
    assert rights[ProxyRole.CARER] == {m.IDENTITY, m.MESSAGES, m.PLAN}


def test_only_referents_and_coordinators_manage_the_circle(circle):
    with pytest.raises(PermissionDenied, match="gèrent le cercle"):
        objection_record(actor=circle.nurse, person=circle.person, expressed_by="la personne")
    with pytest.raises(ValidationError):
        consent_record(
            actor=circle.coordinator,
            member=CircleMember.objects.get(user=circle.gp.user),
            scope=["x"],
            method="oral",
            given_by="p",
        )


def test_care_team_needs_the_information_date(circle):
    with pytest.raises(ValidationError, match="informée"):
        circle_professional_add(
            actor=circle.coordinator,
            person=circle.person,
            user=circle.outsider.user,
            organisation=circle.nursing,
            ground=Ground.CARE_TEAM,
        )


def test_lists_leak_nothing(circle):
    assert persons_allowed(user=circle.nurse.user, organisation=circle.nursing, candidates=[circle.person]) == [
        circle.person
    ]
    assert persons_allowed(user=circle.outsider.user, organisation=circle.nursing, candidates=[circle.person]) == []


def test_matrix_is_configurable_and_checked(circle, settings):
    settings.RELAIS_SHARING_MATRIX = {"social:medical": "read"}
    assert ask(circle.educator, circle.person, m.MEDICAL).allowed
    settings.RELAIS_SHARING_MATRIX = {"social:medicl": "read"}
    with pytest.raises(ImproperlyConfigured, match="social:medicl"):
        ask(circle.educator, circle.person, m.MEDICAL)


def test_circle_writes_are_traced(circle):
    grounds = set(
        AccessLogEntry.objects.filter(subject=f"persons.person:{circle.person.pk}").values_list("ground", flat=True)
    )
    assert "care_circle" in grounds


def test_whole_team_objection_spares_the_referent_who_can_lift_it(circle):
    objection = objection_record(actor=circle.coordinator, person=circle.person, expressed_by="la personne")
    assert ask(circle.coordinator, circle.person, m.IDENTITY).allowed  # the referent who opened the record
    assert not ask(circle.nurse, circle.person, m.IDENTITY).allowed
    objection_withdraw(actor=circle.coordinator, objection=objection, withdrawn_by="la personne")
    assert ask(circle.nurse, circle.person, m.IDENTITY).rule == "care_team"
