"""The type-ahead picker of persons (decision 0047): what it finds, in one query, never beyond the caller's scope;
on the "open a record" form, without JavaScript (a search form reloading the page) and with htmx (the results
only), its radio buttons belonging to the open form, and what it shows written as ONE access-log entry."""

from datetime import date

import pytest
from django.urls import reverse

from relais.accounts.roles import OrganisationKind, Role
from relais.audit.models import AccessLogEntry, AccessLogListing
from relais.orientation.decisions.models import DecisionKind, OrientationDecision
from relais.pathway.circle.models import CoordinationRecord
from relais.pathway.circle.services import record_open
from relais.persons.models import Person
from relais.persons.picker import SHOWN, person_pick
from relais.persons.services import person_create

pytestmark = pytest.mark.django_db


def make(actor, family, first, born, sex="F", **extra):
    return person_create(
        actor=actor, ground="test", family_name=family, first_names=first, birth_date=born, sex=sex, **extra
    )


@pytest.fixture
def followed(make_organisation, make_member, settings):
    """A DAC coordinator following four persons (decisions of the DAC), one of them with a record already; and a
    person the DAC does not follow."""
    settings.RELAIS_REQUIRE_2FA = False
    dac = make_organisation(kind=OrganisationKind.DAC, name="DAC Rance")
    _user, coordinator = make_member(dac, role=Role.COORDINATOR, professional_category="coordination_staff")
    persons = [
        make(coordinator, "Le Gall-Hervé", "Anne Marie", date(1944, 3, 12)),
        make(coordinator, "Hervé", "Loïc", date(1950, 7, 1), sex="M"),
        make(coordinator, "Martin", "Jeanne", date(1938, 1, 30), used_name="Kerbrat"),
        make(coordinator, "Hervieu", "Paul", date(1961, 5, 5), sex="M"),
    ]
    stranger = make(coordinator, "Hervé", "Lucie", date(1970, 2, 2))
    for person in persons:
        OrientationDecision.objects.create(person=person, kind=DecisionKind.WITHOUT_DECISION, organisation=dac)
    record_open(actor=coordinator, person=persons[3])
    return coordinator, persons, stranger


def names(found):
    return [f"{p.family_name} {p.first_names}" for p in found]


def test_words_start_names_in_any_order_with_accents_case_and_a_birth_date(followed, django_assert_max_num_queries):
    _coordinator, persons, stranger = followed
    scope = Person.objects.filter(pk__in=[p.pk for p in persons])
    with django_assert_max_num_queries(2):  # keys starting with HERVE, then keys where it starts another word
        found, more = person_pick(queryset=scope, query="herve")
    assert names(found) == ["Hervé Loïc", "Le Gall-Hervé Anne Marie"] and not more  # not Hervieu: HERVI…
    assert names(person_pick(queryset=scope, query="  MARIE le  ")[0]) == ["Le Gall-Hervé Anne Marie"]
    assert names(person_pick(queryset=scope, query="kerb")[0]) == ["Martin Jeanne"]  # the used name
    assert names(person_pick(queryset=scope, query="hervé 01/07/1950")[0]) == ["Hervé Loïc"]
    assert names(person_pick(queryset=scope, query="12/03/1944")[0]) == ["Le Gall-Hervé Anne Marie"]
    assert person_pick(queryset=scope, query="erve") == ([], False)  # a word's start, not its middle
    assert "Hervé Lucie" not in names(person_pick(queryset=Person.objects.exclude(pk=stranger.pk), query="herv")[0])


def test_too_short_finds_nothing_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert person_pick(queryset=Person.objects.all(), query="h") == ([], False)
        assert person_pick(queryset=Person.objects.all(), query=" - ") == ([], False)


def test_at_most_shown_and_says_there_are_more(django_assert_num_queries):
    Person.objects.bulk_create(
        Person(family_name="Tanguy", first_names=f"Prénom{n:02}", birth_date=date(1950, 1, 1), sex="F")
        for n in range(SHOWN + 1)
    )
    for person in Person.objects.all():
        person.save()  # the search key
    with django_assert_num_queries(1):  # enough keys start with the first word: the second query is not needed
        found, more = person_pick(queryset=Person.objects.all(), query="tang")
    assert len(found) == SHOWN and more


def picker_radios(html: str) -> int:
    return html.count('type="radio" form="ouvrir-suivie" name="person"')


def test_open_form_picker_without_javascript_then_open(client, followed):
    coordinator, persons, _stranger = followed
    client.force_login(coordinator.user)
    page = client.get(reverse("pathway:records")).content.decode()
    assert '<select name="person"' not in page and picker_radios(page) == 0  # nothing listed before a search
    assert 'role="search"' in page and 'name="suivie_q"' in page and 'aria-live="polite"' in page
    before = AccessLogEntry.objects.count()
    page = client.get(reverse("pathway:records"), {"suivie_q": "herv"}).content.decode()
    results = page[page.index('id="suivie-resultats"') :]
    assert "<html" in page  # the whole page: a search form that works without JavaScript
    assert picker_radios(page) == 2  # Hervé Loïc, Le Gall-Hervé; not Hervieu (has a record), not the stranger
    assert "HERVÉ Loïc" in results and "LE GALL-HERVÉ Anne Marie" in results
    assert f'value="{persons[3].pk}"' not in results and "Lucie" not in page
    assert 'id="ouvrir-suivie"' in page
    entries = AccessLogEntry.objects.order_by("id")[before:]
    picker_entry = [e for e in entries if e.detail == "recherche d'une personne pour ouvrir son dossier"]
    assert len(picker_entry) == 1
    assert set(AccessLogListing.objects.filter(entry=picker_entry[0]).values_list("subject", flat=True)) == {
        f"persons.person:{persons[0].pk}",
        f"persons.person:{persons[1].pk}",
    }
    response = client.post(reverse("pathway:record_open"), {"person": persons[1].pk, "informed_at": "2026-01-05T10:00"})
    record = CoordinationRecord.objects.get(person=persons[1])
    assert response["Location"] == reverse("pathway:record", args=[record.pk])


def test_open_form_picker_with_htmx_answers_the_results_only(client, followed):
    coordinator, _persons, _stranger = followed
    client.force_login(coordinator.user)
    response = client.get(reverse("pathway:records"), {"suivie_q": "loïc herve"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and picker_radios(html) == 1 and "1 personne trouvée" in html
    assert "checked" in html  # one result: chosen already
    html = client.get(reverse("pathway:records"), {"suivie_q": "zz"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Aucune personne ne correspond à « zz »" in html


def test_open_without_choosing_says_so(client, followed):
    coordinator, _persons, _stranger = followed
    client.force_login(coordinator.user)
    response = client.post(reverse("pathway:record_open"), {"informed_at": "2026-01-05T10:00"}, follow=True)
    assert "Recherchez puis choisissez une personne dans la liste." in response.content.decode()
