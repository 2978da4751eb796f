"""Decision 0054: what one organisation writes is signed with a name and an organisation, never an e-mail address,
on every page that another organisation of the circle reads; texts stored before are cleaned by a data migration."""

import importlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relais.accounts.actor import without_email
from relais.messaging.models import ThreadKind
from relais.messaging.services import thread_start
from relais.pathway.record import services as rs
from relais.pathway.record.models import PlanTask, TimelineEvent

from .conftest import PDF


def test_without_email_keeps_the_name_and_drops_the_address():
    assert without_email("Noa Démo <noa@demo.test>") == "Noa Démo"
    assert without_email("noa@demo.test <noa@demo.test>") == "utilisateur·rice"
    assert without_email("sortie notée par Ana B <a.b@c.fr> (annulée)") == "sortie notée par Ana B (annulée)"
    assert without_email("Ana B (SSIAD Émeraude)") == "Ana B (SSIAD Émeraude)"


def test_another_organisation_reads_names_not_email_addresses(circle, client):
    coordinator = circle.coordinator
    email = coordinator.user.email
    rs.event_post(actor=coordinator, person=circle.person, kind="home_visit", title="Visite à domicile")
    rs.document_upload(
        actor=coordinator, person=circle.person, upload=SimpleUploadedFile("bilan.pdf", PDF), title="Bilan social"
    )
    task = rs.plan_task_add(
        actor=coordinator, person=circle.person, title="Appeler la pharmacie", assignee_member=circle.nurse_member
    )
    rs.plan_task_comment_add(actor=coordinator, task=task, body="Ordonnance reçue")
    thread = thread_start(
        actor=coordinator, person=circle.person, kind=ThreadKind.SHARING, subject="Retour", body="Bien rentrée"
    )
    assert TimelineEvent.objects.filter(author=coordinator.public_label).exists()
    assert PlanTask.objects.get(pk=task.pk).created_by == coordinator.public_label
    assert "@" not in coordinator.public_label

    client.force_login(circle.nurse.user)  # the SSIAD's nurse, another organisation than the DAC's coordinator
    pages = [
        reverse("pathway:record", args=[circle.record.pk]),
        reverse("pathway:plan", args=[circle.record.pk]),
        reverse("messaging:thread", args=[thread.pk]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert coordinator.user.last_name in html, page  # the name is there…
        assert email not in html, page  # …its address is not


def test_stored_labels_lose_their_address_in_the_data_migration(circle):
    from django.apps import apps

    event = rs.event_post(actor=circle.coordinator, person=circle.person, kind="home_visit", title="Visite")
    TimelineEvent.objects.filter(pk=event.pk).update(author=circle.coordinator.label)  # as written before 0054
    migration = importlib.import_module("relais.pathway.migrations.0007_who_without_email")
    migration.forwards(apps, None)
    event.refresh_from_db()
    assert event.author == circle.coordinator.user.get_full_name()
