"""Writes of the record's content: policy-checked, validated, traced; uploads checked by their real bytes."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from relais.accounts.roles import OrganisationKind
from relais.audit.models import AccessLogEntry
from relais.pathway import matrix as m
from relais.pathway.circle.models import Ground, ProxyRole
from relais.pathway.circle.services import circle_member_end, circle_proxy_add, objection_record
from relais.pathway.policy import decide
from relais.pathway.record import services as rs
from relais.pathway.record import uploads
from relais.pathway.record.models import Document, PlanTask, TaskStatus, TimelineEvent

from .conftest import JPEG, PDF, PNG


def entries_about(person):
    return AccessLogEntry.objects.filter(subject=f"persons.person:{person.pk}")


# --- uploads -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, expected",
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"Compte rendu de visite : RAS.\n", "text/plain"),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),  # a Windows executable
        (b"PK\x03\x04zip", None),  # a zip (or docx)
        (b"texte\x00binaire", None),
        (b"\xe9t\xe9", None),  # not UTF-8
        (b"  <!DOCTYPE html><script>alert(1)</script>", None),  # markup is not plain text
        (b"<svg onload=alert(1)>", None),
        (b"Tension < 12, pouls > 80\n", "text/plain"),
    ],
)
def test_sniff_reads_the_type_from_the_bytes(content, expected):
    result = uploads.sniff(content)
    assert (result[0] if result else None) == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\moi\\compte rendu.pdf", "compte rendu.pdf"),
        ("bilan\x00\x1b[31m.pdf", "bilan[31m.pdf"),
        ("  ", "document"),
        ("a" * 200 + ".pdf", "a" * 116 + ".pdf"),
        ("a\u202egpj.exe", "agpj.exe"),  # right-to-left override removed
    ],
)
def test_sanitise_name(name, expected):
    assert uploads.sanitise_name(name) == expected


# --- documents ---------------------------------------------------------------------------------------------------


def test_document_upload_checks_magic_bytes_not_the_declared_type(circle):
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    with pytest.raises(ValidationError, match="Type de fichier refusé"):
        rs.document_upload(actor=circle.coordinator, person=circle.person, upload=fake, title="Photo")
    assert not Document.objects.exists()

    disguised = SimpleUploadedFile("rapport.exe", PDF, content_type="application/x-msdownload")
    document = rs.document_upload(actor=circle.coordinator, person=circle.person, upload=disguised, title="Rapport")
    assert document.content_type == "application/pdf"
    assert document.original_name == "rapport.exe"  # kept for display only
    stored = document.file.name.rsplit("/", 1)[-1]
    assert stored.endswith(".pdf") and "rapport" not in stored and len(stored) == 36
    assert document.size == len(PDF) and len(document.sha256) == 64


def test_document_upload_refuses_more_than_10_mb(circle):
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * uploads.MAX_SIZE, content_type="application/pdf")
    with pytest.raises(ValidationError, match="10 Mo"):
        rs.document_upload(actor=circle.coordinator, person=circle.person, upload=big, title="Gros")
    assert not Document.objects.exists()


def test_document_upload_sanitises_the_name_and_traces_with_the_ground(circle):
    upload = SimpleUploadedFile("../secret/\x07bilan.txt", b"Bilan infirmier\n", content_type="text/html")
    document = rs.document_upload(actor=circle.nurse, person=circle.person, upload=upload, title="")
    assert document.original_name == "bilan.txt" and document.title == "bilan.txt"
    assert document.content_type == "text/plain"
    entry = entries_about(circle.person).get(object_type="pathway.document")
    assert entry.action == "create" and entry.ground == "care_team"


def test_medical_document_refused_to_an_educator_with_the_policy_sentence(circle):
    upload = SimpleUploadedFile("cr.pdf", PDF)
    with pytest.raises(PermissionDenied, match="ne peut pas modifier : données médicales"):
        rs.document_upload(actor=circle.educator, person=circle.person, upload=upload, title="CR", category=m.MEDICAL)
    assert not Document.objects.exists()


# --- timeline ----------------------------------------------------------------------------------------------------


def test_event_post_is_checked_by_its_own_category_and_traced(circle):
    event = rs.event_post(
        actor=circle.gp, person=circle.person, kind="hospital_stay", title="Hospitalisation", category=m.MEDICAL
    )
    entry = entries_about(circle.person).get(object_type="pathway.timelineevent")
    assert entry.object_id == str(event.pk) and entry.ground == "consent"
    with pytest.raises(PermissionDenied):  # the GP's consent does not cover social data
        rs.event_post(actor=circle.gp, person=circle.person, kind="note", title="Note sociale", category=m.SOCIAL)
    with pytest.raises(PermissionDenied):
        rs.event_post(actor=circle.outsider, person=circle.person, kind="note", title="Intrus")
    with pytest.raises(ValidationError, match="Nature"):
        rs.event_post(actor=circle.nurse, person=circle.person, kind="party", title="?")
    assert TimelineEvent.objects.count() == 1


# --- plan --------------------------------------------------------------------------------------------------------


def test_plan_needs_goals_tasks_and_comments(circle):
    need = rs.plan_need_add(
        actor=circle.coordinator, person=circle.person, domain="Santé", description="Soins à domicile"
    )
    goal = rs.plan_goal_add(actor=circle.coordinator, person=circle.person, description="Rester chez soi", need=need)
    task = rs.plan_task_add(
        actor=circle.coordinator,
        person=circle.person,
        title="Passage infirmier quotidien",
        assignee_member=circle.nurse_member,
        due_date=timezone.localdate() + timedelta(days=7),
        goal=goal,
    )
    rs.plan_task_add(
        actor=circle.coordinator, person=circle.person, title="Évaluer", assignee_organisation=circle.nursing
    )
    rs.plan_task_status_set(actor=circle.nurse, task=task, status=TaskStatus.DONE)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_at is not None
    comment = rs.plan_task_comment_add(actor=circle.nurse, task=task, body="Fait ce matin.")
    assert comment.author == circle.nurse.public_label
    details = list(
        entries_about(circle.person).filter(object_type__startswith="pathway.plan").values_list("detail", flat=True)
    )
    assert "À faire → Faite" in details


def test_task_assignee_must_be_an_active_member_or_an_organisation_of_the_circle(circle, make_organisation):
    stranger = make_organisation(kind=OrganisationKind.ESMS, name="Autre SSIAD")
    with pytest.raises(ValidationError, match="aucun·e membre actif"):
        rs.plan_task_add(actor=circle.coordinator, person=circle.person, title="X", assignee_organisation=stranger)
    with pytest.raises(ValidationError, match="un·e seul·e"):
        rs.plan_task_add(actor=circle.coordinator, person=circle.person, title="X")
    circle_member_end(actor=circle.coordinator, member=circle.educator_member, end=circle.educator_member.start)
    # Ended today: still a member until tonight. An ended-yesterday membership is refused.
    circle.educator_member.refresh_from_db()
    assert circle.educator_member.end == circle.educator_member.start
    past = circle.nurse_member
    past.start = timezone.localdate() - timedelta(days=10)
    past.save(update_fields=["start"])
    circle_member_end(actor=circle.coordinator, member=past)
    with pytest.raises(ValidationError, match="n'est pas un·e membre actif"):
        rs.plan_task_add(actor=circle.coordinator, person=circle.person, title="X", assignee_member=past)
    assert not PlanTask.objects.exists()


def test_objection_stops_plan_writes_at_once(circle):
    rs.plan_need_add(actor=circle.nurse, person=circle.person, domain="Santé", description="Pansements")
    objection_record(
        actor=circle.coordinator, person=circle.person, expressed_by="la personne", member=circle.nurse_member
    )
    with pytest.raises(PermissionDenied, match="opposée"):
        rs.plan_need_add(actor=circle.nurse, person=circle.person, domain="Santé", description="Encore")


def test_proxy_add_and_only_managers_manage(circle, make_member):
    with pytest.raises(PermissionDenied, match="référent"):
        circle_proxy_add(
            actor=circle.nurse, person=circle.person, proxy_role=ProxyRole.CARER, display_name="Yann Morvan"
        )
    with pytest.raises(ValidationError, match="nom du proche"):
        circle_proxy_add(actor=circle.coordinator, person=circle.person, proxy_role=ProxyRole.CARER)
    proxy = circle_proxy_add(
        actor=circle.coordinator, person=circle.person, proxy_role=ProxyRole.CARER, display_name="Yann Morvan"
    )
    assert proxy.ground == Ground.LEGAL and proxy.user is None


def test_ending_a_membership_removes_access_at_once(circle):
    member = circle.educator_member
    member.start = timezone.localdate() - timedelta(days=5)
    member.save(update_fields=["start"])
    assert decide(user=circle.educator.user, organisation=circle.nursing, person=circle.person, category=m.IDENTITY)
    circle_member_end(actor=circle.coordinator, member=member)
    decision = decide(user=circle.educator.user, organisation=circle.nursing, person=circle.person, category=m.IDENTITY)
    assert not decision.allowed and decision.rule == "not_in_circle"
    assert entries_about(circle.person).filter(detail="fin d'appartenance").count() == 1
