"""Who sees which requests, persons and medical parts (relais/orientation/policy.py)."""

import pytest

from relais.accounts.actor import actor_for_api_client
from relais.accounts.models import ApiClient
from relais.accounts.roles import OrganisationKind, Role
from relais.orientation import policy
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.requests.services import admission_request_transition, admission_requests_send


@pytest.fixture
def sent(world):
    requests = admission_requests_send(
        actor=world.coordinator, person=world.person, sites_ranked=world.sites[:2], idempotency_key="p1"
    )
    file = AdmissionFile.objects.create(person=world.person, author_organisation=world.coordinator.organisation)
    return requests, file


def ids(queryset):
    return sorted(queryset.values_list("pk", flat=True))


def test_esms_staff_see_requests_to_their_site_only(world, sent):
    requests, _file = sent
    assert ids(policy.requests_visible_to(world.staff[0])) == [requests[0].pk]
    assert ids(policy.requests_visible_to(world.staff[1])) == [requests[1].pk]
    assert ids(policy.requests_visible_to(world.staff[2])) == []
    assert ids(policy.persons_visible_to(world.staff[2])) == []


def test_managing_body_sees_all_its_sites(world, sent):
    requests, _file = sent
    assert ids(policy.requests_visible_to(world.body_director)) == sorted(r.pk for r in requests)


def test_sender_sees_what_it_sent_and_other_senders_do_not(world, sent):
    requests, _file = sent
    assert ids(policy.requests_visible_to(world.coordinator)) == sorted(r.pk for r in requests)
    assert ids(policy.persons_visible_to(world.coordinator)) == [world.person.pk]
    assert ids(policy.requests_visible_to(world.hospital)) == []
    assert ids(policy.persons_visible_to(world.hospital)) == []


def test_analysts_and_plain_members_never_see_persons(world, sent, make_organisation, make_member):
    _u, analyst = make_member(make_organisation(kind=OrganisationKind.ARS), role=Role.ANALYST)
    _u, member = make_member(world.sites[0].organisation, role=Role.MEMBER)
    for actor in (analyst, member, None):
        assert not policy.requests_visible_to(actor).exists()
        assert not policy.persons_visible_to(actor).exists()
    assert policy.may_see_territory(analyst)
    assert not policy.may_see_small_cells(analyst)
    assert policy.may_see_small_cells(world.mdph)
    assert not policy.may_see_territory(world.staff[0])


def test_api_client_of_the_esms_sees_its_requests(world, sent):
    requests, _file = sent
    client = ApiClient.objects.create(name="DUI", organisation=world.sites[0].organisation, token_hash="x" * 64)
    actor = actor_for_api_client(client)
    assert ids(policy.requests_visible_to(actor)) == [requests[0].pk]
    assert policy.may_process_request(actor, requests[0])
    assert not policy.may_process_request(actor, requests[1])


def test_processing_needs_an_admission_role_of_the_site(world, sent, make_member):
    requests, _file = sent
    _u, carer = make_member(world.sites[0].organisation, role=Role.CARE_PROFESSIONAL)
    assert policy.may_process_request(world.staff[0], requests[0])
    assert policy.may_process_request(world.body_director, requests[0])
    assert not policy.may_process_request(carer, requests[0])
    assert not policy.may_process_request(world.coordinator, requests[0])


def test_medical_part_for_health_professionals_of_a_receiving_esms_and_its_author(world, sent, make_member):
    requests, file = sent
    _u, nurse = make_member(world.sites[0].organisation, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    _u, educator = make_member(
        world.sites[0].organisation, role=Role.CARE_PROFESSIONAL, professional_category="educator"
    )
    _u, far_nurse = make_member(world.sites[2].organisation, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    # A physician coordinating at the DAC writes the medical part.
    gp_user, gp = make_member(world.coordinator.organisation, role=Role.COORDINATOR, professional_category="physician")
    file.medical_author = gp_user
    file.save()
    assert policy.can_read_medical(nurse, file)
    assert policy.can_read_medical(gp, file)
    assert not policy.can_read_medical(educator, file)  # not a health professional
    assert not policy.can_read_medical(far_nurse, file)  # no request to that ESMS
    assert not policy.can_read_medical(world.staff[0], file)  # admission officer, not a health professional
    assert not policy.can_read_medical(world.coordinator, file)
    # Once the request to the nurse's ESMS has ended, her access ends too.
    admission_request_transition(actor=world.coordinator, request=requests[0], target="49", reason="100")
    assert not policy.can_read_medical(nurse, file)
    assert policy.can_read_medical(gp, file)
    assert policy.may_write_medical(gp, world.person)
    assert not policy.may_write_medical(world.coordinator, world.person)


def test_a_request_naming_the_organisations_decision_lists_its_person_through_the_decision(world):
    """persons_visible_to leaves out requests_visible_to's "decision of the organisation" branch (work-list speed,
    docs/performance.md): a request sent by someone else naming the MDPH's decision is the person's own decision's,
    so the person is listed all the same, and the request is visible."""
    from datetime import date

    from relais.orientation.decisions.models import OrientationDecision

    decision = OrientationDecision.objects.create(
        person=world.person,
        kind="mdph",
        mdph_decision_id="CDAPH-29-0042",
        validity_start=date(2026, 1, 5),
        validity_end=date(2031, 1, 4),
        categories=["255"],
        organisation=world.mdph.organisation,
    )
    (request,) = admission_requests_send(
        actor=world.coordinator, person=world.person, sites_ranked=[world.sites[0]], decision=decision,
        idempotency_key="policy-decision",
    )  # fmt: skip
    assert request.pk in ids(policy.requests_visible_to(world.mdph))
    assert world.person.pk in ids(policy.persons_visible_to(world.mdph))
    assert not AdmissionFile.objects.filter(person=world.person, author_organisation=world.mdph.organisation).exists()
