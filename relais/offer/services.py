"""Writes of the offer directory shared by imports, the demo and the capacity screens."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .codes import MEDICO_SOCIAL_CATEGORIES, REPLACED_CATEGORIES
from .models import CapacityUpdate, Category, Site, Source, Unit
from .policy import can_update_capacity


@transaction.atomic
def category_ensure_reference() -> int:
    """Create or refresh the medico-social categories of codes.py; returns how many changed. Idempotent."""
    existing = {c.code: c for c in Category.objects.all()}
    changed = 0
    for code, (label, domain) in MEDICO_SOCIAL_CATEGORIES.items():
        category = existing.get(code)
        if category is None:
            existing[code] = Category.objects.create(code=code, label=label, domain=domain, is_medico_social=True)
            changed += 1
        elif (category.domain, category.is_medico_social) != (domain, True):
            category.domain, category.is_medico_social = domain, True
            category.save(update_fields=["domain", "is_medico_social"])
            changed += 1
    for old, new in REPLACED_CATEGORIES.items():
        category = existing[old]
        if category.replaced_by_id != new:
            category.replaced_by_id = new
            category.save(update_fields=["replaced_by"])
            changed += 1
    return changed


# --- Capacity updates by the ESMS (docs/decisions/0010-capacity-updates.md) ---------------------------

# The figures an ESMS keeps up to date, in the order they are checked and recorded. "authorised" is
# the authority's decision (FINESS, ROR), not the ESMS's: it is not editable here.
CAPACITY_FIGURES = ("installed", "available", "occupied", "reserved", "closed")
CAPACITY_LABELS = {
    "installed": "Places installées",
    "available": "Places disponibles",
    "occupied": "Places occupées",
    "reserved": "Places réservées",
    "closed": "Places fermées",
}
# A sanity bound (the largest services count a few thousand places), far below the column's limit.
CAPACITY_MAX = 100_000


def _capacity_validate(figures: dict[str, object]) -> None:
    errors: dict[str, str] = {}
    for name, value in figures.items():
        label = CAPACITY_LABELS[name]
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = f"{label} : un nombre entier est attendu."
        elif value < 0:
            errors[name] = f"{label} : le nombre ne peut pas être négatif."
        elif value > CAPACITY_MAX:
            errors[name] = f"{label} : {value} dépasse la limite de {CAPACITY_MAX} places."
    if errors:
        raise ValidationError(errors)
    installed = figures["installed"]
    if figures["available"] > installed:
        errors["available"] = (
            f"Places disponibles : {figures['available']} dépasse les places installées ({installed})."
            + (" Indiquez d'abord les places installées." if installed == 0 else "")
        )
    elif figures["available"] + figures["occupied"] + figures["reserved"] > installed:
        errors["available"] = (
            f"Places disponibles, occupées et réservées : leur total "
            f"({figures['available'] + figures['occupied'] + figures['reserved']}) dépasse les places "
            f"installées ({installed})."
        )
    if figures["closed"] > installed:
        errors["closed"] = f"Places fermées : {figures['closed']} dépasse les places installées ({installed})."
    if errors:
        raise ValidationError(errors)


def _unit_lock_for_update(actor, unit: Unit) -> Unit:
    """The unit's row, locked until the transaction ends, once the actor is known to be allowed."""
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    locked.site = Site.objects.select_related("legal_entity").get(pk=locked.site_id)
    if actor is None:
        return locked  # set-up code and imports mirror their source, closed entries included
    if not can_update_capacity(actor, locked.site):
        raise PermissionDenied("Vous ne pouvez pas mettre à jour la capacité de cet établissement.")
    if not (locked.site.is_open and locked.is_open):
        raise ValidationError("Cet établissement ou cette unité est fermé : sa capacité ne se met plus à jour.")
    return locked


@transaction.atomic
def unit_capacity_update(
    *,
    actor,
    unit: Unit,
    available: int | None = None,
    installed: int | None = None,
    occupied: int | None = None,
    reserved: int | None = None,
    closed: int | None = None,
    source: str = Source.RELAIS,
    at: datetime | None = None,
    by_label: str | None = None,
) -> Unit:
    """Set some capacity figures of a unit (None: unchanged) and date them, even when nothing changed.

    One CapacityUpdate per changed figure; when no figure changed, one "available" row with
    previous == value records the confirmation. actor None is for set-up code only (demo, imports);
    imports pass the date and author their source gives (`at`, `by_label`).
    """
    locked = _unit_lock_for_update(actor, unit)
    if source not in Source.values:
        raise ValidationError({"source": f"Source inconnue : « {source} »."})
    given = (installed, available, occupied, reserved, closed)  # the order of CAPACITY_FIGURES
    figures = {name: getattr(locked, name) for name in CAPACITY_FIGURES}
    figures.update({name: value for name, value in zip(CAPACITY_FIGURES, given, strict=True) if value is not None})
    _capacity_validate(figures)

    now = at or timezone.now()
    by = actor.user if actor is not None else None
    by_label = (by_label or (actor.public_label if actor is not None else "système"))[:300]
    changed = [name for name in CAPACITY_FIGURES if figures[name] != getattr(locked, name)]
    CapacityUpdate.objects.bulk_create(
        CapacityUpdate(
            unit=locked,
            status=name,
            value=figures[name],
            previous_value=getattr(locked, name),
            at=now,
            by=by,
            by_label=by_label,
            source=source,
        )
        for name in (changed or ["available"])
    )
    for name in changed:
        setattr(locked, name, figures[name])
    locked.capacity_updated_at = now
    locked.capacity_updated_by = by_label
    locked.save(update_fields=[*changed, "capacity_updated_at", "capacity_updated_by", "updated_at"])
    return locked


@dataclass(frozen=True)
class PlaceTaking:
    """What an admission does to a unit's declared figures: ``available`` and ``occupied`` after it."""

    available: int
    occupied: int
    # No place was declared free: the admission takes one freed since the unit's last figures (a departure not
    # declared yet), so the figures stay as they are; the screens say so and the admission team must accept it.
    undeclared: bool


def place_taking(unit: Unit) -> PlaceTaking:
    """The one rule for the place an admission takes (decisions 0010 and 0043).

    A place declared free moves to the occupied places (available − 1, occupied + 1: the total stays right). With
    none declared free, the admission is the departure not yet declared and the entry together: the freed place is
    taken at once, so free places stay at 0 and occupied places unchanged (− 1 + 1); only the figures' date moves
    (``unit_capacity_update`` dates unchanged figures: the admission team vouches for them). This replaces the
    detour "+1 on the capacity page, then admit", whose net effect is the same for a unit that counts its occupied
    places (for one that does not, occupied stays at 0, uncounted, where the detour made it 1).
    """
    if unit.available >= 1:
        return PlaceTaking(available=unit.available - 1, occupied=unit.occupied + 1, undeclared=False)
    return PlaceTaking(available=0, occupied=unit.occupied, undeclared=True)


@transaction.atomic
def unit_available_step(*, actor, unit: Unit, delta: int, source: str = Source.RELAIS) -> Unit:
    """One place more (+1) or less (−1) available, in one click.

    When the unit counts its occupied places (occupied > 0), the place moves between
    "available" and "occupied", so the total stays right: a departure frees an occupied place,
    an admission fills a free one.
    """
    if delta not in (-1, 1):
        raise ValidationError({"delta": "Le pas est de +1 ou −1 place."})
    current = _unit_lock_for_update(actor, unit)
    if current.available + delta < 0:
        raise ValidationError({"available": "Places disponibles : il n'y en a déjà plus aucune."})
    occupied = current.occupied - delta if current.occupied > 0 else None
    return unit_capacity_update(
        actor=actor, unit=current, available=current.available + delta, occupied=occupied, source=source
    )
