"""Merging two persons: everything attached to the duplicate follows the kept person, hook by hook, and the unique
constraints (one admission file, one coordination record, one subscription per user) are handled explicitly."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from relais.agenda.models import Agenda, Appointment, Slot
from relais.evaluations.models import FormDefinition, FormResponse
from relais.messaging.models import Participant, Thread
from relais.notifications.models import Notification, Subscription
from relais.orientation.admission.models import AdmissionFile
from relais.pathway.circle.models import CircleMember, Consent, CoordinationRecord, Objection
from relais.pathway.record.models import CarePlan, PlanNeed, PlanTask, TimelineEvent
from relais.pathway.record.movements import HospitalMovement
from relais.persons.services import person_create, person_merge

REASON = "même personne : même date de naissance, nom mal orthographié"


@pytest.fixture
def twin(world):
    return person_create(
        actor=world.coordinator,
        ground="test",
        family_name="Le Gal",
        first_names="Yann",
        birth_date=date(1980, 5, 2),
        sex="M",
    )


def merge(world, twin):
    person_merge(actor=world.coordinator, keep=world.person, duplicate=twin, ground="test", reason=REASON)
    twin.refresh_from_db()
    assert twin.merged_into == world.person


def _record(world, person):
    return CoordinationRecord.objects.create(
        person=person, opened_by_organisation=world.coordinator.organisation, opened_by="test"
    )


def _professional(record, actor, **fields):
    return CircleMember.objects.create(
        record=record,
        kind="professional",
        user=actor.user,
        organisation=actor.organisation,
        circle_role="member",
        ground="consent",
        start=timezone.localdate() - timedelta(days=3),
        added_by="test",
        **fields,
    )


def test_appointments_follow(world, twin):
    agenda = Agenda.objects.create(organisation=world.coordinator.organisation, label="Agenda DAC")
    start = timezone.now() + timedelta(days=2)
    slot = Slot.objects.create(agenda=agenda, start=start, end=start + timedelta(minutes=30), kind="in_person")
    appointment = Appointment.objects.create(slot=slot, person=twin, booked_by="test")
    merge(world, twin)
    appointment.refresh_from_db()
    assert appointment.person == world.person


def test_evaluations_follow(world, twin):
    definition = FormDefinition.objects.create(key="grille", title="Grille", category="social", questionnaire={})
    response = FormResponse.objects.create(
        definition=definition, person=twin, status="completed", response={}, author="test"
    )
    merge(world, twin)
    response.refresh_from_db()
    assert response.person == world.person


def test_notifications_and_subscriptions_follow_keeping_one_per_user(world, twin):
    user, organisation = world.coordinator.user, world.coordinator.organisation
    other = world.hospital
    notification = Notification.objects.create(recipient=user, kind="k", subject="s", dedup_key="d", person=twin)
    mine = Subscription.objects.create(user=user, organisation=organisation, person=world.person, status="off")
    clash = Subscription.objects.create(user=user, organisation=organisation, person=twin)
    moves = Subscription.objects.create(user=other.user, organisation=other.organisation, person=twin)
    merge(world, twin)
    notification.refresh_from_db()
    assert notification.person == world.person
    assert not Subscription.objects.filter(pk=clash.pk).exists()
    assert Subscription.objects.get(pk=mine.pk).status == "off"  # the kept person's choice stays
    assert Subscription.objects.get(pk=moves.pk).person == world.person


def test_admission_file_moves_when_the_kept_person_has_none(world, twin):
    file = AdmissionFile.objects.create(person=twin, wishes="près de Brest")
    merge(world, twin)
    file.refresh_from_db()
    assert file.person == world.person


def test_two_admission_files_complete_the_kept_one(world, twin):
    mine = AdmissionFile.objects.create(person=world.person, urgency=1)
    theirs = AdmissionFile.objects.create(
        person=twin, wishes="près de Brest", urgency=2, urgency_reason="aidant hospitalisé", gir=3, care_needs="soins"
    )
    merge(world, twin)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.wishes, mine.urgency, mine.urgency_reason, mine.gir, mine.care_needs) == (
        "près de Brest",
        2,
        "aidant hospitalisé",
        3,
        "soins",
    )
    assert theirs.person == twin  # kept with the merged record, as history


def test_coordination_record_moves_when_the_kept_person_has_none(world, twin):
    record = _record(world, twin)
    merge(world, twin)
    record.refresh_from_db()
    assert record.person == world.person and record.closed_at is None


def test_two_coordination_records_fold_into_the_kept_one(world, twin):
    mine, theirs = _record(world, world.person), _record(world, twin)
    same_mine = _professional(mine, world.coordinator)
    same_theirs = _professional(theirs, world.coordinator)  # the same professional in both circles
    other = _professional(theirs, world.hospital)
    consent = Consent.objects.create(
        member=same_theirs,
        scope=["social"],
        method="oral",
        given_by="la personne",
        collected_by="test",
        collected_at=timezone.now(),
    )
    objection = Objection.objects.create(
        record=theirs, member=same_theirs, expressed_by="la personne", recorded_by="test", at=timezone.now()
    )
    event = TimelineEvent.objects.create(record=theirs, kind="note", occurred_at=timezone.now(), title="t", author="a")
    thread = Thread.objects.create(
        record=theirs, kind="exchange", subject="s", created_by="a", last_message_at=timezone.now()
    )
    participant = Participant.objects.create(thread=thread, member=same_theirs, role="author")
    plan_mine, plan_theirs = CarePlan.objects.create(record=mine), CarePlan.objects.create(record=theirs)
    need = PlanNeed.objects.create(plan=plan_theirs, domain="santé", description="d")
    task = PlanTask.objects.create(plan=plan_theirs, title="appeler", assignee_member=same_theirs, created_by="a")
    merge(world, twin)
    for row in (other, consent, objection, event, thread, participant, need, task, theirs):
        row.refresh_from_db()
    assert other.record == mine  # a member the kept circle did not have moves
    assert CircleMember.objects.filter(record=mine, user=world.coordinator.user).count() == 1
    assert (consent.member, objection.member, objection.record) == (same_mine, same_mine, mine)
    assert (participant.member, task.assignee_member, task.plan, need.plan) == (
        same_mine,
        same_mine,
        plan_mine,
        plan_mine,
    )
    assert (event.record, thread.record) == (mine, mine)
    assert theirs.person == twin and theirs.closed_at is not None


def test_hospital_stays_fold_into_the_kept_record_the_same_stay_once(world, twin):
    mine, theirs = _record(world, world.person), _record(world, twin)
    day = timezone.localdate() - timedelta(days=3)
    nda = {"identifier_system": "urn:oid:1.2.250.1.999.1.1", "identifier_value": "2026-7"}
    kept = HospitalMovement.objects.create(record=mine, hospital="CHU", admitted_on=day, recorded_by="t", **nda)
    same = HospitalMovement.objects.create(record=theirs, hospital="CHU", admitted_on=day, recorded_by="t", **nda)
    other = HospitalMovement.objects.create(record=theirs, hospital="CH", admitted_on=day, recorded_by="t")
    merge(world, twin)
    for row in (kept, same, other):
        row.refresh_from_db()
    assert (kept.record, other.record, same.record) == (mine, mine, theirs)


def test_requests_decisions_and_submissions_follow(world, twin):
    from relais.orientation.decisions.models import OrientationDecision
    from relais.orientation.requests.models import AdmissionRequest, AdmissionSubmission
    from relais.orientation.requests.services import admission_requests_send

    OrientationDecision.objects.create(person=twin, kind="without_decision")
    admission_requests_send(actor=world.coordinator, person=twin, sites_ranked=world.sites[:1], idempotency_key="k")
    merge(world, twin)
    assert OrientationDecision.objects.get().person == world.person
    assert AdmissionRequest.objects.get().person == world.person
    assert AdmissionSubmission.objects.get().person == world.person
