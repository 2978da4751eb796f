"""The hospital movements section of the record page: words, errors at the section, medical content hidden."""

import html
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from relais.notifications.models import Notification
from relais.pathway.record.models import PlanTask
from relais.pathway.record.movements import HospitalMovement

from .conftest import PDF


def login(client, actor):
    client.force_login(actor.user)
    return client


def section(page: str) -> str:
    text = page[page.index('id="hospitalisations"') :]
    return html.unescape(text[: text.index("</section>")])


def test_a_nurse_records_a_stay_the_coordinator_sees_the_facts_not_the_reason(client, circle):
    today = timezone.localdate()
    record_url = reverse("pathway:record", args=[circle.record.pk])
    nurse = login(client, circle.nurse)
    response = nurse.post(
        reverse("pathway:movement_add", args=[circle.record.pk]),
        {
            "hospital": "CHU de Rennes",
            "ward": "Gériatrie",
            "admitted_on": (today - timedelta(days=4)).isoformat(),
            "planned_discharge_on": (today + timedelta(days=2)).isoformat(),
            "reason": "Chute avec fracture du col",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("#hospitalisations")
    mine = section(response.content.decode())
    assert "L'entrée à l'hôpital est notée" in mine and "Chute avec fracture du col" in mine
    movement = HospitalMovement.objects.get()
    # A discharge before the entry: said in French, in the section.
    response = nurse.post(
        reverse("pathway:movement_discharge", args=[circle.record.pk, movement.pk]),
        {"discharged_on": (today - timedelta(days=6)).isoformat(), "destination": "home"},
        follow=True,
    )
    assert "ne peut pas précéder l'entrée" in section(response.content.decode())
    assert HospitalMovement.objects.get().discharged_on is None

    coordinator = login(client, circle.coordinator).get(record_url).content.decode()
    facts = section(coordinator)
    assert "À l'hôpital depuis le" in facts and "CHU de Rennes" in facts and "Gériatrie" in facts
    assert f"Sortie prévue le {today + timedelta(days=2):%d/%m/%Y}" in facts
    assert "Chute" not in coordinator and "Motif d&#x27;hospitalisation" not in coordinator  # no medical field either
    assert Notification.objects.filter(recipient=circle.coordinator.user, kind="pathway.hospital_entry").exists()

    # The discharge home, then the summary; the coordinator's plan receives the checklist's actions.
    nurse = login(client, circle.nurse)
    nurse.post(
        reverse("pathway:movement_discharge", args=[circle.record.pk, movement.pk]),
        {"discharged_on": today.isoformat(), "destination": "home"},
    )
    response = nurse.post(
        reverse("pathway:movement_summary", args=[circle.record.pk, movement.pk]),
        {"upload": SimpleUploadedFile("crh.pdf", PDF, content_type="application/pdf")},
        follow=True,
    )
    assert "Compte rendu de sortie du" in section(response.content.decode())
    assert PlanTask.objects.filter(assignee_member__user=circle.coordinator.user).count() >= 2
    coordinator = section(login(client, circle.coordinator).get(record_url).content.decode())
    assert "Retour à domicile" in coordinator and "Compte rendu" not in coordinator
    assert "home" not in coordinator  # words, not codes


def test_outsiders_get_a_404_and_an_educator_records_no_reason(client, circle):
    today = timezone.localdate()
    add = reverse("pathway:movement_add", args=[circle.record.pk])
    data = {"hospital": "CH de Saint-Malo", "admitted_on": today.isoformat(), "reason": "Malaise"}
    assert login(client, circle.outsider).post(add, data).status_code == 404
    response = login(client, circle.educator).post(add, data, follow=True)
    assert "Le motif d'hospitalisation est une donnée médicale" in section(response.content.decode())
    assert not HospitalMovement.objects.exists()
    page = client.get(reverse("pathway:record", args=[circle.record.pk])).content.decode()
    assert 'name="reason"' not in page and 'name="hospital"' in page  # the educator's form has no medical field
