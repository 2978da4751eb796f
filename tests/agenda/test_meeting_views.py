"""Concertation screens (decision 0046): 404 outside the circle, only managers convene, each invitee sees what the
sharing matrix lets them see, clear French errors on the same page with nothing written, "Mon agenda" and .ics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.agenda.meetings import services as svc
from relais.agenda.meetings.models import Meeting, MeetingStatus
from relais.agenda.services import agenda_create
from relais.pathway.circle.models import CircleRole
from relais.pathway.record.models import PlanTask
from tests.pathway.fhir.circle import build_circle

from .concertation import convene, held, stranger_member, tomorrow_at


@pytest.fixture
def circle(db, settings):
    settings.RELAIS_REQUIRE_2FA = False
    return build_circle()


@pytest.fixture
def login(client):
    def as_(circle, key):
        client.logout()
        client.force_login(circle.subjects[key].user)
        return client

    return as_


def _convene_post(circle, **fields):
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = {
        "title": "Retour à domicile",
        "day": f"{tomorrow:%Y-%m-%d}",
        "start_time": "14:00",
        "duration_minutes": "60",
        "place": "DAC Rance, salle 2",
        "video_link": "",
        "agenda_items": "Point sur la toilette",
        "invitees": [circle.members["nurse"].pk, circle.members["gp"].pk],
    }
    return {**data, **fields}


def test_outside_the_circle_every_meeting_page_is_a_404(circle, login):
    meeting = convene(circle)
    client = login(circle, "outsider")
    assert client.get(reverse("agenda:person_meetings", args=[circle.person.pk])).status_code == 404
    assert client.get(reverse("agenda:meeting", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("agenda:meeting_ics", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("agenda:meeting_answer", args=[meeting.pk]), {"answer": "present"}).status_code == 404
    assert (
        client.post(reverse("agenda:person_meetings", args=[circle.person.pk]), _convene_post(circle)).status_code
        == 404
    )


def test_only_a_circle_manager_sees_the_form_and_convenes(circle, login):
    url = reverse("agenda:person_meetings", args=[circle.person.pk])
    client = login(circle, "health_care_team")
    page = client.get(url).content.decode()
    assert "Seuls le ou la référent·e et les coordinateur·rices" in page and 'name="invitees"' not in page
    assert client.post(url, _convene_post(circle)).status_code == 403
    assert not Meeting.objects.exists()
    client = login(circle, "referent")
    page = client.get(url).content.decode()
    assert 'name="invitees"' in page and "Cercle" in page  # the circle's members offered by name
    response = client.post(url, _convene_post(circle))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("agenda:meeting", args=[meeting.pk])
    assert {i.member_id for i in meeting.invitations.all()} == {
        circle.members[k].pk for k in ("referent", "nurse", "gp")
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day": "2020-01-06"}, "est passée : une réunion se convoque pour plus tard"),
        ({"invitees": ["stranger"]}, "ne fait pas partie du cercle de soins de cette personne"),
        ({"place": ""}, "Indiquez le lieu de la réunion ou son lien de visioconférence."),
    ],
)
def test_a_refused_convocation_comes_back_with_the_form_and_a_french_error(circle, login, fields, message):
    if fields.get("invitees") == ["stranger"]:
        fields = {"invitees": [stranger_member(circle).pk]}
    response = login(circle, "referent").post(
        reverse("agenda:person_meetings", args=[circle.person.pk]), _convene_post(circle, **fields)
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page and "Rien n'est enregistré." in page
    assert message.replace("'", "&#x27;") in page
    assert 'value="Retour à domicile"' in page  # what was typed stays
    assert not Meeting.objects.exists()


def test_answers_and_conclusions_each_invitee_sees_what_the_matrix_allows(circle, login):
    meeting = convene(circle, "nurse", "gp", "educator", "carer")
    url = reverse("agenda:meeting", args=[meeting.pk])
    client = login(circle, "health_care_team")
    response = client.post(reverse("agenda:meeting_answer", args=[meeting.pk]), {"answer": "absent"}, follow=True)
    assert "Votre réponse est enregistrée." in response.content.decode()
    assert meeting.invitations.get(member=circle.members["nurse"]).answer == "absent"
    # The GP is made coordinator to write the medical part (a health professional; the referent is not one).
    type(circle.members["gp"]).objects.filter(pk=circle.members["gp"].pk).update(circle_role=CircleRole.COORDINATOR)
    held(meeting)
    svc.meeting_conclude(
        actor=circle.subjects["health_consent"].actor,
        meeting=meeting,
        attended_ids=list(meeting.invitations.exclude(member=circle.members["nurse"]).values_list("pk", flat=True)),
        conclusions="Maintien à domicile avec un passage de nuit.",
        medical_conclusions="Adapter le traitement antalgique.",
    )
    for key, medical in (("health_consent", True), ("social_care_team", False), ("carer", False)):
        page = login(circle, key).get(url).content.decode()
        assert "Maintien à domicile avec un passage de nuit." in page
        assert ("Adapter le traitement antalgique." in page) is medical, key
        if not medical:
            assert "Les données médicales sont réservées aux professionnels de santé" in page
    record = login(circle, "social_care_team").get(reverse("pathway:record", args=[circle.record.pk])).content.decode()
    assert "Conclusions de la réunion de concertation" in record and "Conclusions médicales" not in record
    assert "Réunion de concertation" in record  # the kind's word on the timeline


def test_the_conclusion_form_creates_plan_actions_or_says_which_line_is_wrong(circle, login):
    meeting = held(convene(circle))
    client = login(circle, "referent")
    url = reverse("agenda:meeting", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert "Enregistrer la présence et les conclusions" in page and 'name="action-2-title"' in page
    assert 'name="action-5-title"' in client.get(url + "?lignes=6").content.decode()  # more rows, no script
    due = f"{timezone.localdate() + timedelta(days=10):%Y-%m-%d}"
    data = {
        "action-TOTAL_FORMS": "2",
        "action-INITIAL_FORMS": "0",
        "conclusions": "Passage de nuit décidé.",
        "attended": [meeting.invitations.get(member=circle.members["referent"]).pk],
        "action-0-title": "Organiser le passage de nuit",
        "action-0-owner": str(circle.members["nurse"].pk),
        "action-0-due_date": due,
        "action-1-title": "Action d'un autre cercle",
        "action-1-owner": str(stranger_member(circle).pk),
        "action-1-due_date": due,
    }
    conclude = reverse("agenda:meeting_conclude", args=[meeting.pk])
    tasks = PlanTask.objects.count()
    response = client.post(conclude, data)
    page = response.content.decode()
    assert response.status_code == 400 and "Action 2 (« Action d&#x27;un autre cercle ») :" in page
    assert "Passage de nuit décidé." in page  # the conclusions typed are kept
    assert PlanTask.objects.count() == tasks
    data.update({"action-1-title": "", "action-1-owner": "", "action-1-due_date": ""})
    response = client.post(conclude, data, follow=True)
    page = response.content.decode()
    assert "Les conclusions sont enregistrées" in page
    assert "Organiser le passage de nuit" in page and "Voir le plan personnalisé" in page
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    plan = client.get(reverse("pathway:plan", args=[circle.record.pk])).content.decode()
    assert "Organiser le passage de nuit" in plan


def test_my_agenda_lists_my_meetings_and_the_ics_files_carry_them(circle, login):
    meeting = convene(circle, starts_at=tomorrow_at(10))
    client = login(circle, "health_care_team")
    page = client.get(reverse("agenda:my_agenda")).content.decode()
    assert "Mes réunions de concertation" in page and reverse("agenda:meeting", args=[meeting.pk]) in page
    assert "votre réponse : sans réponse" in page
    body = client.get(reverse("agenda:meeting_ics", args=[meeting.pk])).content.decode()
    assert f"UID:relais-meeting-{meeting.pk}@" in body and "SUMMARY:Réunion de concertation : A. M." in body
    assert "toilette" not in body  # the agenda stays in Relais
    agenda_create(actor=circle.subjects["health_care_team"].actor)
    body = client.get(reverse("agenda:ics")).content.decode()
    assert f"UID:relais-meeting-{meeting.pk}@" in body  # in the whole agenda's export too
    page = login(circle, "outsider").get(reverse("agenda:my_agenda")).content.decode()
    assert reverse("agenda:meeting", args=[meeting.pk]) not in page


def test_an_invitee_without_a_full_name_is_shown_without_their_email(circle, login):
    """Issue 13: the invitee table fell back to the e-mail address; it follows ``Actor.public_label``."""
    meeting = convene(circle, "nurse", "gp")
    nurse = circle.members["nurse"].user
    type(nurse).objects.filter(pk=nurse.pk).update(first_name="", last_name="")
    page = login(circle, "health_consent").get(reverse("agenda:meeting", args=[meeting.pk])).content.decode()
    assert nurse.email not in page
    assert f"utilisateur·rice n° {nurse.pk} ({circle.members['nurse'].organisation})" in page
