"""The type-ahead picker of persons (decision 0047): what a search box finds, fast at a million persons.

Each word typed must start a word of the person's names (``selectors.search_condition`` over ``Person.search_key``:
a prefix of the key, served by its B-tree index, or `` WORD`` inside it, served by the trigram index of migration
persons 0003 on PostgreSQL); a word written as a date (``12/03/1944``) narrows on the birth date. At most
``SHOWN`` rows come back, those whose key starts with the first word first (the birth name), each part by the
search key, plus whether there are more ("affinez"). The caller passes the
queryset its policy allows (the picker never widens a scope) and logs what it shows: one list entry
(``audit.services.access_log_list_record``).

``PickerBox`` carries what the shared templates need (``persons/_picker.html``: a search form that works without
JavaScript, htmx type-ahead, results in an ``aria-live`` region, native radio buttons bound to the caller's form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from .models import Person
from .names import search_words
from .selectors import search_condition

SHOWN = 20
MIN_QUERY = 2
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class Choice:
    value: int
    label: str
    meta: str = ""


@dataclass
class PickerBox:
    """One picker on a page: ``key`` names its ids and its query parameter (``<key>_q``), ``url`` answers the
    search (the page itself without JavaScript, a fragment for htmx), ``form_id`` is the form the chosen radio
    belongs to, ``name`` the field it fills."""

    key: str
    label: str
    url: str
    form_id: str
    name: str
    query: str = ""
    choices: list[Choice] = field(default_factory=list)
    more: bool = False
    hint: str = "Deux lettres au moins ; plusieurs mots possibles (nom, prénom, date de naissance jj/mm/aaaa)."

    @property
    def param(self) -> str:
        return f"{self.key}_q"

    @property
    def too_short(self) -> bool:
        return not _long_enough(self.query)


def _split(query: str) -> tuple[str, list[date]]:
    words, dates = [], []
    for word in query.split():
        found = _DATE.match(word)
        if found:
            try:
                dates.append(date(int(found[3]), int(found[2]), int(found[1])))
                continue
            except ValueError:
                pass
        words.append(word)
    return " ".join(words), dates


def _long_enough(query: str) -> bool:
    names, dates = _split(query)
    return bool(dates) or len("".join(names.split())) >= MIN_QUERY


def _key_range(word: str) -> dict:
    """Bounds of the keys starting with ``word`` (folded: A-Z, 0-9). A range, not LIKE 'WORD%': PostgreSQL then walks
    the search key's B-tree in order from the first such key and stops at SHOWN + 1 rows (with LIKE its estimates
    led it to fetch and sort every match: 13,000 rows and 150 ms for "le" at a million persons). Every key starting
    with ``word`` lies inside whatever the collation; under a byte-order collation (C, SQLite) nothing else does,
    and the caller drops the rest for the others."""
    stem = word.rstrip("Z9")
    if not stem:
        return {"search_key__gte": word}
    upper = stem[:-1] + chr(ord(stem[-1]) + 1)
    return {"search_key__gte": word, "search_key__lt": upper}


def person_pick(*, queryset, query: str) -> tuple[list[Person], bool]:
    """The persons of ``queryset`` the query finds, by search key, at most ``SHOWN``; and whether more were found.
    Nothing for a query shorter than two letters (and no date): the picker never lists a whole scope."""
    if not _long_enough(query):
        return [], False
    names, dates = _split(query)
    words = search_words(names)
    condition = search_condition(" ".join(words[1:]))
    for day in dates:
        condition &= Q(birth_date=day)
    if not words:  # a birth date alone
        rows = list(queryset.filter(condition).order_by("search_key", "pk")[: SHOWN + 1])
        return rows[:SHOWN], len(rows) > SHOWN
    # First the keys that START with the first word (the birth name, mostly): the B-tree index gives them in order
    # and the scan stops at SHOWN + 1. Only when they are too few, the keys where it starts another word (used name,
    # first names: the trigram index, or the same ordered scan when the word is common). One or two queries.
    first = words[0]
    starting = queryset.filter(condition, **_key_range(first)).order_by("search_key", "pk")[: SHOWN + 1]
    rows = [person for person in starting if person.search_key.startswith(first)]
    if len(rows) <= SHOWN:
        inner = queryset.filter(condition, search_key__contains=f" {first}").exclude(search_key__startswith=first)
        rows += list(inner.order_by("search_key", "pk")[: SHOWN + 1 - len(rows)])
    return rows[:SHOWN], len(rows) > SHOWN


def person_choice(person: Person) -> Choice:
    born = "née" if person.sex == "F" else "né" if person.sex == "M" else "né·e"
    used = f" (nom d'usage {person.used_name.upper()})" if person.used_name else ""
    return Choice(
        person.pk, f"{person.family_name.upper()}{used} {person.first_names}", f"{born} le {person.birth_date:%d/%m/%Y}"
    )


def person_picker_box(*, queryset, query: str, **box) -> tuple[PickerBox, list[Person]]:
    """A filled ``PickerBox`` for persons, and the persons it shows (for the caller's access-log entry)."""
    query = query.strip()[:100]
    persons, more = person_pick(queryset=queryset, query=query)
    return PickerBox(query=query, choices=[person_choice(p) for p in persons], more=more, **box), persons
