"""Reads of persons across the whole base, each traced in the access log with its ground.

Reading one person goes through the policy that scopes it (orientation: ``orientation.policy.persons_visible_to``;
pathway: ``pathway.policy.decide``). Only duplicate detection lives here: it is identity vigilance and looks at every
person, by design.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from .candidates import candidate_reads_record, candidates_for
from .duplicates import Match
from .models import Person
from .names import search_words


@transaction.atomic
def person_duplicates(*, actor, person: Person, ground: str = "identity_vigilance") -> list[Match]:
    """Live (non-merged) persons that may be `person`, best first, each with a score and its reasons
    (`candidates.candidates_for`). Each candidate returned is a read of its data, so it is logged."""
    matches = candidates_for(person)
    about = f"de la fiche {person.pk}" if person.pk else "d'une fiche en cours de création"
    candidate_reads_record(actor, matches, about, ground)
    return matches


def person_search(*, queryset, query: str):
    """`queryset` narrowed to persons matching every word of `query` (each the start of a word of any of their
    names: birth name, used name, first names; accents and case ignored, through `Person.search_key`), sorted by
    name ignoring case and accents (the folded key starts with the birth name, then the used name and first names;
    then Lower(family_name) breaks ties). No access-log entry: the caller logs what it shows."""
    return queryset.filter(search_condition(query)).order_by("search_key", Lower("family_name"), "pk")


def search_condition(query: str, prefix: str = "") -> Q:
    """The condition of `person_search`, for a queryset of persons or (``prefix="person__"``) of rows about one."""
    condition = Q()
    for word in search_words(query):
        condition &= Q(**{f"{prefix}search_key__startswith": word}) | Q(**{f"{prefix}search_key__contains": f" {word}"})
    return condition
