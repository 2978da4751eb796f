"""Concertation meetings, services (decision 0046): convene members of the circle, answer, record the attendance and
the conclusions, whose decisions become plan actions in one transaction; the absent are told after the commit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from relais.agenda.meetings import services as svc
from relais.agenda.meetings.models import Answer, Invitation, Meeting, MeetingAction, MeetingStatus
from relais.agenda.meetings.notices import CONCLUSIONS, CONVENED
from relais.notifications.models import Notification
from relais.pathway.circle.models import CircleRole
from relais.pathway.record.models import EventKind, PlanTask, TimelineEvent
from tests.pathway.fhir.circle import build_circle

from .concertation import convene, held, stranger_member, subject, tomorrow_at


@pytest.fixture
def circle(db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    return build_circle()


def test_convening_invites_the_chosen_members_posts_on_the_timeline_and_notifies_after_commit(
    circle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        meeting = convene(circle)
        assert not Notification.objects.filter(kind=CONVENED.code).exists()  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    invitations = {i.member_id: i for i in meeting.invitations.all()}
    assert set(invitations) == {circle.members[k].pk for k in ("referent", "nurse", "gp", "educator")}
    assert invitations[circle.members["referent"].pk].answer == Answer.PRESENT
    assert invitations[circle.members["nurse"].pk].answer == Answer.PENDING
    assert meeting.items == ["Point sur la toilette", "Passage de nuit"]
    event = TimelineEvent.objects.get(record=circle.record, kind=EventKind.MEETING)
    assert event.category == "plan" and "Réunion de concertation convoquée pour le" in event.title
    assert "Passage de nuit" in event.body
    told = set(Notification.objects.filter(kind=CONVENED.code).values_list("recipient_id", flat=True))
    assert told == {subject(circle, k).user.pk for k in ("health_care_team", "health_consent", "social_care_team")}
    notice = Notification.objects.filter(kind=CONVENED.code).first()
    assert "A. M." in notice.subject and "toilette" not in notice.body  # initials, never the agenda


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"starts_at": timezone.now() - timedelta(hours=2)}, "est passée : une réunion se convoque pour plus tard"),
        ({"place": "", "video_link": ""}, "Indiquez le lieu de la réunion ou son lien de visioconférence."),
        ({"place": "", "video_link": "http://visio.test/x"}, "adresse https:// attendue"),
        ({"agenda_items": "  \n - "}, "L'ordre du jour est obligatoire"),
        ({"invitees": []}, "Convoquez au moins un·e membre du cercle de soins"),
    ],
)
def test_convening_refuses_bad_inputs_in_french(circle, fields, message):
    with pytest.raises(ValidationError) as refused:
        convene(circle, **fields)
    assert message in " ".join(refused.value.messages)
    assert not Meeting.objects.exists()
    assert not TimelineEvent.objects.filter(kind=EventKind.MEETING).exists()


def test_an_invitee_outside_the_circle_is_refused(circle):
    stranger = stranger_member(circle)
    with pytest.raises(ValidationError) as refused:
        convene(circle, invitees=[circle.members["nurse"], stranger])
    assert "ne fait pas partie du cercle de soins de cette personne" in refused.value.messages[0]
    assert not Meeting.objects.filter(person=circle.person).exists()


@pytest.mark.parametrize("key", ["health_care_team", "health_consent", "carer", "outsider", "analyst"])
def test_only_circle_managers_convene(circle, key):
    with pytest.raises(PermissionDenied):
        svc.meeting_convene(
            actor=subject(circle, key),
            person=circle.person,
            title="Réunion",
            starts_at=tomorrow_at(),
            place="Salle",
            agenda_items="Un point",
            invitees=[circle.members["nurse"]],
        )
    assert not Meeting.objects.exists()


def test_invitees_answer_until_the_meeting_starts(circle):
    meeting = convene(circle)
    nurse = subject(circle, "health_care_team")
    invitation = svc.meeting_answer(actor=nurse, meeting=meeting, answer=Answer.ABSENT)
    assert invitation.answer == Answer.ABSENT and invitation.member == circle.members["nurse"]
    with pytest.raises(PermissionDenied, match=r"Vous n'êtes pas convoqué·e à cette réunion\."):
        svc.meeting_answer(actor=subject(circle, "carer"), meeting=meeting, answer=Answer.PRESENT)
    with pytest.raises(PermissionDenied):  # outside the circle: the policy's sentence
        svc.meeting_answer(actor=subject(circle, "outsider"), meeting=meeting, answer=Answer.PRESENT)
    held(meeting)
    with pytest.raises(ValidationError, match="la réponse n'est plus modifiable"):
        svc.meeting_answer(actor=nurse, meeting=meeting, answer=Answer.PRESENT)


def _attended(meeting, *members) -> list[int]:
    return list(meeting.invitations.filter(member__in=members).values_list("pk", flat=True))


def test_conclusions_create_plan_actions_and_the_absent_are_told_after_commit(
    circle, django_capture_on_commit_callbacks
):
    meeting = held(convene(circle))
    due = timezone.localdate() + timedelta(days=7)
    before = PlanTask.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        svc.meeting_conclude(
            actor=circle.referent,
            meeting=meeting,
            attended_ids=_attended(meeting, circle.members["referent"], circle.members["nurse"]),
            conclusions="Maintien à domicile avec un passage de nuit.",
            actions=[
                {"title": "Organiser le passage de nuit", "owner": circle.members["nurse"], "due_date": due},
                {"title": "", "owner": None, "due_date": None},  # an empty row is ignored
                {"title": "Revoir le médecin traitant", "owner": circle.members["gp"], "due_date": due},
            ],
        )
        assert not Notification.objects.filter(kind=CONCLUSIONS.code).exists()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.concluded_at is not None
    tasks = PlanTask.objects.filter(meeting_action__meeting=meeting).order_by("pk")
    assert PlanTask.objects.count() == before + 2
    assert [(t.title, t.assignee_member, t.due_date) for t in tasks] == [
        ("Organiser le passage de nuit", circle.members["nurse"], due),
        ("Revoir le médecin traitant", circle.members["gp"], due),
    ]
    attended = dict(meeting.invitations.values_list("member_id", "attended"))
    assert attended[circle.members["nurse"].pk] is True and attended[circle.members["gp"].pk] is False
    conclusion = TimelineEvent.objects.get(record=circle.record, title__startswith="Conclusions de la réunion")
    assert "Organiser le passage de nuit" in conclusion.body and "Absent·es" in conclusion.body
    for callback in callbacks:
        callback()
    told = set(Notification.objects.filter(kind=CONCLUSIONS.code).values_list("recipient_id", flat=True))
    assert told == {subject(circle, "health_consent").user.pk, subject(circle, "social_care_team").user.pk}


def test_an_invalid_action_leaves_nothing_half_written(circle, django_capture_on_commit_callbacks):
    meeting = held(convene(circle))
    stranger = stranger_member(circle)
    due = timezone.localdate() + timedelta(days=3)
    tasks, events = PlanTask.objects.count(), TimelineEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError) as refused:
        svc.meeting_conclude(
            actor=circle.referent,
            meeting=meeting,
            attended_ids=_attended(meeting, circle.members["referent"]),
            conclusions="Conclusions",
            actions=[
                {"title": "Action valable", "owner": circle.members["nurse"], "due_date": due},
                {"title": "Action d'un autre cercle", "owner": stranger, "due_date": due},
            ],
        )
    message = refused.value.messages[0]
    assert message.startswith("Action 2 (« Action d'un autre cercle ») :")
    assert "n'est pas un·e membre actif·ve de ce cercle de soins" in message
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.conclusions == "" and meeting.concluded_at is None
    assert PlanTask.objects.count() == tasks and not MeetingAction.objects.exists()
    assert TimelineEvent.objects.count() == events
    assert not Invitation.objects.filter(meeting=meeting, attended__isnull=False).exists()
    assert not callbacks and not Notification.objects.filter(kind=CONCLUSIONS.code).exists()


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"title": "Sans porteur", "owner": None}, "choisissez qui la porte"),
        ({"title": "Sans échéance", "due_date": None}, "indiquez son échéance"),
        ({"title": "En retard", "due_date": date(2020, 1, 6)}, "l'échéance du 06/01/2020 est passée"),
    ],
)
def test_an_action_needs_an_owner_and_a_due_date_from_today_on(circle, action, message):
    meeting = held(convene(circle))
    row = {"owner": circle.members["nurse"], "due_date": timezone.localdate(), **action}
    with pytest.raises(ValidationError, match=message):
        svc.meeting_conclude(actor=circle.referent, meeting=meeting, attended_ids=[], conclusions="C.", actions=[row])
    assert not PlanTask.objects.filter(meeting_action__isnull=False).exists()


def test_conclusions_wait_for_the_meeting_come_from_a_manager_and_are_recorded_once(circle):
    meeting = convene(circle)
    with pytest.raises(ValidationError, match="n'a pas encore eu lieu"):
        svc.meeting_conclude(actor=circle.referent, meeting=meeting, attended_ids=[], conclusions="Trop tôt")
    held(meeting)
    with pytest.raises(PermissionDenied):
        svc.meeting_conclude(
            actor=subject(circle, "health_care_team"), meeting=meeting, attended_ids=[], conclusions="C"
        )
    with pytest.raises(ValidationError, match=r"Les conclusions de la réunion sont obligatoires\."):
        svc.meeting_conclude(actor=circle.referent, meeting=meeting, attended_ids=[], conclusions="  ")
    svc.meeting_conclude(actor=circle.referent, meeting=meeting, attended_ids=[], conclusions="Faites")
    with pytest.raises(ValidationError, match="déjà enregistrées"):
        svc.meeting_conclude(actor=circle.referent, meeting=meeting, attended_ids=[], conclusions="Encore")


def test_medical_conclusions_are_written_by_a_health_professional_and_posted_as_medical(circle):
    meeting = held(convene(circle))
    with pytest.raises(PermissionDenied, match=r"professionnels de santé|matrice de partage"):
        svc.meeting_conclude(
            actor=circle.referent, meeting=meeting, attended_ids=[], conclusions="C", medical_conclusions="Traitement"
        )
    type(circle.members["nurse"]).objects.filter(pk=circle.members["nurse"].pk).update(
        circle_role=CircleRole.COORDINATOR
    )
    svc.meeting_conclude(
        actor=subject(circle, "health_care_team"),
        meeting=meeting,
        attended_ids=[],
        conclusions="Maintien à domicile",
        medical_conclusions="Adapter le traitement antalgique",
    )
    medical = TimelineEvent.objects.get(record=circle.record, title__startswith="Conclusions médicales")
    assert medical.category == "medical" and medical.body == "Adapter le traitement antalgique"
