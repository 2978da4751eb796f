"""Duplicate detection: the pure rules, then the selector (blocking, merged persons left out, reads logged)."""

from datetime import date
from types import SimpleNamespace

import pytest

from relais.audit.models import AccessLogEntry
from relais.persons.duplicates import compare, distance, duplicate_pairs, normalise
from relais.persons.selectors import person_duplicates
from relais.persons.services import person_create, person_merge

from .conftest import GROUND, an_ins


def ident(**fields):
    values = {
        "family_name": "Lefèvre",
        "used_name": "",
        "first_names": "Jean-Marie",
        "birth_date": date(1950, 1, 2),
        "sex": "M",
        "ins": None,
        "birth_place_code": "",
        **fields,
    }
    return SimpleNamespace(**values)


def test_normalise_and_distance():
    assert normalise("Le Gall-Hervé") == normalise("LE GALL HERVE") == "LEGALLHERVE"
    assert distance("DUPONT", "DUPNOT") == 1  # transposition
    assert distance("MARTIN", "MARTN") == 1
    assert distance("ROUSSEAU", "RUSSO") > 2


def test_accents_case_and_hyphens():
    match = compare(ident(), ident(family_name="LEFEVRE", first_names="jean marie"))
    assert match and match.reasons[:3] == ("même date de naissance", "même sexe", "même nom de naissance")
    assert "mêmes prénoms" in match.reasons


def test_typo_is_tolerated_and_named():
    match = compare(ident(family_name="Fontaine"), ident(family_name="Fontiane"))
    assert match and "nom de naissance proche (1 faute de frappe)" in match.reasons
    exact = compare(ident(family_name="Fontaine"), ident(family_name="Fontaine"))
    assert exact.score > match.score


def test_short_names_need_an_exact_match():
    assert compare(ident(family_name="Roy"), ident(family_name="Rey")) is None


def test_used_name_swapped_with_birth_name():
    a = ident(family_name="Martin", used_name="Casanova", sex="F")
    b = ident(family_name="Casanova", used_name="Martin", sex="F")
    c = ident(family_name="Casanova", sex="F")  # known only by her used name elsewhere
    assert "nom d'usage de l'une = nom de naissance de l'autre" in compare(a, b).reasons
    assert compare(a, c) is not None


def test_different_sex_birth_date_or_first_name_is_not_a_duplicate():
    assert compare(ident(), ident(sex="F")) is None
    assert compare(ident(), ident(birth_date=date(1950, 3, 4))) is None  # two keystrokes away
    assert compare(ident(), ident(first_names="Karim")) is None
    assert compare(ident(), ident(sex="I")) is not None  # unknown sex does not contradict


def test_ins_decides():
    same = compare(ident(ins=an_ins()), ident(family_name="Autre", first_names="Nom", ins=an_ins()))
    assert same.certain and same.reasons == ("même INS",)
    assert compare(ident(ins=an_ins()), ident(ins=an_ins("2840375123002"))) is None


def test_duplicate_pairs_blocks_by_birth_date():
    people = [ident(), ident(family_name="Lefevre"), ident(birth_date=date(1960, 1, 1)), ident(first_names="Paul")]
    pairs = duplicate_pairs(people)
    assert [(a.family_name, m.other.family_name) for a, m in pairs] == [("Lefèvre", "Lefevre")]


@pytest.mark.django_db
def test_person_duplicates_selector(actor, make_person):
    person = make_person()
    typo = make_person(family_name="Qurée", first_names="Helene")
    same_ins_a = make_person(family_name="Santoni", first_names="Ange", sex="M", ins=an_ins())
    make_person(family_name="Quéré", first_names="Hélène Marie", sex="M")  # different sex
    make_person(birth_date=date(1948, 4, 13))  # another birth date (two keystrokes away)
    merged = make_person(family_name="Quere")
    person_merge(actor=actor, keep=person, duplicate=merged, ground=GROUND, reason="même personne (test)")
    before = AccessLogEntry.objects.count()
    matches = person_duplicates(actor=actor, person=person)
    assert [m.other.pk for m in matches] == [typo.pk]
    assert matches[0].reasons[1:3] == ("même sexe", "nom de naissance proche (1 faute de frappe)")
    entry = AccessLogEntry.objects.order_by("id").last()
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.action, entry.subject, entry.ground) == ("read", f"persons.person:{typo.pk}", "identity_vigilance")
    other = make_person(family_name="Dupont", first_names="Luc", sex="M", birth_date=date(1990, 1, 1))
    assert person_duplicates(actor=actor, person=other) == []
    assert same_ins_a.pk not in [m.other.pk for m in matches]


@pytest.mark.parametrize(
    "typed",
    [date(1950, 1, 3), date(1951, 1, 2), date(1950, 2, 1), date(1905, 1, 2), date(1950, 10, 2), date(1950, 1, 20)],
    ids=["day digit", "year digit", "day and month inverted", "year digits swapped", "month digit", "day digits"],
)
def test_a_birth_date_one_keystroke_away_is_a_typo(typed):
    match = compare(ident(), ident(birth_date=typed))
    assert match is not None and not match.certain
    assert match.reasons[0].startswith("date de naissance à une faute de frappe près")
    same_day = compare(ident(), ident())
    assert match.score < same_day.score


def test_a_date_typo_needs_close_names_and_other_dates_never_match():
    assert compare(ident(), ident(birth_date=date(1950, 1, 3), family_name="Lefèbvre")) is None  # and a name typo
    assert compare(ident(), ident(birth_date=date(1950, 3, 4))) is None  # two keystrokes away
    assert compare(ident(), ident(birth_date=date(1950, 1, 3), first_names="Jean-Mari")) is not None


def test_pairs_and_selector_find_date_typos(actor):
    base = {"family_name": "Kerjean", "first_names": "Gwenaëlle", "sex": "F"}
    original = person_create(actor=actor, ground=GROUND, birth_date=date(1962, 7, 14), **base)
    typo = person_create(actor=actor, ground=GROUND, birth_date=date(1962, 7, 15), **base)
    person_create(actor=actor, ground=GROUND, birth_date=date(1963, 8, 14), **base)  # two keystrokes away
    pairs = duplicate_pairs([original, typo])
    assert [(a.pk, m.other.pk) for a, m in pairs] == [(original.pk, typo.pk)]
    found = person_duplicates(actor=actor, person=original)
    assert [m.other.pk for m in found] == [typo.pk]
