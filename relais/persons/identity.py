"""Identity vigilance on persons: correcting an identity, dismissing a proposed duplicate, the identity history.

Writes are keyword-only and atomic; each writes an ``IdentityEvent`` (who, for which organisation, when, why, the
traits before and after) and an access-log entry. The rules of the national identity-vigilance reference (RNIV) that
apply here are in decision 0036:

- a change of a strict trait (birth name, birth first names, birth date, sex, birth place) on an identity whose INS
  came from the national service (``RECUP`` or ``QUAL``) breaks the link between the traits and the INS: the INS is
  removed (it must be fetched again from INSi) and the status drops, ``RECUP`` → ``PROV``, ``QUAL`` → ``VALI``
  (the identity document was checked, the INS was not re-fetched);
- "these are not the same person" is kept (``duplicate_dismissed`` on both persons) so the pair is not proposed again.

Who may call these is the screens' policy (``orientation.screens.views_identity``), not decided here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from relais.audit.services import access_log_record

from .candidates import GROUND
from .ins import STATUSES_WITH_INS, IdentityStatus
from .models import BIRTH_PLACE_PATTERN, IdentityEvent, IdentityEventKind, Person

# The INS traits that identify the person (RNIV "traits stricts"), with the birth place label that goes with its code.
STRICT_TRAITS = ("family_name", "first_names", "birth_date", "sex", "birth_place_code")
# What a correction may change: the strict traits, the extended traits (used names) and the status within what a
# person may decide without the national service (PROV / VALI; RECUP and QUAL come from INSi only).
CORRECTABLE = (*STRICT_TRAITS, "birth_place_label", "used_name", "used_first_name", "identity_status")
SETTABLE_STATUSES = (IdentityStatus.PROVISIONAL, IdentityStatus.VALIDATED)
# RNIV: a strict trait changed on an identity linked to an INS.
DOWNGRADE = {IdentityStatus.RECOVERED: IdentityStatus.PROVISIONAL, IdentityStatus.QUALIFIED: IdentityStatus.VALIDATED}
TRAIT_LABELS = {
    "family_name": "nom de naissance",
    "used_name": "nom d'usage",
    "first_names": "prénoms de naissance",
    "used_first_name": "prénom utilisé",
    "birth_date": "date de naissance",
    "sex": "sexe",
    "birth_place_code": "lieu de naissance (code)",
    "birth_place_label": "lieu de naissance",
    "identity_status": "statut de l'identité",
    "ins": "matricule INS",
    "ins_from_national_service": "INS obtenu par le téléservice INSi",
    "merged_into": "fusionnée dans la fiche",
}


def actor_label(actor) -> str:
    """Who acted, by name and organisation (never the e-mail address: the history is shown to other organisations)."""
    return actor.public_label if actor is not None else "système"


def strict_differences(a: Person, b: Person) -> list[str]:
    """The strict traits on which two persons disagree (an empty birth place disagrees with nothing)."""
    differ = []
    for name in STRICT_TRAITS:
        left, right = getattr(a, name), getattr(b, name)
        if name == "birth_place_code" and not (left and right):
            continue
        if left != right:
            differ.append(name)
    return differ


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def identity_event_add(*, actor, person: Person, kind: str, reason: str, before=None, after=None, other=None):
    """One line of the identity history (inside the caller's transaction)."""
    return IdentityEvent.objects.create(
        person=person,
        kind=kind,
        at=timezone.now(),
        user_id=getattr(getattr(actor, "user", None), "pk", None),
        organisation_id=getattr(getattr(actor, "organisation", None), "pk", None),
        actor_label=actor_label(actor),
        reason=reason,
        before={k: _json(v) for k, v in (before or {}).items()},
        after={k: _json(v) for k, v in (after or {}).items()},
        other_person=other,
    )


def _reason_or_error(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif : il est conservé dans l'historique de l'identité."})
    return reason


@dataclass(frozen=True)
class Correction:
    person: Person
    event: IdentityEvent
    downgraded: bool
    notice: str  # what the user must know (French), empty when nothing special happened


@transaction.atomic
def person_identity_correct(*, actor, person: Person, reason: str, **fields) -> Correction:
    """Correct traits of `person` (``CORRECTABLE``); refused, in French, without a reason, on a merged person, when
    nothing changes or when asked for a status only the national service gives."""
    unknown = set(fields) - set(CORRECTABLE)
    if unknown:
        raise TypeError(f"Not correctable here: {', '.join(sorted(unknown))}")
    reason = _reason_or_error(reason)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.merged_into_id is not None:
        raise ValidationError("Cette fiche a été fusionnée dans une autre : corrigez la fiche conservée.")
    asked = fields.get("identity_status", person.identity_status)
    if asked != person.identity_status and asked not in SETTABLE_STATUSES:
        raise ValidationError(
            {"identity_status": "Les statuts « récupérée » et « qualifiée » ne s'obtiennent que par l'INSi."}
        )
    code = fields.get("birth_place_code")
    if code and not re.match(BIRTH_PLACE_PATTERN, code):
        raise ValidationError(
            {
                "birth_place_code": "Le lieu de naissance est un code commune INSEE de 5 caractères (2A ou 2B pour "
                "la Corse), ou 99 suivi du code du pays pour une naissance à l'étranger."
            }
        )
    changed = {name: value for name, value in fields.items() if getattr(person, name) != value}
    if not changed:
        raise ValidationError("Aucun trait n'a été modifié.")
    before = {name: getattr(person, name) for name in changed}
    strict_changed = [name for name in STRICT_TRAITS if name in changed]
    old_status = person.identity_status
    new_status = fields.get("identity_status", old_status)
    if strict_changed and old_status in STATUSES_WITH_INS and new_status == old_status:
        new_status = DOWNGRADE[old_status]
    # Leaving RECUP / QUAL (a strict trait changed, or a doubt on the identity): the INS no longer goes with the traits.
    downgraded = old_status in STATUSES_WITH_INS and new_status not in STATUSES_WITH_INS
    if downgraded:
        before.update(ins=person.ins, ins_from_national_service=person.ins_from_national_service)
        before["identity_status"] = old_status
        changed.update(ins=None, ins_from_national_service=False, identity_status=new_status)
    for name, value in changed.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()
    notice = ""
    if downgraded:
        why = (
            "Trait strict modifié (" + ", ".join(TRAIT_LABELS[n] for n in strict_changed) + ")"
            if strict_changed
            else "Statut abaissé"
        )
        notice = (
            f"{why} : le matricule INS a été retiré et l'identité est passée de "
            f"« {IdentityStatus(old_status).label} » à « {person.get_identity_status_display()} ». "
            "L'INS doit être récupéré à nouveau par le téléservice INSi."
        )
    event = identity_event_add(
        actor=actor,
        person=person,
        kind=IdentityEventKind.CORRECTED,
        reason=reason,
        before=before,
        after={name: getattr(person, name) for name in changed},
    )
    access_log_record(
        actor=actor,
        action="update",
        obj=person,
        subject=f"persons.person:{person.pk}",
        ground=GROUND,
        detail="correction de l'identité : " + ", ".join(sorted(changed)),
    )
    return Correction(person=person, event=event, downgraded=downgraded, notice=notice)


def dismissed_with(person_ids) -> set[frozenset]:
    """The pairs (as frozensets of two pks) declared "not the same person" among or around `person_ids`."""
    ids = list(person_ids)
    rows = IdentityEvent.objects.filter(
        Q(person_id__in=ids) | Q(other_person_id__in=ids), kind=IdentityEventKind.DUPLICATE_DISMISSED
    ).values_list("person_id", "other_person_id")
    return {frozenset(pair) for pair in rows}


@transaction.atomic
def person_duplicate_dismiss(*, actor, person: Person, other: Person, reason: str) -> IdentityEvent:
    """« Ce ne sont pas les mêmes personnes » : kept on both persons, so the pair is not proposed again."""
    reason = _reason_or_error(reason)
    if person.pk == other.pk:
        raise ValidationError("Choisissez deux fiches différentes.")
    if frozenset((person.pk, other.pk)) in dismissed_with([person.pk]):
        raise ValidationError("Ces deux fiches ont déjà été déclarées comme deux personnes différentes.")
    event = identity_event_add(
        actor=actor, person=person, kind=IdentityEventKind.DUPLICATE_DISMISSED, reason=reason, other=other
    )
    identity_event_add(
        actor=actor, person=other, kind=IdentityEventKind.DUPLICATE_DISMISSED, reason=reason, other=person
    )
    for subject in (person, other):
        access_log_record(
            actor=actor,
            action="update",
            obj=subject,
            subject=f"persons.person:{subject.pk}",
            ground=GROUND,
            detail=f"doublon écarté : fiches {person.pk} et {other.pk}",
        )
    return event


# --- Reads ----------------------------------------------------------------------------------------------------------
# The one place this half uses duplicate detection (relais.persons.duplicates / selectors, owned elsewhere).


def person_duplicates_undismissed(*, actor, person: Person, ground: str = GROUND):
    """``selectors.person_duplicates`` without the pairs declared different."""
    from .selectors import person_duplicates

    matches = person_duplicates(actor=actor, person=person, ground=ground)
    dismissed = dismissed_with([person.pk])
    return [m for m in matches if frozenset((person.pk, m.other.pk)) not in dismissed]


def duplicate_pairs_among(persons) -> list[tuple[Person, object]]:
    """Likely pairs among `persons` (live ones only), best first, without the pairs declared different.
    Each item is ``(person, match)`` with ``match.other``, ``match.score`` and ``match.reasons``."""
    from .duplicates import duplicate_pairs

    live = [p for p in persons if p.merged_into_id is None]
    dismissed = dismissed_with([p.pk for p in live])
    pairs = [(a, m) for a, m in duplicate_pairs(live) if frozenset((a.pk, m.other.pk)) not in dismissed]
    return sorted(pairs, key=lambda pair: (-pair[1].score, pair[0].pk, pair[1].other.pk))


def identity_history(person: Person):
    """The identity events of `person`, newest first, with the other person of a merge or a dismissal."""
    return list(IdentityEvent.objects.filter(person=person).select_related("other_person").order_by("-at", "-pk"))


def trait_label(name: str) -> str:
    return TRAIT_LABELS.get(name, name)
