"""Handing a record to a colleague and the team inbox's « Je prends » (decision 0044): who may, to whom, what is
written (timeline, access log, notification), and 404 for everyone else."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Membership
from relais.accounts.roles import Role
from relais.audit.models import AccessLogEntry
from relais.messaging.services import thread_start
from relais.notifications.models import Notification
from relais.pathway.circle.handover import plan_task_take, record_handover, record_take
from relais.pathway.circle.models import CircleMember, CircleRole, Ground
from relais.pathway.circle.services import circle_professional_add
from relais.pathway.record import services as rs
from relais.pathway.record.models import PlanTask, TimelineEvent
from relais.pathway.record.team_inbox import team_inbox


@pytest.fixture
def colleague(circle, make_member):
    _u, actor = make_member(circle.dac, role=Role.COORDINATOR, professional_category="coordination_staff")
    return actor


def _referents(record):
    return list(
        CircleMember.objects.filter(record=record, circle_role=CircleRole.REFERENT).values_list("user", flat=True)
    )


def test_the_referent_hands_the_record_to_a_colleague_of_the_service(circle, colleague):
    member = record_handover(
        actor=circle.coordinator, person=circle.person, user=colleague.user, reason="Départ en congé maternité"
    )
    assert member.circle_role == CircleRole.REFERENT and member.organisation == circle.dac
    assert member.ground == Ground.CARE_TEAM and member.person_informed_at is not None
    assert _referents(circle.record) == [colleague.user.pk]
    former = CircleMember.objects.get(record=circle.record, user=circle.coordinator.user)
    assert former.circle_role == CircleRole.MEMBER and former.end is None  # stays in the circle
    event = TimelineEvent.objects.get(record=circle.record, title__startswith="Dossier confié à")
    assert event.body == "Départ en congé maternité" and event.category == "identity"
    assert AccessLogEntry.objects.filter(
        subject=f"persons.person:{circle.person.pk}", detail__startswith="dossier confié à"
    ).exists()
    notice = Notification.objects.get(recipient=colleague.user, kind="pathway.record_handed_over")
    assert "A. M." in notice.subject and "Départ" not in notice.body  # initials only; the reason stays in Relais


def test_handing_over_needs_a_manager_a_reason_and_a_member_of_the_service(circle, colleague, make_member):
    with pytest.raises(PermissionDenied, match="Seuls le ou la référent·e et les coordinateur·rices"):
        record_handover(actor=circle.nurse, person=circle.person, user=colleague.user, reason="Réorganisation")
    with pytest.raises(ValidationError, match="Indiquez le motif"):
        record_handover(actor=circle.coordinator, person=circle.person, user=colleague.user, reason=" ")
    with pytest.raises(ValidationError, match="n'est pas membre actif·ve de « DAC Rance »"):
        record_handover(actor=circle.coordinator, person=circle.person, user=circle.nurse.user, reason="Relais")
    with pytest.raises(ValidationError, match="est déjà référent·e"):
        record_handover(actor=circle.coordinator, person=circle.person, user=circle.coordinator.user, reason="Relais")
    _u, secretary = make_member(circle.dac, role=Role.MEMBER, professional_category="administrative")
    with pytest.raises(ValidationError, match="ne peut pas être référent·e"):
        record_handover(actor=circle.coordinator, person=circle.person, user=secretary.user, reason="Relais")
    assert _referents(circle.record) == [circle.coordinator.user.pk]
    assert not Notification.objects.filter(kind="pathway.record_handed_over").exists()


def test_the_handover_screen_is_a_404_for_whoever_does_not_manage_the_circle(circle, colleague, client):
    page = reverse("pathway:record_handover", args=[circle.record.pk])
    for actor in (circle.outsider, circle.nurse, colleague):
        client.force_login(actor.user)
        assert client.get(page).status_code == 404
        assert client.post(page, {"user": colleague.user.pk, "reason": "x" * 10}).status_code == 404
    client.force_login(circle.coordinator.user)
    shown = client.get(page).content.decode()
    assert colleague.user.get_full_name() in shown and circle.nurse.user.get_full_name() not in shown
    refused = client.post(page, {"user": colleague.user.pk, "reason": ""})
    assert refused.status_code == 400 and "Ce champ est obligatoire" in refused.content.decode()
    done = client.post(page, {"user": colleague.user.pk, "reason": "Répartition des dossiers"})
    assert done.status_code == 302 and _referents(circle.record) == [colleague.user.pk]


def _leave_the_service(actor):
    Membership.objects.filter(user=actor.user, organisation=actor.organisation).update(is_active=False)


def test_a_record_whose_referent_left_is_in_the_team_inbox_and_a_member_takes_it(circle, colleague, client):
    circle_professional_add(
        actor=circle.coordinator,
        person=circle.person,
        user=colleague.user,
        organisation=circle.dac,
        ground=Ground.CARE_TEAM,
        informed_at=timezone.now() - timedelta(days=1),
    )
    inbox = team_inbox(user=colleague.user, organisation=circle.dac)
    assert inbox.records_to_take == []
    _leave_the_service(circle.coordinator)
    inbox = team_inbox(user=colleague.user, organisation=circle.dac)
    assert [r.pk for r in inbox.records_to_take] == [circle.record.pk]
    assert team_inbox(user=circle.nurse.user, organisation=circle.nursing).records_to_take == []
    with pytest.raises(PermissionDenied, match="le service qui porte ce dossier"):
        record_take(actor=circle.nurse, person=circle.person)  # a member of another service
    client.force_login(colleague.user)
    assert "Je prends" in client.get(reverse("pathway:team")).content.decode()
    response = client.post(reverse("pathway:record_take", args=[circle.record.pk]))
    assert response.status_code == 302
    assert colleague.user.pk in _referents(circle.record)
    assert team_inbox(user=colleague.user, organisation=circle.dac).records_to_take == []
    with pytest.raises(ValidationError, match="a déjà un·e référent·e"):
        record_take(actor=colleague, person=circle.person)


def test_an_action_entrusted_to_the_service_is_taken_by_one_member(circle, colleague, client):
    task = rs.plan_task_add(
        actor=circle.nurse,
        person=circle.person,
        title="Organiser le retour à domicile",
        assignee_organisation=circle.dac,
        due_date=timezone.localdate() - timedelta(days=1),
    )
    thread_start(actor=circle.nurse, person=circle.person, kind="sharing", subject="Retour", body="Sortie jeudi.")
    inbox = team_inbox(user=circle.coordinator.user, organisation=circle.dac)
    assert [t.pk for t in inbox.tasks] == [task.pk] and inbox.tasks[0].is_overdue
    assert [(r.pk, n) for r, n in inbox.shared] == [(circle.record.pk, 1)]
    assert inbox.count == 2
    # A colleague of the service outside this circle sees nothing of this person, and cannot take the action.
    assert team_inbox(user=colleague.user, organisation=circle.dac).count == 0
    client.force_login(colleague.user)
    assert client.post(reverse("pathway:task_take", args=[task.pk])).status_code == 404
    assert client.post(reverse("pathway:record_take", args=[circle.record.pk])).status_code == 404
    client.force_login(circle.coordinator.user)
    page = client.get(reverse("pathway:team")).content.decode()
    assert "Organiser le retour à domicile" in page and "MORVAN Annaïg : 1 message non lu" in page
    assert client.post(reverse("pathway:task_take", args=[task.pk])).status_code == 302
    task = PlanTask.objects.get(pk=task.pk)
    assert task.assignee_organisation is None and task.assignee_member.user == circle.coordinator.user
    with pytest.raises(ValidationError, match="quelqu'un l'a déjà prise"):
        plan_task_take(actor=circle.coordinator, task=task)
