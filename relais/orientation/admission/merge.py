"""Persons merge hook: the duplicate's admission file follows the kept person.

One file per person. When only the duplicate has one, it moves. When both have one, the kept person's file stays and
its empty parts are completed from the duplicate's, part by part (a part moves whole, never field by field: the
urgency with its reason (the higher one wins), the wishes, the expected entry, the commune, the medical part
with its author); the duplicate's file stays with the merged record, as history.
"""

from relais.orientation.admission.models import AdmissionFile

# Groups of fields copied as a whole when all of them are empty on the kept file and not on the duplicate's.
FILE_FILL_GROUPS = (
    ("wishes",),
    ("expected_entry",),
    ("commune",),
    ("author", "author_organisation"),
    ("gir", "care_needs", "medical_notes", "medical_author", "medical_updated_at"),
)
KEYS = {"commune": "commune_id", "author": "author_id", "medical_author": "medical_author_id"}


def _empty(value) -> bool:
    return value in ("", None)


def admission_merge_hook(*, actor, keep, duplicate) -> None:
    theirs = AdmissionFile.objects.select_for_update().filter(person=duplicate).first()
    if theirs is None:
        return
    mine = AdmissionFile.objects.select_for_update().filter(person=keep).first()
    if mine is None:
        AdmissionFile.objects.filter(pk=theirs.pk).update(person=keep)
        return
    changed = False
    if theirs.urgency > mine.urgency:
        mine.urgency, mine.urgency_reason = theirs.urgency, theirs.urgency_reason
        changed = True
    for group in FILE_FILL_GROUPS:
        values = [getattr(theirs, KEYS.get(name, name)) for name in group]
        if all(_empty(getattr(mine, KEYS.get(name, name))) for name in group) and not all(map(_empty, values)):
            for name in group:
                setattr(mine, KEYS.get(name, name), getattr(theirs, KEYS.get(name, name)))
            changed = True
    if changed:
        mine.full_clean()
        mine.save()
