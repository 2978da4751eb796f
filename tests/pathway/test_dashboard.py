"""The coordinator's dashboard « Mes personnes » (decision 0044): what each line says, judged by the care-circle policy
for that person and category, its search and filters, and a number of queries that does not grow with the records."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relais.accounts.roles import Role
from relais.agenda.models import Agenda, Appointment, Slot
from relais.audit.models import AccessLogEntry, AccessLogListing
from relais.messaging.services import thread_start
from relais.pathway import matrix as m
from relais.pathway.circle.services import objection_record, record_open
from relais.pathway.policy import decide, decide_many
from relais.pathway.record import services as rs
from relais.pathway.record.dashboard import Filters, dashboard, split_query
from relais.pathway.record.movement_services import hospital_movement_save
from relais.pathway.record.movements import Destination
from relais.persons.services import person_create


def _appointment(person, agenda, start, status="booked"):
    slot = Slot.objects.create(agenda=agenda, start=start, end=start + timedelta(minutes=30), kind="in_person")
    reason = "" if status == "booked" else "Empêchement"
    return Appointment.objects.create(
        slot=slot, person=person, status=status, booked_by="test", purpose="Visite", cancel_reason=reason
    )


def _lines(actor, **filters):
    board = dashboard(user=actor.user, organisation=actor.organisation, filters=Filters(**filters))
    return board, {line.person.pk: line for line in board.page.object_list}


@pytest.fixture
def busy(circle):
    """The circle's record with a medical event newer than a social one, an overdue and a later action, a message
    shared to the record, a hospital stay, two future appointments and a past one."""
    now = timezone.now()
    rs.event_post(
        actor=circle.nurse,
        person=circle.person,
        kind="hospital_stay",
        title="Hospitalisation (pneumologie)",
        occurred_at=now - timedelta(days=3),
    )
    rs.event_post(
        actor=circle.nurse,
        person=circle.person,
        kind="home_visit",
        title="Visite du lundi",
        occurred_at=now - timedelta(days=1),
    )
    rs.event_post(
        actor=circle.gp, person=circle.person, kind="note", title="Bilan cardiaque", category=m.MEDICAL, occurred_at=now
    )
    rs.plan_task_add(
        actor=circle.coordinator,
        person=circle.person,
        title="Relancer la MDPH",
        assignee_member=circle.nurse_member,
        due_date=timezone.localdate() - timedelta(days=2),
    )
    rs.plan_task_add(
        actor=circle.coordinator,
        person=circle.person,
        title="Bilan à six mois",
        assignee_member=circle.nurse_member,
        due_date=timezone.localdate() + timedelta(days=20),
    )
    thread_start(
        actor=circle.nurse, person=circle.person, kind="sharing", subject="Passage infirmier", body="Tout va bien."
    )
    agenda = Agenda.objects.create(organisation=circle.nursing, label="Agenda du SSIAD")
    _appointment(circle.person, agenda, now - timedelta(days=2))
    later = _appointment(circle.person, agenda, now + timedelta(days=9))
    soon = _appointment(circle.person, agenda, now + timedelta(days=4))
    _appointment(circle.person, agenda, now + timedelta(days=1), status="cancelled")
    return soon, later


def test_a_line_says_what_needs_attention_within_what_the_user_may_read(busy, circle):
    soon, _later = busy
    _board, lines = _lines(circle.coordinator)
    line = lines[circle.person.pk]
    # The medical note is newer, but a coordination professional reads social data only: the latest they may read.
    assert line.latest_event.title == "Visite du lundi"
    assert (line.open_tasks, line.overdue_tasks) == (2, 1)
    assert line.unread == 1
    assert line.next_appointment == soon
    assert line.hospital.title == "Hospitalisation (pneumologie)"
    assert [r.user for r in line.referents] == [circle.coordinator.user]
    _board, gp_lines = _lines(circle.gp)  # the GP reads the medical note (consent covers it)
    assert gp_lines[circle.person.pk].latest_event.title == "Bilan cardiaque"


def test_the_author_of_a_message_has_nothing_unread_and_an_old_movement_is_not_recent(busy, circle):
    _board, lines = _lines(circle.nurse)
    assert lines[circle.person.pk].unread == 0
    rs.event_post(
        actor=circle.nurse,
        person=circle.person,
        kind="discharge",
        title="Sortie d'un autre séjour",
        occurred_at=timezone.now() - timedelta(days=45),
    )
    _board, lines = _lines(circle.nurse)
    assert lines[circle.person.pk].hospital.title == "Hospitalisation (pneumologie)"


def test_a_structured_hospital_stay_shows_its_facts_never_its_reason(busy, circle):
    today = timezone.localdate()
    stay = hospital_movement_save(
        actor=circle.nurse,
        person=circle.person,
        reason="Décompensation cardiaque",
        hospital="CH de Synthèse",
        admitted_on=today - timedelta(days=60),  # a stay still going on shows, however old its entry
    )
    _board, lines = _lines(circle.coordinator)
    fact = lines[circle.person.pk].hospital
    assert (fact.label, fact.title) == ("À l'hôpital depuis", "CH de Synthèse")
    hospital_movement_save(
        actor=circle.nurse,
        person=circle.person,
        movement=stay,
        discharged_on=today - timedelta(days=1),
        destination=Destination.HOME,
    )
    board, lines = _lines(circle.coordinator)
    fact = lines[circle.person.pk].hospital
    assert fact.label == "Sortie d'hôpital" and fact.occurred_at.date() == today - timedelta(days=1)
    assert board.counts["hopital"] == 1
    client = Client()
    client.force_login(circle.coordinator.user)
    page = client.get(reverse("pathway:dashboard") + "?situation=hopital").content.decode()
    assert "Sortie d&#x27;hôpital" in page and "CH de Synthèse" in page and "Décompensation" not in page


def test_an_objection_or_no_membership_leaves_the_person_out_of_lines_and_counts(busy, circle):
    assert _lines(circle.outsider)[0].page.paginator.count == 0
    objection_record(actor=circle.coordinator, person=circle.person, expressed_by="la personne")
    board, lines = _lines(circle.nurse)
    assert lines == {} and board.total == 0 and board.counts == {"retard": 0, "non-lus": 0, "hopital": 0}
    board, lines = _lines(circle.coordinator)  # the referent is spared by an objection to the whole team
    assert circle.person.pk in lines


def test_decide_many_agrees_with_decide_for_every_category(busy, circle):
    objection_record(
        actor=circle.coordinator, person=circle.person, expressed_by="la personne", member=circle.educator_member
    )
    for actor in (circle.coordinator, circle.gp, circle.nurse, circle.educator, circle.outsider):
        many = decide_many(user=actor.user, organisation=actor.organisation, records=[circle.record])
        for category in m.CATEGORIES:
            one = decide(user=actor.user, organisation=actor.organisation, person=circle.person, category=category)
            got = many.get(circle.record.pk, {}).get(category)
            assert (got.allowed, got.rule) == (one.allowed, one.rule) if got else not one.allowed


def _more_records(coordinator, n, start=0):
    for i in range(start, start + n):
        person = person_create(
            actor=coordinator,
            ground="test",
            family_name=f"Dupont{i}",
            first_names="Jeanne",
            birth_date=date(1950, 1, 1 + i),
            sex="F",
            postal_code="35400",
            city="Saint-Malo",
        )
        record_open(actor=coordinator, person=person)
        rs.plan_task_add(
            actor=coordinator,
            person=person,
            title="Appeler",
            assignee_organisation=coordinator.organisation,
            due_date=timezone.localdate() - timedelta(days=1),
        )
        rs.event_post(actor=coordinator, person=person, kind="hospital_stay", title="Séjour")


def test_the_number_of_queries_does_not_grow_with_the_records(busy, circle, client):
    client.force_login(circle.coordinator.user)
    page = reverse("pathway:dashboard")
    _more_records(circle.coordinator, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(page).status_code == 200
    _more_records(circle.coordinator, 6, start=2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(page)
    assert response.status_code == 200 and response.content.decode().count("DUPONT") == 8
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as again:  # opening it again: one list entry again, as many queries
        client.get(page)
    assert len(again) == len(many)


def test_search_by_name_and_birth_date_and_filters(busy, circle, make_member):
    _more_records(circle.coordinator, 3)
    assert split_query("dupont 02/01/1950") == (["dupont"], date(1950, 1, 2))
    assert split_query("1950-01-03") == ([], date(1950, 1, 3))
    _b, lines = _lines(circle.coordinator, query="dupont1")
    assert [line.person.family_name for line in lines.values()] == ["Dupont1"]
    _b, lines = _lines(circle.coordinator, query="jeanne 03/01/1950")
    assert [line.person.family_name for line in lines.values()] == ["Dupont2"]
    _b, lines = _lines(circle.coordinator, territory="35400")
    assert len(lines) == 3 and circle.person.pk not in lines
    board, lines = _lines(circle.coordinator, situation="hopital")
    assert len(lines) == 4 and board.counts["hopital"] == 4 and board.counts["non-lus"] == 1
    board, lines = _lines(circle.coordinator, situation="non-lus")
    assert list(lines) == [circle.person.pk]
    _u, colleague = make_member(circle.dac, role=Role.COORDINATOR, professional_category="coordination_staff")
    _b, lines = _lines(circle.coordinator, referent="moi")
    assert len(lines) == 4
    _b, lines = _lines(circle.coordinator, referent=str(colleague.user.pk))
    assert lines == {}
    circle.record.closed_at = timezone.now()
    circle.record.save()
    _b, lines = _lines(circle.coordinator)
    assert circle.person.pk not in lines
    _b, lines = _lines(circle.coordinator, status="clos")
    assert list(lines) == [circle.person.pk]


def test_paging_beyond_one_page(circle):
    _more_records(circle.coordinator, 3)
    board = dashboard(
        user=circle.coordinator.user,
        organisation=circle.coordinator.organisation,
        filters=Filters(),
        page_size=2,
        page_number=2,
    )
    assert board.page.paginator.count == 4 and len(board.page.object_list) == 2


def test_the_page_shows_words_and_each_opening_is_one_list_entry_naming_its_persons(busy, circle, client):
    client.force_login(circle.coordinator.user)
    page = client.get(reverse("pathway:dashboard") + "?situation=retard").content.decode()
    assert "MORVAN Annaïg" in page and "1 en retard" in page and "1 non lu" in page
    client.get(reverse("pathway:dashboard"))
    entries = AccessLogEntry.objects.filter(detail="tableau de bord « Mes personnes »")
    assert entries.count() == 2  # one per opening, whatever the number of persons shown (decision 0047)
    rows = AccessLogListing.objects.filter(entry__in=entries, subject=f"persons.person:{circle.person.pk}")
    assert rows.count() == 2 and {row.ground for row in rows} == {"care_team"}
    client.force_login(circle.outsider.user)
    assert "MORVAN" not in client.get(reverse("pathway:dashboard")).content.decode()


def test_an_appointment_is_shown_only_to_whoever_may_read_the_plan(busy, circle, settings):
    settings.RELAIS_SHARING_MATRIX = {"social:plan": ""}
    _board, lines = _lines(circle.coordinator)
    line = lines[circle.person.pk]
    assert line.next_appointment is None and line.open_tasks == 0 and not line.may(m.PLAN)


def test_the_home_page_sums_up_my_persons_without_naming_them(busy, circle, client):
    client.force_login(circle.coordinator.user)
    home = client.get("/").content.decode()
    assert "1 personne dont vous faites partie du cercle de soins" in home
    assert "1 avec des actions en retard" in home and "1 avec des messages non lus" in home
    assert "MORVAN" not in home
    client.force_login(circle.outsider.user)
    assert "Mes personnes" not in client.get("/").content.decode().split("<main", 1)[1]


def test_the_filter_columns_hold_their_longest_option():
    """Walk-through of issue 13: on desktop the 8.5rem columns cut « Dossiers ouv… », « Mouvement… ». The column's
    minimum width (in ``ch``, one character each) must hold the longest label the selects offer, plus the arrow."""
    import re
    from pathlib import Path

    from relais.pathway.record.dashboard import SITUATIONS, STATUSES

    css = (Path(__file__).parents[2] / "relais/pathway/static/pathway/pathway.css").read_text()
    rule = re.search(r"\.dashboard-filter \{[^}]*grid-template-columns: repeat\(auto-fill, minmax\(([^)]*\)?)", css)
    assert rule, "the dashboard filter keeps a grid of columns"
    width = re.search(r"(\d+(?:\.\d+)?)ch", rule.group(1))
    assert width, f"the minimum column width is given in ch: {rule.group(1)}"
    longest = max(len(label) for label in [*STATUSES.values(), *SITUATIONS.values(), "Commune de résidence"])
    assert float(width.group(1)) >= longest + 3  # the select's padding and arrow
