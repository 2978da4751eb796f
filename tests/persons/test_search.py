"""Person search (issue 12 item 1): several words, each the start of any name, accents and case ignored, sorted by
name whatever the case."""

from datetime import date

import pytest

from relais.persons.models import Person
from relais.persons.selectors import person_search

from .conftest import GROUND

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(actor):
    from relais.persons.services import person_create

    def make(family, first, used="", day=1):
        return person_create(
            actor=actor,
            ground=GROUND,
            family_name=family,
            used_name=used,
            first_names=first,
            birth_date=date(1940, 1, day),
            sex="M",
        )

    return {
        "aubert": make("AUBERT", "Patrick", day=1),
        "dupont": make("Dupont", "Patrick Aubert", day=2),
        "eloise": make("élise", "Zoé", used="Aubert", day=3),
        "martin": make("Martin", "Paul", day=4),
        "lower": make("de la Tour", "Anne", day=5),
    }


def names(queryset):
    return [p.family_name for p in queryset]


def test_several_words_each_matching_any_name(people):
    assert names(person_search(queryset=Person.objects.all(), query="Aubert Patrick")) == ["AUBERT", "Dupont"]
    assert names(person_search(queryset=Person.objects.all(), query="patrick   aubert")) == ["AUBERT", "Dupont"]


def test_accents_case_and_used_name(people):
    assert names(person_search(queryset=Person.objects.all(), query="ELISE")) == ["élise"]
    assert names(person_search(queryset=Person.objects.all(), query="zoe aub")) == ["élise"]


def test_words_match_from_their_start_only(people):
    assert names(person_search(queryset=Person.objects.all(), query="ubert")) == []
    assert names(person_search(queryset=Person.objects.all(), query="tour")) == ["de la Tour"]


def test_sorted_case_insensitively_and_scoped_by_the_given_queryset(people):
    everyone = names(person_search(queryset=Person.objects.all(), query=""))
    assert everyone == ["AUBERT", "de la Tour", "Dupont", "élise", "Martin"]
    some = Person.objects.filter(pk__in=[people["martin"].pk, people["aubert"].pk])
    assert names(person_search(queryset=some, query="pa")) == ["AUBERT", "Martin"]
