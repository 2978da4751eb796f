"""« Séjours en cours » on a hospital professional's home page (decision 0045, issue 13): her organisation's stays
only, of the circles she is in, no medical content; the discharge noted from the list comes back to it."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.accounts.roles import OrganisationKind, Role
from relais.audit.models import AccessLogEntry
from relais.notifications.models import Notification
from relais.pathway.circle.models import Ground
from relais.pathway.circle.services import circle_professional_add
from relais.pathway.record.movement_services import hospital_movement_save
from relais.pathway.record.movements import HospitalMovement

HOME = "/"


def stays_section(page: str) -> str:
    text = page[page.index('id="sejours-en-cours"') :]
    return html.unescape(text[: text.index("</section>")])


@pytest.fixture
def wards(circle, make_organisation, make_member):
    """Two hospitals in the person's circle, each with a stay going on; a colleague of the first outside the circle."""
    today = timezone.localdate()
    hospitals = []
    for name, ward in (("CHU de Rennes", "Gériatrie"), ("CH de Saint-Malo", "Cardiologie")):
        hospital = make_organisation(kind=OrganisationKind.HOSPITAL, name=name)
        user, nurse = make_member(hospital, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
        circle_professional_add(
            actor=circle.coordinator,
            person=circle.person,
            user=user,
            organisation=hospital,
            ground=Ground.CARE_TEAM,
            informed_at=timezone.now() - timedelta(days=2),
        )
        stay = hospital_movement_save(
            actor=nurse,
            person=circle.person,
            hospital=name,
            ward=ward,
            reason="Chute avec fracture du col",
            admitted_on=today - timedelta(days=9),
            planned_discharge_on=today - timedelta(days=1),  # overdue
        )
        hospitals.append((hospital, nurse, stay))
    _u, colleague = make_member(hospitals[0][0], role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    return hospitals, colleague


def test_the_list_shows_her_hospitals_stays_only_without_medical_content(client, circle, wards):
    (_h, nurse, stay), (_h2, _other_nurse, other_stay), colleague = *wards[0], wards[1]
    client.force_login(nurse.user)
    mine = stays_section(client.get(HOME).content.decode())
    today = timezone.localdate()
    assert "Séjours en cours" in mine and "MORVAN Annaïg" in mine and "Gériatrie" in mine
    assert f"{today - timedelta(days=9):%d/%m/%Y}" in mine and f"{today - timedelta(days=1):%d/%m/%Y}" in mine
    assert "pathway-overdue" in mine and "dépassée" in mine
    assert "/sortie/" in mine and f"accueil-sortie-{stay.pk}-discharged_on" in mine
    assert "Cardiologie" not in mine and f"accueil-sortie-{other_stay.pk}" not in mine  # the other hospital's stay
    assert "Chute" not in mine and "fracture" not in mine  # the reason is medical: never in the list
    assert AccessLogEntry.objects.filter(detail="accueil, « Séjours en cours »", user_id=nurse.user.pk).count() == 1

    # A colleague of the same hospital outside the circle: the empty state, no name.
    client.force_login(colleague.user)
    empty = stays_section(client.get(HOME).content.decode())
    assert "Aucun séjour en cours dans votre établissement" in empty and "MORVAN" not in empty
    # The DAC's coordinator (in the circle, not a hospital): no such section.
    client.force_login(circle.coordinator.user)
    assert 'id="sejours-en-cours"' not in client.get(HOME).content.decode()


def test_a_discharge_noted_from_the_list_comes_back_to_it(client, circle, wards):
    (_h, nurse, stay), _other = wards[0]
    client.force_login(nurse.user)
    url = reverse("pathway:movement_discharge", args=[circle.record.pk, stay.pk])
    today = timezone.localdate()
    # A bad date: the error in the list, where she is; nothing written.
    response = client.post(
        url,
        {"retour": "accueil", "discharged_on": (today - timedelta(days=30)).isoformat(), "destination": "home"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/#sejours-en-cours"
    assert "ne peut pas précéder l'entrée" in stays_section(response.content.decode())
    response = client.post(url, {"retour": "accueil", "discharged_on": today.isoformat()}, follow=True)
    assert "Destination : Ce champ est obligatoire." in stays_section(response.content.decode())
    assert HospitalMovement.objects.get(pk=stay.pk).discharged_on is None

    response = client.post(
        url, {"retour": "accueil", "discharged_on": today.isoformat(), "destination": "home"}, follow=True
    )
    mine = stays_section(response.content.decode())
    assert "La sortie est notée ; le cercle de soins en est prévenu." in mine
    assert "Gériatrie" not in mine  # discharged: no longer in progress
    stay.refresh_from_db()
    assert stay.discharged_on == today and stay.destination == "home"
    assert Notification.objects.filter(recipient=circle.coordinator.user, kind="pathway.hospital_discharge").exists()


def test_a_stay_moved_by_the_coordinator_stays_in_the_hospitals_list(client, circle, wards):
    """Noted last by the DAC (its planned day moved), the stay is still the hospital's: it names the hospital."""
    (_h, nurse, stay), _other = wards[0]
    hospital_movement_save(
        actor=circle.coordinator,
        person=circle.person,
        movement=stay,
        planned_discharge_on=timezone.localdate() + timedelta(days=3),
    )
    stay.refresh_from_db()
    assert stay.recorded_by_organisation == circle.dac
    client.force_login(nurse.user)
    mine = stays_section(client.get(HOME).content.decode())
    assert "Gériatrie" in mine and "dépassée" not in mine
