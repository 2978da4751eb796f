"""Who may be the same person: the candidate lookup shared by the creation flow (`vigilance`), the duplicates
selector and the identity screens, and the access-log entry of each candidate shown. Below `services` on purpose:
`identity` and `services` read it without an import cycle."""

from __future__ import annotations

from django.db.models import Q

from relais.audit.services import access_log_list_record

from .birthdates import birth_date_variants
from .duplicates import Match, find_duplicates
from .models import Person

# One ground for every identity-vigilance read and write (lookups, corrections, merges).
GROUND = "identity_vigilance"


def candidate_reads_record(actor, matches: list[Match], about: str, ground: str = GROUND) -> None:
    """The candidates shown are a read of their identities: one access-log entry for the list, each candidate
    readable in it from its own history (decision 0047)."""
    access_log_list_record(
        actor=actor,
        object_type="persons.person",
        rows=[(f"persons.person:{m.other.pk}", m.other.pk, ground) for m in matches],
        detail=f"doublons possibles {about}",
    )


def candidates_for(person: Person) -> list[Match]:
    """Live persons that may be `person` (unsaved or not), best first. No access-log entry: callers log what they
    show (`person_duplicates`, `IdentityCandidates.record_reads`)."""
    blocking = Q(birth_date__in={person.birth_date, *birth_date_variants(person.birth_date)})
    if person.ins:
        blocking |= Q(ins=person.ins)
    found = Person.objects.filter(blocking, merged_into__isnull=True)
    if person.pk:
        found = found.exclude(pk=person.pk)
    return find_duplicates(person, found)
