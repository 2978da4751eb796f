"""Who may enter a care circle (decision 0031), end to end: the add service, the policy for members added before the
rule, plan actions and messages, the picker (page, htmx fragment, form) and FHIR CareTeam / transaction Bundle."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from relais.accounts.roles import OrganisationKind, Role
from relais.messaging.services import thread_start
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, Ground, MemberKind
from relais.pathway.circle.services import circle_professional_add, circle_proxy_add
from relais.pathway.policy import decide
from relais.pathway.record import services as rs
from relais.pathway.record.models import PlanGoal

CONSENT = {"scope": [m.IDENTITY, m.PLAN], "method": "written", "given_by": "la personne"}


@pytest.fixture
def staff(circle, make_organisation, make_member):
    """Professionals sharing the family name « Kerbrat », in every kind of organisation."""
    orgs = {
        "ars": make_organisation(kind=OrganisationKind.ARS, name="ARS Bretagne"),
        "cnsa": make_organisation(kind=OrganisationKind.NATIONAL, name="CNSA"),
        "dep": make_organisation(kind=OrganisationKind.DEPARTEMENT_COUNCIL, name="Conseil départemental d'Ille"),
        "hospital": make_organisation(kind=OrganisationKind.HOSPITAL, name="CH de Saint-Malo"),
    }
    people = {}
    for key, org, role, category, first in (
        ("ars_agent", "ars", Role.MEMBER, "administrative", "Armelle"),
        ("ars_physician", "ars", Role.ADMIN, "physician", "Bleuenn"),
        ("cnsa_analyst", "cnsa", Role.ANALYST, "administrative", "Corentin"),
        ("dep_admin", "dep", Role.MEMBER, "administrative", "Denez"),
        ("dep_analyst", "dep", Role.ANALYST, "apa_team", "Enora"),
        ("dep_apa", "dep", Role.ORIENTATION_OFFICER, "apa_team", "Fanch"),
        ("hospital_nurse", "hospital", Role.CARE_PROFESSIONAL, "nurse", "Gwenola"),
        ("hospital_secretary", "hospital", Role.MEMBER, "administrative", "Hoel"),
    ):
        user, actor = make_member(orgs[org], role=role, professional_category=category)
        user.first_name, user.last_name = first, "Kerbrat"
        user.save(update_fields=["first_name", "last_name"])
        people[key] = actor
    return people


def add(circle, actor, ground):
    return circle_professional_add(
        actor=circle.coordinator,
        person=circle.person,
        user=actor.user,
        organisation=actor.organisation,
        ground=ground,
        informed_at=timezone.now() if ground == Ground.CARE_TEAM else None,
        consent=CONSENT if ground == Ground.CONSENT else None,
    )


@pytest.mark.parametrize(
    ("key", "care_team", "consent"),
    [
        ("ars_agent", "ARS", "ARS"),
        ("ars_physician", "ARS", "ARS"),
        ("cnsa_analyst", "analyste", "analyste"),
        ("dep_admin", "personnel administratif", "personnel administratif"),
        ("dep_analyst", "analyste", "analyste"),
        ("dep_apa", "L1110-12", None),
        ("hospital_nurse", None, None),
        ("hospital_secretary", "R1110-2", None),
    ],
)
def test_the_add_service_refuses_with_the_reason(circle, staff, key, care_team, consent):
    actor = staff[key]
    for ground, expected in ((Ground.CARE_TEAM, care_team), (Ground.CONSENT, consent)):
        if expected is None:
            member = add(circle, actor, ground)
            assert decide(user=actor.user, organisation=actor.organisation, person=circle.person, category=m.IDENTITY)
            CircleMember.objects.filter(pk=member.pk).delete()
            continue
        with pytest.raises(ValidationError) as refused:
            add(circle, actor, ground)
        message = " ".join(refused.value.messages)
        assert expected in message and str(actor.user) in message, ground
        assert not CircleMember.objects.filter(user=actor.user).exists()


def test_a_proxy_account_of_a_funder_is_refused_a_proxy_without_account_is_not(circle, staff):
    with pytest.raises(ValidationError, match="sans compte"):
        circle_proxy_add(
            actor=circle.coordinator, person=circle.person, proxy_role="carer", user=staff["ars_agent"].user
        )
    member = circle_proxy_add(
        actor=circle.coordinator, person=circle.person, proxy_role="carer", display_name="Armelle Kerbrat"
    )
    assert member.kind == MemberKind.PROXY and member.user is None


def legacy(circle, actor, ground=Ground.CARE_TEAM):
    """A membership written before the rule existed (straight into the table, as old data would be)."""
    return CircleMember.objects.create(
        record=circle.record,
        kind=MemberKind.PROFESSIONAL,
        user=actor.user,
        organisation=actor.organisation,
        circle_role="member",
        ground=ground,
        person_informed_at=timezone.now() - timedelta(days=3),
        start=timezone.localdate() - timedelta(days=3),
        added_by="avant la décision 0031",
    )


def test_a_member_added_before_the_rule_gets_nothing_and_is_told_why(circle, staff):
    actor = staff["ars_agent"]
    legacy(circle, actor)
    for category in m.CATEGORIES:
        decision = decide(user=actor.user, organisation=actor.organisation, person=circle.person, category=category)
        assert not decision and decision.rule == "ineligible" and "ARS" in decision.message


def test_a_member_whose_role_changes_to_analyst_loses_access(circle):
    nurse = circle.nurse
    assert decide(user=nurse.user, organisation=nurse.organisation, person=circle.person, category=m.IDENTITY)
    nurse.user.memberships.filter(organisation=nurse.organisation).update(role=Role.ANALYST)
    decision = decide(user=nurse.user, organisation=nurse.organisation, person=circle.person, category=m.IDENTITY)
    assert decision.rule == "ineligible" and "analyste" in decision.message


def test_plan_actions_and_messages_only_go_to_eligible_members(circle, staff):
    actor = staff["ars_agent"]
    member = legacy(circle, actor)
    with pytest.raises(ValidationError, match="ARS"):
        rs.plan_task_add(actor=circle.coordinator, person=circle.person, title="Relancer", assignee_member=member)
    with pytest.raises(ValidationError, match="aucun·e membre du cercle pouvant recevoir"):
        rs.plan_task_add(
            actor=circle.coordinator, person=circle.person, title="Relancer", assignee_organisation=actor.organisation
        )
    with pytest.raises(ValidationError):
        thread_start(
            actor=circle.coordinator,
            person=circle.person,
            kind="exchange",
            subject="Point",
            body="Bonjour",
            recipients=[member],
        )
    task = rs.plan_task_add(
        actor=circle.coordinator, person=circle.person, title="Passage", assignee_member=circle.nurse_member
    )
    assert task.assignee_member == circle.nurse_member


# --- The picker ---------------------------------------------------------------------------------------------------


def pick(client, circle, ground, q, htmx=False):
    client.force_login(circle.coordinator.user)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = reverse("pathway:professional_pick", args=[circle.record.pk])
    response = client.get(url, {"ground": ground, "q": q}, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_picker_offers_no_analyst_funder_or_administration(client, circle, staff):
    care_team = pick(client, circle, "care_team", "kerb")
    assert "Gwenola Kerbrat" in care_team and "CH de Saint-Malo" in care_team and "Infirmier·ère" in care_team
    for name in ("Armelle", "Bleuenn", "Corentin", "Denez", "Enora", "Fanch", "Hoel"):
        assert f"{name} Kerbrat" not in care_team, name
    consent = pick(client, circle, "consent", "KERBRAT")
    for name in ("Gwenola", "Fanch", "Hoel"):  # the APA team and a hospital secretary, by consent
        assert f"{name} Kerbrat" in consent, name
    for name in ("Armelle", "Bleuenn", "Corentin", "Denez", "Enora"):
        assert f"{name} Kerbrat" not in consent, name
    assert 'action="/parcours/' in consent and "<html" in consent  # a page of its own without JavaScript


def test_the_picker_searches_by_partial_names_and_skips_present_members(client, circle, staff):
    fragment = pick(client, circle, "care_team", "gwen kerb", htmx=True)
    assert "<html" not in fragment and 'name="ground" value="care_team"' in fragment
    assert fragment.count('name="membership"') == 1
    assert f'value="{staff["hospital_nurse"].user.memberships.get().pk}"' in fragment
    assert "Tapez au moins deux lettres" in pick(client, circle, "care_team", "g", htmx=True)
    assert "ne correspond à « Zzz »" in pick(client, circle, "care_team", "Zzz", htmx=True)
    nurse = circle.nurse.user  # already in the circle for the SSIAD
    assert 'name="membership"' not in pick(client, circle, "care_team", nurse.last_name, htmx=True)


def test_the_picker_is_for_circle_managers_only(client, circle):
    client.force_login(circle.nurse.user)
    url = reverse("pathway:professional_pick", args=[circle.record.pk])
    assert client.get(url, {"ground": "care_team", "q": "kerb"}).status_code == 404


def test_the_record_page_embeds_the_type_ahead(client, circle):
    client.force_login(circle.coordinator.user)
    page = client.get(reverse("pathway:record", args=[circle.record.pk])).content.decode()
    assert 'hx-get="/parcours/dossiers/' in page and 'id="candidats"' in page
    assert '<select name="membership"' not in page and "<script>" not in page and "style=" not in page


def test_posting_an_ineligible_membership_shows_the_reason(client, circle, staff):
    client.force_login(circle.coordinator.user)
    membership = staff["dep_apa"].user.memberships.get()
    response = client.post(
        reverse("pathway:professional_add", args=[circle.record.pk]),
        {
            "membership": membership.pk,
            "ground": "care_team",
            "circle_role": "member",
            "informed_at": "2026-01-05T10:00",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "Fanch Kerbrat" in text and "ne fait pas partie de l&#x27;équipe de soins" in text
    assert not CircleMember.objects.filter(user=staff["dep_apa"].user).exists()


# --- FHIR -----------------------------------------------------------------------------------------------------------


def care_team_body(circle, actor, ground="care_team"):
    sub = [{"url": "ground", "valueCoding": {"system": "urn:relais:care-circle-ground", "code": ground}}]
    sub.append({"url": "personInformed", "valueDateTime": "2026-01-05T10:00:00+01:00"})
    return {
        "resourceType": "CareTeam",
        "subject": {"reference": f"Patient/{circle.person.pk}"},
        "participant": [
            {
                "extension": [{"url": "urn:relais:fhir:extension:care-circle-access", "extension": sub}],
                "member": {"identifier": {"system": "urn:relais:user", "value": str(actor.user.pk)}},
                "onBehalfOf": {"reference": f"Organization/relais-{actor.organisation.pk}"},
            }
        ],
    }


def fhir_post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/fhir+json")


def test_fhir_care_team_refuses_an_ars_agent_naming_the_participant_and_the_reason(client, circle, staff):
    client.force_login(circle.coordinator.user)
    response = fhir_post(client, "/fhir/CareTeam", care_team_body(circle, staff["ars_agent"]))
    assert response.status_code == 422
    issue = json.loads(response.content)["issue"][0]
    assert issue["expression"] == ["CareTeam.participant[0]"]
    assert "Armelle Kerbrat" in issue["diagnostics"] and "financeur" in issue["diagnostics"]
    assert not CircleMember.objects.filter(user=staff["ars_agent"].user).exists()
    accepted = fhir_post(client, "/fhir/CareTeam", care_team_body(circle, staff["hospital_nurse"]))
    assert accepted.status_code == 201


def test_fhir_transaction_with_an_ineligible_participant_writes_nothing(client, circle, staff):
    client.force_login(circle.coordinator.user)
    goal = {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "Rester à domicile"},
        "subject": {"reference": f"Patient/{circle.person.pk}"},
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": goal, "request": {"method": "POST", "url": "Goal"}},
            {
                "resource": care_team_body(circle, staff["cnsa_analyst"], "consent"),
                "request": {"method": "POST", "url": "CareTeam"},
            },
        ],
    }
    before = (CircleMember.objects.count(), PlanGoal.objects.count())
    response = fhir_post(client, "/fhir/", bundle)
    assert response.status_code == 422
    issue = json.loads(response.content)["issue"][0]
    assert "Bundle.entry[1]" in issue["diagnostics"] and "analyste" in issue["diagnostics"]
    assert (CircleMember.objects.count(), PlanGoal.objects.count()) == before  # the Goal before it is rolled back


def test_an_ars_agent_may_not_open_a_record_and_is_told_why(circle, staff):
    from django.core.exceptions import PermissionDenied

    from relais.pathway.circle.services import record_open
    from relais.persons.services import person_create

    ars = staff["ars_physician"]  # an administrator: reads personal data, but a funder's
    person = person_create(
        actor=circle.coordinator,
        ground="test",
        family_name="Riou",
        first_names="Nolwenn",
        birth_date="1950-01-02",
        sex="F",
    )
    with pytest.raises(PermissionDenied, match="financeur ou de tutelle"):
        record_open(actor=ars, person=person)
    record_open(actor=staff["hospital_nurse"], person=person)


def test_the_plan_form_does_not_offer_an_ineligible_member(client, circle, staff):
    legacy(circle, staff["ars_agent"])
    client.force_login(circle.coordinator.user)
    page = client.get(reverse("pathway:plan", args=[circle.record.pk])).content.decode()
    assert "Armelle Kerbrat" not in page and "ARS Bretagne" not in page
    assert str(circle.nurse.user) in page
