"""Writes for persons (keyword-only, atomic, every write traced in the access log with its ground).

Scoping is NOT decided yet: who may create, read, update or merge a person belongs to the care circle
and orientation issues. For now every service takes an actor and a ground, records them, and applies
no policy; nothing exposes persons through views, the REST API or FHIR.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from relais.audit.services import access_log_record

from .ins import STATUSES_WITH_INS, IdentityStatus
from .models import IdentityEventKind, LegalRepresentative, Person, PersonMergeLog

# Fields a person may be created or updated with (not merge bookkeeping nor timestamps).
EDITABLE_FIELDS = frozenset(
    "family_name used_name first_names used_first_name birth_date birth_place_code birth_place_label sex ins "
    "identity_status ins_from_national_service address postal_code city phone email external_ref".split()
)
# Groups of fields copied from the duplicate when the first one is empty on the kept person, as a whole
# so that an INS travels with its status and an address stays one address. Names, first names, birth
# date and sex are never copied: they are what the two records were judged the same on.
MERGE_FILL_GROUPS = (
    ("used_name",),
    ("used_first_name",),
    ("birth_place_code", "birth_place_label"),
    ("ins", "identity_status", "ins_from_national_service"),
    ("address", "postal_code", "city"),
    ("phone",),
    ("email",),
)

MergeHook = Callable[..., None]
merge_hooks: list[MergeHook] = []


def register_merge_hook(hook: MergeHook) -> MergeHook:
    """Other apps re-point their own rows: `hook(actor=…, keep=…, duplicate=…)`, called inside the merge's
    transaction (an exception rolls the whole merge back). Usable as a decorator, e.g. in AppConfig.ready()."""
    if hook not in merge_hooks:
        merge_hooks.append(hook)
    return hook


def _subject(person: Person) -> str:
    return f"persons.person:{person.pk}"


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown or read-only person fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def person_create(*, actor, ground: str, **fields) -> Person:
    _check_fields(fields)
    person = Person(**fields)
    person.full_clean()
    person.save()
    access_log_record(actor=actor, action="create", obj=person, subject=_subject(person), ground=ground)
    return person


@transaction.atomic
def person_update(*, actor, person: Person, ground: str, **fields) -> Person:
    _check_fields(fields)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.merged_into_id is not None:
        raise ValidationError("Cette personne a été fusionnée dans une autre fiche : modifiez la fiche conservée.")
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()
    access_log_record(
        actor=actor,
        action="update",
        obj=person,
        subject=_subject(person),
        ground=ground,
        detail="champs : " + ", ".join(sorted(fields)),
    )
    return person


@transaction.atomic
def legal_representative_add(*, actor, person: Person, ground: str, **fields) -> LegalRepresentative:
    representative = LegalRepresentative(person=person, **fields)
    representative.full_clean()
    representative.save()
    access_log_record(actor=actor, action="create", obj=representative, subject=_subject(person), ground=ground)
    return representative


def _refuse_merge(keep: Person, duplicate: Person) -> None:
    from .identity import TRAIT_LABELS, strict_differences

    if keep.pk == duplicate.pk:
        raise ValidationError("Impossible de fusionner une personne avec elle-même.")
    if keep.merged_into_id is not None:
        raise ValidationError("La fiche à conserver a elle-même été fusionnée : choisissez la fiche qui la remplace.")
    if duplicate.merged_into_id is not None:
        raise ValidationError("Cette fiche a déjà été fusionnée dans une autre.")
    differ = strict_differences(keep, duplicate)
    if differ and keep.identity_status == duplicate.identity_status == IdentityStatus.QUALIFIED:
        raise ValidationError(
            "Les deux fiches ont une identité qualifiée dont les traits stricts diffèrent ("
            + ", ".join(TRAIT_LABELS[n] for n in differ)
            + ") : ce sont deux personnes différentes pour l'identitovigilance, la fusion est refusée."
        )
    if keep.ins and duplicate.ins and keep.ins != duplicate.ins:
        raise ValidationError(
            "Les deux fiches portent des matricules INS différents : ce sont deux personnes différentes "
            "pour l'identitovigilance, la fusion est refusée."
        )
    if differ and not keep.ins and duplicate.identity_status in STATUSES_WITH_INS:
        # The INS belongs to the traits INSi returned: it cannot move onto other traits.
        raise ValidationError(
            f"Conservez plutôt l'autre fiche : son identité ({duplicate.get_identity_status_display().lower()}) "
            "vient du téléservice INSi et ses traits stricts font foi ("
            + ", ".join(TRAIT_LABELS[n] for n in differ)
            + " diffèrent)."
        )


@transaction.atomic
def person_merge(*, actor, keep: Person, duplicate: Person, ground: str, reason: str) -> PersonMergeLog:
    """Merge `duplicate` into `keep`: the duplicate stays (history) with merged_into=keep, its legal
    representatives move to keep, empty groups of keep are filled (MERGE_FILL_GROUPS), merge hooks run,
    a PersonMergeLog row, an IdentityEvent "merged" on each person and an access-log "update" for each person
    are written. `reason` (why these are the same person) is required."""
    from .identity import identity_event_add

    if not ground:
        raise ValueError("A merge needs a ground.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif de la fusion : il est conservé dans l'historique."})
    # Lock both rows in a stable order so two concurrent merges cannot cross.
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")}
    keep, duplicate = locked[keep.pk], locked.get(duplicate.pk, locked[keep.pk])
    _refuse_merge(keep, duplicate)
    now = timezone.now()
    duplicate.merged_into, duplicate.merged_at = keep, now
    duplicate.save(update_fields=["merged_into", "merged_at", "updated_at"])  # first: frees its INS
    filled, before = [], {}
    for group in MERGE_FILL_GROUPS:
        if getattr(keep, group[0]) in ("", None) and getattr(duplicate, group[0]) not in ("", None):
            for f in group:
                before[f] = getattr(keep, f)
                setattr(keep, f, getattr(duplicate, f))
            filled.extend(group)
    keep.full_clean()
    keep.save()
    moved = list(duplicate.representatives.order_by("pk").values_list("pk", flat=True))
    LegalRepresentative.objects.filter(pk__in=moved).update(person=keep)
    for hook in list(merge_hooks):
        hook(actor=actor, keep=keep, duplicate=duplicate)
    log = PersonMergeLog.objects.create(
        keep=keep,
        duplicate=duplicate,
        at=now,
        user_id=getattr(getattr(actor, "user", None), "pk", None),
        organisation_id=getattr(getattr(actor, "organisation", None), "pk", None),
        actor_label=actor.public_label if actor is not None else "système",
        ground=ground,
        filled_fields=filled,
        representatives_moved=moved,
        reason=reason,
    )
    identity_event_add(
        actor=actor,
        person=keep,
        kind=IdentityEventKind.MERGED,
        reason=reason,
        before=before,
        after={f: getattr(keep, f) for f in filled},
        other=duplicate,
    )
    identity_event_add(
        actor=actor,
        person=duplicate,
        kind=IdentityEventKind.MERGED,
        reason=reason,
        before={"merged_into": None},
        after={"merged_into": keep.pk},
        other=keep,
    )
    detail = f"fusion de la fiche {duplicate.pk} dans la fiche {keep.pk}"
    for person in (keep, duplicate):
        access_log_record(
            actor=actor, action="update", obj=person, subject=_subject(person), ground=ground, detail=detail
        )
    return log
