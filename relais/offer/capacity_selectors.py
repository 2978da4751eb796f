"""Reads for the capacity screens: the units an actor may update, how old their figures are.

A figure is stale when its unit was never updated, or last updated longer ago than its site's
update frequency (Site.capacity_update_days; 0 is read as 1 day). Lists only hold open units
of open sites: a closed one has no free place to publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import CapacityUpdate, Site, Unit
from .policy import capacity_sites_filter, sees_capacity_author


def frequency_days(days: int) -> int:
    return max(days, 1)


def stale_filter(*, days_values, now: datetime, prefix: str = "") -> Q:
    """Units whose figures are stale, for the given set of site frequencies (one term per value).

    `prefix` reaches the unit from another model ("units__"). Written as one OR per frequency
    rather than date arithmetic in SQL, so SQLite and PostgreSQL read it the same way.
    """
    never = Q(**{f"{prefix}capacity_updated_at__isnull": True})
    older = [
        Q(
            **{
                f"{prefix}site__capacity_update_days": days,
                f"{prefix}capacity_updated_at__lt": now - timedelta(days=frequency_days(days)),
            }
        )
        for days in set(days_values)
    ]
    return reduce(or_, older, never)


def capacity_units_for(actor) -> QuerySet[Unit]:
    """Open units of the open sites the actor may update, by site then name; empty when none."""
    site_filter = capacity_sites_filter(actor)
    if site_filter is None:
        return Unit.objects.none()
    sites = Site.objects.filter(site_filter, is_open=True)
    return (
        Unit.objects.filter(site__in=sites, is_open=True)
        .select_related("site", "site__legal_entity", "site__category")
        .order_by("site__name", "site_id", "name", "pk")
    )


def stale_units_for(actor, *, now: datetime | None = None) -> QuerySet[Unit]:
    """The units of capacity_units_for(actor) whose figures are stale, oldest first."""
    now = now or timezone.now()
    units = capacity_units_for(actor)
    days_values = units.values_list("site__capacity_update_days", flat=True).distinct()
    return units.filter(stale_filter(days_values=list(days_values), now=now)).order_by(
        F("capacity_updated_at").asc(nulls_first=True), "site__name", "name"
    )


def capacity_unit_get(*, actor, pk: int) -> Unit:
    """A unit the actor may update; 404 otherwise, exactly as for a missing id."""
    unit = capacity_units_for(actor).filter(pk=pk).first()
    if unit is None:
        raise Http404("Unité introuvable.")
    return unit


def capacity_history(*, actor, unit: Unit, limit: int = 200) -> QuerySet[CapacityUpdate]:
    capacity_unit_get(actor=actor, pk=unit.pk)
    return unit.capacity_updates.select_related("by").order_by("-at", "-pk")[:limit]


# --- Age of the figures, in words --------------------------------------------------------------------


def capacity_age_label(updated_at: datetime | None, *, now: datetime | None = None) -> str:
    """ "mis à jour à l'instant", "… aujourd'hui à 9 h 05", "… hier", "… il y a 3 jours"; or never."""
    if updated_at is None:
        return "jamais mis à jour"
    now = now or timezone.now()
    if (now - updated_at).total_seconds() < 60:
        return "mis à jour à l'instant"
    local, today = timezone.localtime(updated_at), timezone.localtime(now).date()
    days = (today - local.date()).days
    if days <= 0:
        return f"mis à jour aujourd'hui à {local:%H} h {local:%M}"
    if days == 1:
        return "mis à jour hier"
    return f"mis à jour il y a {days} jours"


def fresh_since(days: int, *, now: datetime | None = None) -> datetime:
    """The oldest update still fresh for a site updating every `days` days: older figures are not counted as free
    places in public (they are shown "à confirmer auprès de l'établissement"); decision 0037."""
    return (now or timezone.now()) - timedelta(days=frequency_days(days))


def capacity_is_fresh(updated_at: datetime | None, days: int, *, now: datetime | None = None) -> bool:
    return updated_at is not None and updated_at >= fresh_since(days, now=now)


def capacity_is_stale(unit: Unit, *, now: datetime | None = None) -> bool:
    return not capacity_is_fresh(unit.capacity_updated_at, unit.site.capacity_update_days, now=now)


def capacity_annotate(units, *, now: datetime | None = None) -> list[Unit]:
    """Attach `capacity_age` and `capacity_stale` to each unit, as the controls fragment shows them."""
    now = now or timezone.now()
    units = list(units)
    for unit in units:
        unit.capacity_age = capacity_age_label(unit.capacity_updated_at, now=now)
        unit.capacity_stale = capacity_is_stale(unit, now=now)
    return units


def capacity_author_for(actor, units: list[Unit]) -> list[Unit]:
    """Who updated each unit's figures, as this audience may see it (decision 0032), in ``capacity_updated_by``.

    The stored label names a person ("Prénom Nom <e-mail>"); outside the organisations acting for the site it is
    replaced, on these in-memory instances only (never saved), by the establishment's name, so that neither the
    page nor its template context holds a staff member's name or e-mail.
    """
    for unit in units:
        if unit.capacity_updated_by and not sees_capacity_author(actor, unit.site):
            unit.capacity_updated_by = unit.site.name
    return units


@dataclass
class SiteCapacity:
    site: Site
    units: list[Unit] = field(default_factory=list)

    @property
    def stale_count(self) -> int:
        return sum(unit.capacity_stale for unit in self.units)


def _stale_first(unit: Unit) -> tuple:
    return (not unit.capacity_stale, unit.capacity_updated_at or datetime.min.replace(tzinfo=UTC))


def capacity_sites_for(actor, *, now: datetime | None = None) -> list[SiteCapacity]:
    """The units the actor may update grouped by site, stale first (units and sites alike)."""
    groups: dict[int, SiteCapacity] = {}
    for unit in capacity_annotate(capacity_units_for(actor), now=now):
        groups.setdefault(unit.site_id, SiteCapacity(site=unit.site)).units.append(unit)
    for group in groups.values():
        group.units.sort(key=_stale_first)
    return sorted(groups.values(), key=lambda g: (*_stale_first(g.units[0]), g.site.name))
