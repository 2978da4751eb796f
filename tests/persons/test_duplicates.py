"""Duplicate detection: the pure rules, then the selector (blocking, merged persons left out, reads logged)."""

from datetime import date
from types import SimpleNamespace

import pytest

from relais.audit.models import AccessLogEntry
from relais.persons.duplicates import Kind, compare, distance, duplicate_pairs, normalise
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
    assert match and match.reasons[:2] == ("même date de naissance", "même sexe")
    assert match.reasons[2].startswith("même nom de naissance")
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


def test_different_birth_date_or_first_name_is_not_a_duplicate():
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
    make_person(family_name="Quéré", first_names="Hélène", sex="M")  # different sex and first names: never
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
    assert match.reasons[0].startswith("date de naissance : ")
    assert match.kinds[0] in (Kind.DAY_MONTH_SWAPPED, Kind.DATE_DIGIT_OFF, Kind.DATE_DIGITS_SWAPPED)
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


# --- One test per error kind of French identity records (issue 12 item 1) ----------------------------------------


def test_swapped_family_and_first_names():
    match = compare(
        ident(family_name="André", first_names="Alice", sex="F"),
        ident(family_name="Alice", first_names="André", sex="F"),
    )
    assert match.score == 85 and Kind.NAMES_SWAPPED in match.kinds and "nom et prénom inversés" in match.reasons


def test_same_identity_other_sex():
    match = compare(ident(), ident(sex="F"))
    assert match.score == 80 and Kind.OTHER_SEX in match.kinds
    assert any(r.startswith("sexe différent") for r in match.reasons)


def test_compound_birth_name():
    match = compare(
        ident(family_name="AUBERT-DUPONT", first_names="Patrick"), ident(family_name="AUBERT", first_names="Patrick")
    )
    assert match.score == 87 and Kind.COMPOUND_NAME in match.kinds
    assert "nom composé : « AUBERT-DUPONT » / « AUBERT »" in match.reasons


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("Lefevre", Kind.SPELLING_VARIANT),  # accent
        ("LEFÈVRE", Kind.SAME_FAMILY_NAME),  # case only
    ],
)
def test_accents_and_case(typed, kind):
    assert kind in compare(ident(), ident(family_name=typed)).kinds


def test_hyphens_apostrophes_and_particles():
    assert (
        Kind.SPELLING_VARIANT in compare(ident(family_name="Le Gall-Hervé"), ident(family_name="LE GALL HERVE")).kinds
    )
    assert Kind.SPELLING_VARIANT in compare(ident(family_name="D'Arcy"), ident(family_name="Darcy")).kinds
    match = compare(ident(family_name="de La Fontaine"), ident(family_name="Fontaine"))
    assert Kind.PARTICLE in match.kinds and "à la particule près" in match.reasons[2]


def test_birth_name_versus_used_name():
    married = ident(family_name="Martin", used_name="Casanova", sex="F")
    assert Kind.USED_NAME_AS_BIRTH_NAME in compare(married, ident(family_name="Casanova", sex="F")).kinds


def test_transposed_day_and_month():
    match = compare(ident(birth_date=date(1950, 1, 2)), ident(birth_date=date(1950, 2, 1)))
    assert match.kinds[0] == Kind.DAY_MONTH_SWAPPED and "jour et mois inversés" in match.reasons[0]


def test_a_digit_off_and_neighbouring_digits_swapped():
    assert compare(ident(), ident(birth_date=date(1951, 1, 2))).kinds[0] == Kind.DATE_DIGIT_OFF
    assert compare(ident(), ident(birth_date=date(1905, 1, 2))).kinds[0] == Kind.DATE_DIGITS_SWAPPED


def test_a_typo_in_a_name():
    assert Kind.FAMILY_NAME_TYPO in compare(ident(family_name="Fontaine"), ident(family_name="Fontiane")).kinds
    assert Kind.FIRST_NAME_TYPO in compare(ident(), ident(first_names="Jean-Mari")).kinds


# --- Negatives: persons coincidentally alike are not duplicates --------------------------------------------------


def test_twins_are_not_duplicates():
    assert compare(ident(first_names="Paul"), ident(first_names="Pauline", sex="F")) is None
    assert compare(ident(first_names="Jean"), ident(first_names="Marc")) is None


def test_other_sex_needs_everything_else_exact():
    assert compare(ident(), ident(sex="F", family_name="Lefèbvre")) is None  # and a typo
    assert compare(ident(), ident(sex="F", birth_date=date(1950, 1, 3))) is None  # and a date slip


def test_same_names_another_generation_or_another_family():
    assert compare(ident(), ident(birth_date=date(1978, 6, 30))) is None
    assert compare(ident(family_name="Aubert"), ident(family_name="Dupont")) is None
    assert compare(ident(family_name="Aubert-Dupont"), ident(family_name="Aubert", birth_date=date(1950, 1, 3))) is None


def test_two_different_ins_never_and_kinds_are_given_with_reasons():
    assert compare(ident(ins=an_ins()), ident(ins=an_ins("2840375123002"))) is None
    same = compare(ident(ins=an_ins()), ident(ins=an_ins()))
    assert same.score == 100 and same.kinds == (Kind.SAME_INS,)
    match = compare(ident(), ident())
    assert len(match.kinds) == len(match.reasons)


def test_pairs_find_swaps_other_sex_compound_and_date_slips_through_blocking():
    people = [
        ident(family_name="Aubert", first_names="Patrick"),
        ident(family_name="Patrick", first_names="Aubert"),
        ident(family_name="Aubert-Dupont", first_names="Patrick"),
        ident(family_name="Aubert", first_names="Patrick", sex="F"),
        ident(family_name="Aubert", first_names="Patrick", birth_date=date(1950, 2, 1)),
        ident(family_name="Morel", first_names="Luc", birth_date=date(1970, 5, 5)),
    ]
    pairs = {(id(a), id(m.other)) for a, m in duplicate_pairs(people)}
    first = people[0]
    for other in people[1:5]:
        assert (id(first), id(other)) in pairs or (id(other), id(first)) in pairs
    assert not any(id(people[5]) in pair for pair in pairs)
