"""« Qui a consulté » (decision 0047): opening a list of N records writes ONE access-log entry, and each record's
history still shows that it was seen in that list, with its own ground; the history filters by period, who and
kind of access, in words, and its pages keep the filters."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.accounts.roles import OrganisationKind, Role
from relais.audit.models import AccessLogEntry, AccessLogListing
from relais.audit.services import access_log_list_record
from relais.pathway.circle.services import record_open
from relais.persons.services import person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_records(make_organisation, make_member, settings):
    settings.RELAIS_REQUIRE_2FA = False
    dac = make_organisation(kind=OrganisationKind.DAC, name="DAC Rance")
    _user, coordinator = make_member(dac, role=Role.COORDINATOR, professional_category="coordination_staff")
    records = []
    for family, first in (("Morvan", "Annaïg"), ("Le Du", "Katell"), ("Tanguy", "Maël")):
        person = person_create(
            actor=coordinator,
            ground="test",
            family_name=family,
            first_names=first,
            birth_date=date(1941, 3, 9),
            sex="F",
        )
        records.append(record_open(actor=coordinator, person=person))
    return coordinator, records


def history(client, record, **params):
    return client.get(reverse("pathway:access_history", args=[record.pk]), params).content.decode()


def test_a_list_of_three_records_is_one_entry_seen_from_each_history(client, three_records):
    coordinator, records = three_records
    client.force_login(coordinator.user)
    before = AccessLogEntry.objects.count()
    client.get(reverse("pathway:records"))
    new = list(AccessLogEntry.objects.order_by("id")[before:])
    assert len(new) == 1 and new[0].detail == "liste « Mes dossiers »"
    assert new[0].object_type == "list:pathway.coordinationrecord"
    assert set(AccessLogListing.objects.filter(entry=new[0]).values_list("subject", "object_id", "ground")) == {
        (f"persons.person:{r.person_id}", str(r.pk), "care_team") for r in records
    }
    client.get(reverse("pathway:records"))  # opened again: one more entry, not three
    assert AccessLogEntry.objects.count() == before + 2
    for record in records:
        page = history(client, record, nature="list")
        assert page.count("Vu·e dans une liste :") == 2
        assert "liste « Mes dossiers »" in page
        assert "Équipe de soins" in page  # the row's ground, in words
        assert ">liste (dossier de coordination)</abbr>" in page  # words; the code only in the tooltip
        assert ">list:pathway" not in page and ">care_team" not in page


def test_history_filters_and_pages_keep_them(client, three_records, make_organisation, make_member):
    coordinator, records = three_records
    client.force_login(coordinator.user)
    record = records[0]
    client.get(reverse("pathway:records"))
    for _ in range(25):  # 26 lists in all: two pages of 25 when filtered on lists
        access_log_list_record(
            actor=coordinator,
            object_type="pathway.coordinationrecord",
            rows=[(f"persons.person:{record.person_id}", record.pk, "care_team")],
            detail="liste « Mes dossiers »",
        )
    everything = history(client, record)
    assert "Création" in everything and "Vu·e dans une liste" in everything
    lists = history(client, record, nature="list")
    assert "26 accès enregistrés (filtrés)" in lists and "Création :" not in lists
    assert "nature=list&amp;page=2" in lists and "Page 1 sur 2" in lists
    second = history(client, record, nature="list", page=2)
    assert second.count("Vu·e dans une liste :") == 1
    created = history(client, record, nature="create")
    assert "Vu·e dans une liste :" not in created and "Création" in created
    assert "Aucun accès enregistré pour ces filtres" in history(client, record, qui="quelqu'un d'autre")
    assert "(filtrés)" in history(client, record, qui="dac rance")  # the organisation's name
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert "Aucun accès enregistré pour ces filtres" in history(client, record, du=tomorrow.isoformat())
    wrong = history(client, record, du=tomorrow.isoformat(), au=timezone.localdate().isoformat())
    assert "La fin de la période précède son début." in wrong
