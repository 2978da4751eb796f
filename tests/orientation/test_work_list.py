"""The MDPH work list (issue 13 item 3): each filter on hand-built persons, several-word search, pages beyond 50,
the PAG export of persons without solution (XLSX read back with openpyxl, CSV), reminders by hand (notices after the
commit, no second reminder within days), and who may (scope, 403)."""

import io
from datetime import date, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from relais.accounts.roles import OrganisationKind, Role
from relais.audit.models import AccessLogEntry
from relais.notifications.models import Notification
from relais.offer.models import Category
from relais.orientation.admission.models import AdmissionFile, Urgency
from relais.orientation.decisions.models import DecisionKind, OrientationDecision
from relais.orientation.follow_up import work_list
from relais.orientation.requests import statuses as st
from relais.orientation.requests.services import admission_request_transition, admission_requests_send
from relais.persons.models import Person
from relais.persons.names import search_key
from relais.persons.services import person_create
from relais.web.paging import number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]
TODAY = timezone.localdate()
REMINDER = "orientation.request_reminder"


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def _person(world, family, first, born, **fields):
    return person_create(
        actor=world.coordinator,
        ground="test",
        family_name=family,
        first_names=first,
        birth_date=born,
        sex="F",
        **fields,
    )


def _decision(person, organisation, *, decided, end, **fields):
    return OrientationDecision.objects.create(
        person=person,
        kind=DecisionKind.MDPH,
        mdph_decision_id=f"CDAPH-{person.pk}",
        decision_date=days(decided),
        validity_start=days(decided),
        validity_end=days(end),
        organisation=organisation,
        **fields,
    )


def _send(actor, person, sites, key, *, ago=0):
    moment = timezone.now() - timedelta(days=ago)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return admission_requests_send(actor=actor, person=person, sites_ranked=sites, idempotency_key=key)


@pytest.fixture
def desk(world, make_organisation, make_member):
    """For the MDPH: Anne (decision 100 days old, ends in 30 days, nothing sent), Bob (decision 30 days old, one
    request unread for 20 days, one read today), Cléo (admitted, urgent file); Dan is the DAC's only (every trait)."""
    Category.objects.create(code="255", label="Maison d'accueil spécialisée", domain="disabled_adults")
    mdph_org = world.mdph.organisation
    anne = _person(world, "Le Guen", "Anne Marie", date(1950, 3, 12), postal_code="29200")
    bob = _person(world, "Martin", "Bob", date(1960, 6, 1))
    cleo = _person(world, "Le Bihan", "Cléo", date(1975, 1, 20))
    dan = _person(world, "Durand", "Dan", date(1950, 3, 12))
    _decision(anne, mdph_org, decided=-100, end=30, categories=["255"], care_types=["permanent_accommodation"])
    _decision(bob, mdph_org, decided=-30, end=400, categories=["255"])
    _decision(cleo, mdph_org, decided=-200, end=200)
    _decision(dan, world.coordinator.organisation, decided=-100, end=30)
    bob_unread, bob_read = _send(world.mdph, bob, world.sites[:2], "bob", ago=20)
    admission_request_transition(actor=world.staff[1], request=bob_read, target=st.NOTIFICATION_READ)
    (cleo_request,) = _send(world.mdph, cleo, world.sites[2:], "cleo", ago=40)
    for target in (st.NOTIFICATION_READ, st.UNDER_ANALYSIS, st.ADMISSIBLE, st.ADMITTED):
        cleo_request = admission_request_transition(actor=world.staff[2], request=cleo_request, target=target)
    AdmissionFile.objects.create(
        person=cleo, urgency=Urgency.HIGH, urgency_reason="Aidant hospitalisé", author_organisation=mdph_org
    )
    _send(world.coordinator, dan, world.sites[:1], "dan", ago=20)
    return SimpleNamespace(world=world, anne=anne, bob=bob, cleo=cleo, dan=dan, bob_unread=bob_unread)


def listed(actor, **filters) -> set[str]:
    found = work_list.filtered(actor, work_list.WorkFilters(**filters))
    return set(found.values_list("first_names", flat=True))


def test_each_filter_on_hand_built_persons(desk):
    mdph = desk.world.mdph
    assert listed(mdph) == {"Anne Marie", "Bob", "Cléo"}  # Dan is the DAC's, never the MDPH's
    assert listed(mdph, expiring=True, expiring_days=90) == {"Anne Marie"}
    assert listed(mdph, expiring=True, expiring_days=29) == set()
    assert listed(mdph, without_solution=True) == {"Anne Marie", "Bob"}  # Cléo holds a place
    assert listed(mdph, without_solution=True, without_solution_days=90) == {"Anne Marie"}
    assert listed(mdph, urgent=True) == {"Cléo"}
    assert listed(mdph, no_request=True) == {"Anne Marie"}
    assert listed(mdph, unread=True, unread_days=10) == {"Bob"}  # the request read today does not count
    assert listed(mdph, unread=True, unread_days=21) == set()
    assert listed(mdph, without_solution=True, no_request=True, expiring=True) == {"Anne Marie"}  # filters add up
    # The DAC sees Dan with the same definitions.
    assert listed(desk.world.coordinator, expiring=True, no_request=False, unread=True) == {"Dan"}


def test_the_work_list_and_the_territory_figure_share_one_definition(desk):
    from relais.orientation.territory_figures import selectors as figures

    lacking = figures.without_solution(OrientationDecision.objects.all(), today=TODAY, days=0)
    assert set(lacking.values_list("person__first_names", flat=True)) == {"Anne Marie", "Bob", "Dan"}
    assert listed(desk.world.mdph, without_solution=True) == {"Anne Marie", "Bob"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("le", {"Anne Marie", "Cléo"}),
        ("marie le guen", {"Anne Marie"}),
        ("LE BIH", {"Cléo"}),
        ("cleo 1975", {"Cléo"}),
        ("12/03/1950", {"Anne Marie"}),
        ("1950-03-12 guen", {"Anne Marie"}),
        ("29200", {"Anne Marie"}),
        ("anne 1960", set()),
        ("31/02/1950", set()),  # not a date: searched as a name, found nowhere
    ],
)
def test_search_on_several_words(desk, query, expected):
    assert listed(desk.world.mdph, query=query) == expected


def test_the_page_shows_filters_figures_and_no_code(client, desk):
    client.force_login(desk.world.mdph.user)
    page = client.get(reverse("orientation:persons"), {"non_lues": "1", "non_lues_jours": "10"}).content.decode()
    assert "1 personne" in page and "Martin" in page and "Le Guen" not in page
    assert f'name="personne" value="{desk.bob.pk}"' in page  # Bob's unanswered request may be reminded
    assert "Personnes sans solution — plan d&#x27;accompagnement global" in page
    everyone = client.get(reverse("orientation:persons")).content.decode()
    assert "urgente" in everyone and days(30).strftime("%d/%m/%Y") in everyone  # Cléo's urgency, Anne's decision end
    assert "Durand" not in everyone


def test_pages_beyond_50(client, world):
    organisation = world.mdph.organisation
    people = [
        Person(
            family_name=f"Nom{n:03d}",
            first_names="Test",
            birth_date=date(1970, 1, 1),
            sex="F",
            search_key=search_key(f"Nom{n:03d}", "Test"),
        )
        for n in range(123)
    ]
    Person.objects.bulk_create(people)
    OrientationDecision.objects.bulk_create(
        OrientationDecision(person=p, kind=DecisionKind.WITHOUT_DECISION, organisation=organisation)
        for p in Person.objects.filter(family_name__startswith="Nom")
    )
    client.force_login(world.mdph.user)
    first = client.get(reverse("orientation:persons")).content.decode()
    assert "Personnes 1–50 sur 123" in first and "Nom049" in first and "Nom050" not in first
    third = client.get(reverse("orientation:persons"), {"page": "3", "q": "nom"}).content.decode()
    assert "Personnes 101–123 sur 123" in third and "Nom122" in third and "Nom099" not in third
    assert "?q=nom&amp;page=2" in third and 'rel="next"' not in third
    assert "Personnes 101–123 sur 123" in client.get(reverse("orientation:persons"), {"page": "99"}).content.decode()
    assert number(1234) == "1\u202f234"


def test_pag_export_xlsx_and_csv_in_words_traced(client, desk):
    client.force_login(desk.world.mdph.user)
    response = client.get(reverse("orientation:persons_export", args=["xlsx"]))
    assert response.status_code == 200 and "sans-solution-pag-" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_name = {row[header.index("Prénoms")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"Anne Marie", "Bob"}
    anne, bob = by_name["Anne Marie"], by_name["Bob"]
    assert anne["Orientation(s)"] == "Maison d'accueil spécialisée"
    assert anne["Mode(s) d'accompagnement"] == "Hébergement permanent"
    assert anne["Jours depuis la décision"] == 100 and anne["Demandes envoyées"] == 0
    assert anne["Fin de validité"].date() == days(30)
    assert bob["Établissements sollicités (réponse)"] == "Foyer 0 (Nouvelle demande) ; Foyer 1 (Demande lue)"
    assert bob["Demandes en attente"] == 2 and bob["Refus"] == 0
    entry = AccessLogEntry.objects.filter(action="export").latest("pk")
    assert entry.detail.startswith("2 personnes — Personnes sans solution")
    csv_text = client.get(reverse("orientation:persons_export", args=["csv"]), {"q": "guen"}).content.decode("utf-8")
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Nom;Nom de naissance;Prénoms;Date de naissance") and len(lines) == 2
    assert "Le Guen;Le Guen;Anne Marie;12/03/1950" in lines[1]


def test_export_and_reminders_refused_to_others(client, desk, make_organisation, make_member):
    world = desk.world
    for actor in (world.coordinator, world.staff[0]):  # a DAC exports nothing; an ESMS neither
        client.force_login(actor.user)
        assert client.get(reverse("orientation:persons_export", args=["csv"])).status_code == 403
    assert client.post(reverse("orientation:persons_remind"), {"personne": desk.bob.pk}).status_code == 403
    _u, analyst = make_member(make_organisation(kind=OrganisationKind.ARS), role=Role.ANALYST)
    client.force_login(analyst.user)
    assert client.get(reverse("orientation:persons")).status_code == 403
    client.force_login(world.mdph.user)
    assert client.get(reverse("orientation:persons_export", args=["pdf"])).status_code == 404


def test_reminders_by_hand_leave_after_the_commit_once(client, desk, django_capture_on_commit_callbacks):
    world = desk.world
    client.force_login(world.mdph.user)
    form = {"personne": [desk.bob.pk, desk.anne.pk, desk.dan.pk], "non_lues": "1", "non_lues_jours": "10"}
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("orientation:persons_remind"), form, follow=True)
        assert not Notification.objects.filter(kind=REMINDER).exists()  # nothing inside the transaction
    assert callbacks
    for callback in callbacks:
        callback()
    page = response.content.decode()
    assert "1 relance envoyée à 1 établissement (1 personne)" in page
    assert Notification.objects.filter(kind=REMINDER, recipient=world.staff[0].user).count() == 1
    # Bob's request read today is not unanswered for 10 days; Dan is out of the MDPH's scope.
    assert not Notification.objects.filter(kind=REMINDER).exclude(recipient=world.staff[0].user).exists()
    desk.bob_unread.refresh_from_db()
    assert timezone.localdate(desk.bob_unread.last_reminder_at) == TODAY
    with django_capture_on_commit_callbacks(execute=True) as again:
        page = client.post(reverse("orientation:persons_remind"), form, follow=True).content.decode()
    assert not again and "1 demande déjà relancée depuis moins de 3 jours, non relancée" in page
    assert Notification.objects.filter(kind=REMINDER).count() == 1
