"""Identity vigilance on the new-coordination-record form (issue 12 item 1): a coordinator re-typing a person the DAC
already follows gets the existing record proposed, not a second person; out of reach, only whom to contact."""

import pytest
from django.urls import reverse

from relais.accounts.roles import Role
from relais.audit.models import AccessLogEntry
from relais.pathway.circle.models import CoordinationRecord
from relais.persons.models import IdentityEvent, IdentityEventKind, Person

pytestmark = pytest.mark.django_db

ANDRE = {"family_name": "André", "first_names": "Alice", "birth_date": "1941-01-15", "sex": "F"}


def login(client, actor):
    client.force_login(actor.user)
    return client


def open_new(client, **extra):
    return client.post(reverse("pathway:record_open"), {**ANDRE, "informed_at": "2026-01-05T10:00", **extra})


@pytest.fixture
def dac_follows_alice(client, make_organisation, make_member, settings):
    settings.RELAIS_REQUIRE_2FA = False
    dac = make_organisation(kind="dac", name="DAC Émeraude")
    _u, coordinator = make_member(dac, role=Role.COORDINATOR, professional_category="coordination_staff")
    login(client, coordinator)
    first = open_new(client)
    assert first.status_code == 302
    return dac, coordinator, CoordinationRecord.objects.get(person__family_name="André")


def test_the_dac_re_creating_alice_gets_her_record_proposed(client, dac_follows_alice):
    _dac, _coordinator, record = dac_follows_alice
    again = open_new(client)
    page = again.content.decode()
    assert again.status_code == 200 and "C'est cette personne ?" in page
    assert reverse("pathway:record", args=[record.pk]) in page and "ANDRÉ Alice" in page
    assert "score 99/100" in page or "score 95/100" in page
    assert "même date de naissance" in page and 'name="confirmed_new"' in page
    assert Person.objects.filter(family_name="André").count() == 1
    # The candidate shown is in the access log although nothing was written.
    assert AccessLogEntry.objects.filter(
        subject=f"persons.person:{record.person_id}", ground="identity_vigilance", action="read"
    ).exists()


def test_typos_are_caught_too(client, dac_follows_alice):
    page = open_new(client, family_name="ANDRE", first_names="alice")
    assert "C'est cette personne ?" in page.content.decode()
    page = open_new(client, birth_date="1941-01-16").content.decode()  # one digit off
    assert "un chiffre différent" in page


def test_confirming_creates_the_person_with_its_identity_event(client, dac_follows_alice):
    response = open_new(client, confirmed_new="1")
    assert response.status_code == 302
    created = Person.objects.filter(family_name="André").order_by("-pk").first()
    event = IdentityEvent.objects.get(person=created, kind=IdentityEventKind.CREATED)
    assert "doublons possibles écartés" in event.reason and event.after["family_name"] == "André"


def test_another_organisation_sees_only_whom_to_contact(client, dac_follows_alice, make_organisation, make_member):
    other = make_organisation(kind="dac", name="DAC Voisin")
    _u, stranger = make_member(other, role=Role.COORDINATOR, professional_category="coordination_staff")
    page = open_new(login(client, stranger)).content.decode()
    assert "hors de votre accès" in page and "DAC Émeraude" in page
    _dac, _coordinator, record = dac_follows_alice
    assert "ANDRÉ Alice" not in page and reverse("pathway:record", args=[record.pk]) not in page
    assert Person.objects.filter(family_name="André").count() == 1


def test_mes_dossiers_search_several_words_accents_and_case(client, dac_follows_alice):
    assert "ANDRÉ Alice" in client.get(reverse("pathway:records"), {"q": "andre ALI"}).content.decode()
    assert "ANDRÉ Alice" not in client.get(reverse("pathway:records"), {"q": "andre bob"}).content.decode()
