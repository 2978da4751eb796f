"""The PPCS on paper (issue 13 item 8, decision 0040): versions agreed with the person, frozen and printable as a PDF,
and a review date that reminds the referent."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from relais.audit.models import AccessLogEntry
from relais.notifications.models import Notification
from relais.pathway.notification_kinds import PLAN_REVIEW_DUE
from relais.pathway.record import services as rs
from relais.pathway.record.models import PlanVersion
from relais.pathway.record.plan_versions import plan_reviews_due_notify, plan_version_issue
from relais.pathway.record.ppcs_pdf import ppcs_pdf

pytestmark = pytest.mark.django_db


def _agreement(**overrides):
    today = timezone.localdate()
    return {
        "agreed_by": "la personne",
        "agreement_method": "written",
        "agreed_on": today,
        "review_on": today + timedelta(days=180),
        **overrides,
    }


@pytest.fixture
def plan(circle):
    person, coordinator = circle.person, circle.coordinator
    need = rs.plan_need_add(actor=coordinator, person=person, domain="Autonomie", description="Aide à la toilette")
    goal = rs.plan_goal_add(actor=coordinator, person=person, description="Rester à domicile", need=need)
    rs.plan_task_add(
        actor=coordinator,
        person=person,
        title="Mettre en place le SSIAD",
        assignee_member=circle.nurse_member,
        due_date=timezone.localdate() + timedelta(days=10),
        goal=goal,
    )
    return circle


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_version_freezes_the_plan_and_prints_it(plan):
    version = plan_version_issue(actor=plan.coordinator, person=plan.person, **_agreement())
    assert version.number == 1 and version.issued_by == plan.coordinator.public_label
    rs.plan_task_add(
        actor=plan.coordinator, person=plan.person, title="Appeler la fille", assignee_member=plan.nurse_member
    )
    second = plan_version_issue(actor=plan.coordinator, person=plan.person, **_agreement(agreement_method="oral"))
    assert second.number == 2
    version.refresh_from_db()
    # Version 1 keeps what the person agreed to: the action added afterwards is only in version 2.
    assert [t["title"] for g in version.content["goals"] for t in g["tasks"]] == ["Mettre en place le SSIAD"]
    assert [t["title"] for t in second.content["other_tasks"]] == ["Appeler la fille"]
    first_pdf, second_pdf = ppcs_pdf(version), ppcs_pdf(second)
    assert first_pdf.startswith(b"%PDF")
    text = _text(first_pdf)
    assert "Plan personnalisé de coordination en santé" in text and "Version 1" in text
    assert "MORVAN" in text and "Annaïg" in text and "09/03/1941" in text
    assert "Rester à domicile" in text and "Mettre en place le SSIAD" in text and "Aide à la toilette" in text
    assert "accord écrit" in text and "Appeler la fille" not in text
    assert "Appeler la fille" in _text(second_pdf) and "accord oral" in _text(second_pdf)
    assert AccessLogEntry.objects.filter(object_type="pathway.planversion", action="create").count() == 2


def test_only_circle_managers_issue_a_version_and_dates_are_checked(plan, circle):
    with pytest.raises(PermissionDenied):
        plan_version_issue(actor=circle.nurse, person=circle.person, **_agreement())
    today = timezone.localdate()
    refusals = {
        "agreed_on": _agreement(agreed_on=today + timedelta(days=1)),
        "review_on": _agreement(review_on=today),
    }
    for field, values in refusals.items():
        with pytest.raises(ValidationError) as error:
            plan_version_issue(actor=circle.coordinator, person=circle.person, **values)
        assert field in error.value.message_dict
    with pytest.raises(ValidationError, match="au moins une fois par an"):
        plan_version_issue(
            actor=circle.coordinator, person=circle.person, **_agreement(review_on=today + timedelta(days=400))
        )
    with pytest.raises(ValidationError, match="Indiquez qui"):
        plan_version_issue(actor=circle.coordinator, person=circle.person, **_agreement(agreed_by="  "))
    assert not PlanVersion.objects.exists()


def test_an_empty_plan_cannot_be_agreed(circle):
    with pytest.raises(ValidationError, match="Le plan est vide"):
        plan_version_issue(actor=circle.coordinator, person=circle.person, **_agreement())


def test_the_plan_page_issues_and_prints_versions_for_whoever_may_read_the_plan(client, plan):
    page_url = reverse("pathway:plan", args=[plan.record.pk])
    client.force_login(plan.coordinator.user)
    page = client.get(page_url).content.decode()
    assert "Enregistrer l'accord de la personne" in page and "Aucune version validée" in page
    today = timezone.localdate()
    response = client.post(
        reverse("pathway:plan_version_add", args=[plan.record.pk]),
        {"agreed_by": "sa fille, tutrice", "agreement_method": "written", "agreed_on": today.isoformat(),
         "review_on": (today + timedelta(days=90)).isoformat()},
        follow=True,
    )  # fmt: skip
    text = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("#versions")
    section = text[text.index('id="versions"') :]
    assert "La version du plan est enregistrée" in section and "sa fille, tutrice" in section
    pdf_url = reverse("pathway:plan_version_pdf", args=[plan.record.pk, 1])
    assert pdf_url in section
    # The nurse reads the plan (care team): she prints it but does not issue versions.
    client.force_login(plan.nurse.user)
    nurse_page = client.get(page_url).content.decode()
    assert pdf_url in nurse_page and "Enregistrer l'accord de la personne" not in nurse_page
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith('attachment; filename="ppcs-morvan-version-1.pdf"')
    assert "sa fille, tutrice" in _text(pdf.content)
    printed = AccessLogEntry.objects.filter(detail__contains="impression de la version 1", user_id=plan.nurse.user.pk)
    assert printed.exists()
    refused = client.post(
        reverse("pathway:plan_version_add", args=[plan.record.pk]),
        {"agreed_by": "la personne", "agreement_method": "oral", "agreed_on": today.isoformat(),
         "review_on": (today + timedelta(days=90)).isoformat()},
        follow=True,
    )  # fmt: skip
    refused_section = refused.content.decode().split('id="versions"')[1]
    assert "messages-placed" in refused_section.split("</section>")[0]
    assert PlanVersion.objects.count() == 1
    # Someone outside the circle gets a 404, like the plan page.
    client.force_login(plan.outsider.user)
    assert client.get(pdf_url).status_code == 404
    assert client.get(reverse("pathway:plan_version_pdf", args=[plan.record.pk, 7])).status_code == 404


def test_the_review_date_reminds_the_referent_once_for_the_latest_version(plan):
    first = plan_version_issue(actor=plan.coordinator, person=plan.person, **_agreement())
    day = first.review_on
    summary = plan_reviews_due_notify(today=day - timedelta(days=1))
    assert summary["reviews_due"] == 0
    summary = plan_reviews_due_notify(today=day)
    assert summary["reviews_due"] == 1 and summary["notifications"] == 1
    notification = Notification.objects.get(kind=PLAN_REVIEW_DUE.code)
    assert notification.recipient == plan.coordinator.user  # the referent, not every follower of the person
    assert "version 1" in notification.subject and notification.person_id == plan.person.pk
    assert plan_reviews_due_notify(today=day)["reviews_due"] == 0  # once
    # A newer version agreed before its predecessor's date: only the newest one's date counts.
    later = timezone.localdate() + timedelta(days=300)
    plan_version_issue(actor=plan.coordinator, person=plan.person, **_agreement(review_on=later))
    PlanVersion.objects.filter(number=1).update(review_notified_at=None)
    assert plan_reviews_due_notify(today=day)["reviews_due"] == 0


def test_the_daily_pathway_tick_sends_the_review_reminders(plan):
    import json
    from io import StringIO

    from django.core.management import call_command

    version = plan_version_issue(actor=plan.coordinator, person=plan.person, **_agreement())
    out = StringIO()
    call_command("pathway_tick", "--day", version.review_on.isoformat(), stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["plan_reviews"]["reviews_due"] == 1 and summary["plan_reviews"]["notifications"] == 1
    assert Notification.objects.filter(kind=PLAN_REVIEW_DUE.code, recipient=plan.coordinator.user).count() == 1
