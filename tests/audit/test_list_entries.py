"""A list view writes one access-log entry with its rows (decision 0047): each person's history reads it back, the
chain still verifies, and a row added to or removed from a past list is detected."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from relais.audit.models import AccessLogEntry, AccessLogListing
from relais.audit.selectors import (
    HistoryFilters,
    access_log_for_subject,
    access_log_verify,
    listing_grounds,
)
from relais.audit.services import MIXED_GROUNDS, access_log_list_record, access_log_record, access_log_sequence

from .conftest import raw, record

pytestmark = pytest.mark.django_db

ROWS = [
    ("persons.person:1", 11, "care_team"),
    ("persons.person:2", 12, "consent"),
    ("persons.person:3", 13, "care_team"),
]


def shown(actor, rows=ROWS, detail="liste « Mes dossiers »"):
    return access_log_list_record(actor=actor, object_type="pathway.coordinationrecord", rows=rows, detail=detail)


def test_one_entry_for_a_list_of_three_and_each_history_reads_it(actor):
    before = AccessLogEntry.objects.count()
    entry = shown(actor)
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.object_type, entry.ground, entry.subject) == ("list:pathway.coordinationrecord", MIXED_GROUNDS, "")
    assert entry.is_list and len(entry.object_id) == 64  # the digest the chain signs
    assert sorted(AccessLogListing.objects.filter(entry=entry).values_list("subject", "object_id", "ground")) == [
        ("persons.person:1", "11", "care_team"),
        ("persons.person:2", "12", "consent"),
        ("persons.person:3", "13", "care_team"),
    ]
    for subject, _object_id, ground in ROWS:
        history = list(access_log_for_subject(subject=subject))
        assert history == [entry]
        assert listing_grounds(subject=subject, entries=history) == {entry.pk: ground}
    assert list(access_log_for_subject(subject="persons.person:4")) == []


def test_a_list_of_one_ground_keeps_it_and_an_empty_list_writes_nothing(actor):
    same = shown(actor, rows=[("persons.person:1", 11, "care_team"), ("persons.person:1", 11, "care_team")])
    assert same.ground == "care_team" and same.subject == "persons.person:1"
    assert same.listings.count() == 1  # the same row twice is one row
    count = AccessLogEntry.objects.count()
    assert shown(actor, rows=[]) is None
    assert AccessLogEntry.objects.count() == count


def test_chain_verifies_with_list_entries(audit_files, actor):
    record(actor, 2)
    shown(actor)
    record(actor, 1)
    assert access_log_sequence()["sequenced"] == 4
    assert access_log_verify() is None


def test_a_row_slipped_into_a_past_list_is_detected(audit_files, actor):
    entry = shown(actor)
    access_log_sequence()
    AccessLogListing.objects.create(entry=entry, subject="persons.person:9", object_id="19", ground="care_team")
    problem = access_log_verify()
    assert problem.entry_id == entry.pk and "lignes d'une liste" in problem.message


def test_a_row_removed_from_a_past_list_is_detected(audit_files, actor):
    entry = shown(actor)
    access_log_sequence()
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign-key checks first, then the trigger can go
        raw("ALTER TABLE audit_accessloglisting DISABLE TRIGGER audit_accesslisting_append_only")
    else:
        raw("DROP TRIGGER audit_accesslisting_no_delete")
    raw("DELETE FROM audit_accessloglisting WHERE subject = 'persons.person:2'")
    assert access_log_for_subject(subject="persons.person:2").count() == 0
    problem = access_log_verify()
    assert problem.entry_id == entry.pk and "lignes d'une liste" in problem.message


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accessloglisting SET ground = 'autre'",
        "DELETE FROM audit_accessloglisting",
    ],
)
def test_list_rows_are_append_only_in_the_database(actor, sql):
    shown(actor)
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(sql)
    assert AccessLogListing.objects.count() == 3


def test_history_filters_period_who_and_kind(actor, make_organisation, make_member):
    other = make_member(make_organisation(name="SSIAD des Dunes"))[1]
    subject = "persons.person:1"
    listed = shown(actor)
    elsewhere = record(actor, 1)[0]  # about another subject: never in this history
    own = access_log_record(
        actor=other, action="update", object_type="persons.person", object_id="1", subject=subject, ground="test"
    )
    seen = access_log_record(
        actor=other, action="read", object_type="persons.person", object_id="1", subject=subject, ground="test"
    )
    assert elsewhere not in access_log_for_subject(subject=subject)

    def found(**filters):
        return set(access_log_for_subject(subject=subject, filters=HistoryFilters(**filters)))

    assert found() == {listed, own, seen}
    assert found(kind="list") == {listed}
    assert found(kind="read") == {seen}
    assert found(kind="update") == {own}
    assert found(who="dunes") == {own, seen}
    assert found(who=other.user.last_name.lower()) == {own, seen}
    today = timezone.localdate()
    assert found(start=today, end=today) == {listed, own, seen}
    assert found(end=today - timedelta(days=1)) == set()
    assert found(start=today + timedelta(days=1)) == set()


def test_organisation_log_filters_and_shows_a_list_as_one_line(client, no_2fa, make_organisation, make_member):
    from django.urls import reverse

    from relais.accounts.roles import Role

    organisation = make_organisation(name="EHPAD Les Tilleuls")
    director_user, _ = make_member(organisation, role=Role.DIRECTOR)
    _, colleague = make_member(organisation)
    shown(colleague, detail="liste « Mes dossiers » du lundi")
    access_log_record(
        actor=colleague,
        action="update",
        object_type="persons.person",
        object_id="1",
        subject="persons.person:1",
        ground="test",
        detail="correction du lundi",
    )
    client.force_login(director_user)
    url = reverse("audit:organisation_log")
    lists = client.get(url, {"nature": "list"}).content.decode()
    assert "liste « Mes dossiers » du lundi" in lists and "correction du lundi" not in lists
    assert ">liste (dossier de coordination)</abbr></td>" in lists  # no digest shown as a number
    updates = client.get(url, {"nature": "update"}).content.decode()
    assert "correction du lundi" in updates and "liste « Mes dossiers » du lundi" not in updates
    nobody = client.get(url, {"qui": "personne-inconnue"}).content.decode()
    assert "Aucun accès enregistré" in nobody
