"""What HealthcareService and Location share: both are one Unit, with the id "unit-<pk>".

Their meta.lastUpdated is the later of the unit's and its site's updated_at (the resources
show the site's name, address and position), and `_lastUpdated` filters on the same value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest

from relais.fhir.http import base_url
from relais.fhir.registry import SearchParam
from relais.fhir.search import date_filter, parse_int_id, parse_reference, parse_token, split_or
from relais.fhir.strings import string_filter
from relais.offer.models import Unit

from . import codes as c
from .organization import FINESS_ID, NONE, ror_meta

UNIT_ID = re.compile(r"^unit-([0-9]{1,10})$")


# The search parameters both unit-based types share (common_unit_filter answers them).
COMMON_UNIT_PARAMS = [
    SearchParam("_id", "token", "Identifiant logique : « unit-<n> »."),
    SearchParam(
        "identifier",
        "token",
        "Identifiant national de l'offre (ROR, « valeur » ou « système|valeur »), ou identifiant Relais de l'unité "
        f"({c.UNIT_ID_SYSTEM}|<n>).",
    ),
    SearchParam("name", "string", "Début du nom de l'unité ; :contains, :exact.", modifiers=("contains", "exact")),
]


def unit_meta(unit: Unit, profile: str) -> dict[str, Any]:
    """meta of both: the ROR profile and dates, and ``source`` (this Relais's FHIR base), by which the ROR import
    knows a unit of its own export and finds it by its Relais id (decision 0049)."""
    return {**ror_meta(unit_last_updated(unit), profile), "source": base_url()}


def own_unit_pk(resource: dict[str, Any] | None) -> int | None:
    """The pk of the unit a HealthcareService or Location stands for, when this Relais served it (meta.source):
    Relais's own unit identifier, else its id « unit-<pk> ». None for anyone else's resource: another Relais's pks
    are not this one's."""
    resource = resource or {}
    if (resource.get("meta") or {}).get("source") != base_url():
        return None
    for ident in resource.get("identifier") or []:
        if ident.get("system") == c.UNIT_ID_SYSTEM and str(ident.get("value") or "").isdigit():
            return int(ident["value"])
    match = UNIT_ID.match(str(resource.get("id") or ""))
    return int(match.group(1)) if match else None


def unit_id(unit: Unit) -> str:
    return f"unit-{unit.pk}"


def parse_unit_id(value: str) -> int | None:
    match = UNIT_ID.match(value)
    return int(match.group(1)) if match else None


def unit_queryset() -> QuerySet[Unit]:
    return (
        Unit.objects.select_related("site__category", "site__commune", "site__legal_entity")
        .annotate(last_updated=Greatest("updated_at", "site__updated_at"))
        .order_by("site__name", "name", "pk")
    )


def unit_last_updated(unit: Unit):
    return getattr(unit, "last_updated", None) or unit.updated_at


def service_identifier(unit: Unit) -> dict[str, Any]:
    """HealthcareService.identifier (1..1, identifiantOffre): the unit's national ROR id when Relais knows it.

    A unit never registered in the ROR has none: it carries Relais's own id instead, marked `temp` (decision 0049,
    "Gaps") so that a partner does not take it for a national one.
    """
    if unit.ror_identifier:
        result: dict[str, Any] = {"use": "official"}
        if unit.ror_identifier_system:
            result["system"] = unit.ror_identifier_system
        result["value"] = unit.ror_identifier
        return result
    return {"use": "temp", "system": c.UNIT_ID_SYSTEM, "value": str(unit.pk)}


def location_identifiers(unit: Unit) -> list[dict[str, Any]]:
    """Location.identifier (0..*, open slicing on type): the ROR offer id (when known) and Relais's unit id."""
    identifiers = [service_identifier(unit)] if unit.ror_identifier else []
    return [*identifiers, {"use": "secondary", "system": c.UNIT_ID_SYSTEM, "value": str(unit.pk)}]


def site_reference(unit: Unit) -> dict[str, str]:
    return {"reference": f"Organization/{unit.site.finess}", "display": unit.site.name}


def _identifier_filter(value: str) -> Q:
    system, code = parse_token(value)
    if not code:
        return NONE
    pk = parse_int_id(code)
    by_pk = Q(pk=pk) if pk is not None else NONE
    if system is None:
        return by_pk | Q(ror_identifier=code) | Q(external_id=code)
    if system == c.UNIT_ID_SYSTEM:
        return by_pk
    if system == c.ROR_ID_SYSTEM:  # the secondary identifier sent before decision 0049
        return Q(external_id=code)
    return Q(ror_identifier=code, ror_identifier_system=system)


def reference_filter(value: str, type_name: str, field: str) -> Q:
    target = parse_reference(value, type_name) or ""
    if type_name == "Organization":
        return Q(site__finess=target) if FINESS_ID.match(target) else NONE
    pk = parse_unit_id(target)
    return Q(**{field: pk}) if pk is not None else NONE


def common_unit_filter(key: str, value: str) -> Q | None:
    """The parameters both types answer; None for the others."""
    name = key.partition(":")[0]
    if name == "_id":
        pk = parse_unit_id(value)
        return Q(pk=pk) if pk is not None else NONE
    if name == "identifier":
        return _identifier_filter(value)
    if name == "name":
        return string_filter(("name",), key, value)
    if name == "organization":
        return reference_filter(value, "Organization", "site")
    if name == "_lastUpdated":
        return date_filter("last_updated", key, value)
    return None


def search_units(
    params: dict[str, list[str]],
    offset: int,
    count: int,
    filter_for: Callable[[str, str], Q],
    to_resource: Callable[[Unit], dict[str, Any]],
):
    queryset = unit_queryset()
    for key, values in params.items():
        for alternatives in split_or(values):  # AND between repetitions
            condition = NONE
            for value in alternatives:  # OR inside one value
                condition |= filter_for(key, value)
            queryset = queryset.filter(condition)
    total = queryset.count()
    page = list(queryset[offset : offset + count]) if count else []
    return [to_resource(unit) for unit in page], total


def read_unit(resource_id: str, to_resource: Callable[[Unit], dict[str, Any]]) -> dict[str, Any] | None:
    pk = parse_unit_id(resource_id)
    unit = unit_queryset().filter(pk=pk).first() if pk is not None else None
    return to_resource(unit) if unit is not None else None
