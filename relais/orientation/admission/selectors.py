"""Reads of the admission file for pages: the administrative part, and the medical part only for who may read it.

A page never receives an ``AdmissionFile`` instance (decision 0032): it receives an ``AdministrativePart`` and a
``MedicalPart`` or None (``policy.can_read_medical``). The medical values are not loaded at all for the others, so
they are neither in the template context nor reachable from it (a model instance would let a template or an htmx
partial read ``file.medical_notes``, or ``person.admission_file.gir`` through a reverse accessor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from relais.accounts.models import Organisation
from relais.orientation import policy
from relais.persons.models import Person
from relais.territory.models import Commune

from .models import AdmissionFile

# The medical part's columns: every query for a page or an export that does not show them leaves them out.
MEDICAL_COLUMNS = ("gir", "care_needs", "medical_notes")


def without_medical(prefix: str = "") -> list[str]:
    """The names to pass to ``QuerySet.defer`` so that a query reaching the file (``prefix``: ``"person__"``…) does
    not load its medical part."""
    return [f"{prefix}{name}" for name in MEDICAL_COLUMNS]


@dataclass(frozen=True)
class AdministrativePart:
    """What every reader of the file sees. ``medical_updated_at`` tells that the medical part was filled, and when,
    without any of its content."""

    person_id: int
    living_situation: str
    living_situation_label: str
    urgency: int
    urgency_label: str
    urgency_reason: str
    wishes: str
    expected_entry: date | None
    commune: Commune | None
    author_organisation: Organisation | None
    medical_updated_at: datetime | None

    # The names the templates used on the model, kept so that they read the same.
    def get_living_situation_display(self) -> str:
        return self.living_situation_label

    def get_urgency_display(self) -> str:
        return self.urgency_label


@dataclass(frozen=True)
class MedicalPart:
    gir: int | None
    care_needs: str
    medical_notes: str
    author_name: str
    updated_at: datetime | None


def admission_file_parts(*, actor, person: Person) -> tuple[AdministrativePart | None, MedicalPart | None]:
    """The person's file for a page: (administrative part, medical part or None); (None, None) without a file.

    The caller has scoped the person (``policy.persons_visible_to`` or the ESMS's request) and logs the read.
    """
    file = (
        AdmissionFile.objects.select_related("commune", "author_organisation")
        .defer(*without_medical())
        .filter(person=person)
        .first()
    )
    if file is None:
        return None, None
    administrative = AdministrativePart(
        person_id=file.person_id,
        living_situation=file.living_situation,
        living_situation_label=file.get_living_situation_display(),
        urgency=file.urgency,
        urgency_label=file.get_urgency_display(),
        urgency_reason=file.urgency_reason,
        wishes=file.wishes,
        expected_entry=file.expected_entry,
        commune=file.commune,
        author_organisation=file.author_organisation,
        medical_updated_at=file.medical_updated_at,
    )
    if not policy.can_read_medical(actor, file):
        return administrative, None
    row = (
        AdmissionFile.objects.filter(pk=file.pk)
        .values(*MEDICAL_COLUMNS, "medical_author__first_name", "medical_author__last_name", "medical_updated_at")
        .get()
    )
    author = f"{row['medical_author__first_name'] or ''} {row['medical_author__last_name'] or ''}".strip()
    medical = MedicalPart(
        gir=row["gir"],
        care_needs=row["care_needs"],
        medical_notes=row["medical_notes"],
        author_name=author,
        updated_at=row["medical_updated_at"],
    )
    return administrative, medical
