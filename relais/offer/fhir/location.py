"""Location: one per Unit (id "unit-<pk>"), shaped like RORLocation, with the ROR capacity extension.

Each known capacity figure is one `ror-location-supported-capacity` extension: capacity type
(bed for accommodation, place otherwise), status (TRE_R330: 01 installed, 02 available,
03 occupied, 04 reserved, 05 closed), temporality "current", the number, the source, and
capacityUpdateDate. Figures are "known" once the unit's capacity has been updated
(capacity_updated_at, the date of all five); before that, only a non-zero installed figure is
sent, dated by the unit's updated_at. The authorised capacity is not a ROR status: it travels in
Relais's own extension urn:relais:extension:authorised-capacity. Position, address and
managingOrganization come from the site. Tables: docs/decisions/0011-ror-fhir.md.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from relais.fhir.registry import SearchParam
from relais.offer.models import Unit

from . import codes as c
from .healthcare_service import healthcare_service_resource
from .organization import address, creation_date, instant
from .units import (
    COMMON_UNIT_PARAMS,
    common_unit_filter,
    location_identifiers,
    parse_unit_id,
    site_reference,
    unit_id,
    unit_meta,
    unit_queryset,
)

SEARCH_PARAMS = [
    *COMMON_UNIT_PARAMS,
    SearchParam("address-postalcode", "string", "Début du code postal de l'établissement."),
    SearchParam("organization", "reference", "Établissement gestionnaire du lieu : « Organization/<FINESS> »."),
    SearchParam(
        "_lastUpdated", "date", "Date de dernière mise à jour (unité ou établissement), préfixes gt, ge, lt, le…"
    ),
]


def _capacity(unit: Unit, field: str, code: str, at) -> dict[str, Any]:
    kind = c.BED if unit.care_mode in c.ACCOMMODATION_MODES else c.PLACE
    status = (code, c.CAPACITY_STATUS_DISPLAY[code])
    return {
        "url": c.CAPACITY_EXTENSION,
        "extension": [
            {"url": "nbCapacity", "valueInteger": getattr(unit, field)},
            {"url": "capacityUpdateDate", "valueDateTime": instant(at)},
            {"url": "capacityStatus", "valueCodeableConcept": c.concept(c.CAPACITY_STATUS_SYSTEM, status)},
            {"url": "capacityType", "valueCodeableConcept": c.concept(c.CAPACITY_TYPE_SYSTEM, kind)},
            {"url": "temporalityCapacity", "valueCodeableConcept": c.concept(c.TEMPORALITY_SYSTEM, c.CURRENT)},
            {"url": "capacitySourceType", "valueCodeableConcept": c.concept(c.CAPACITY_SOURCE_SYSTEM, c.MANUAL_ENTRY)},
            {
                "url": "temporaryAssignement",
                "valueCodeableConcept": c.concept(c.TEMPORARY_ASSIGNMENT_SYSTEM, c.NO_ASSIGNMENT),
            },
        ],
    }


def capacity_extensions(unit: Unit) -> list[dict[str, Any]]:
    if unit.capacity_updated_at is not None:
        figures = [_capacity(unit, field, code, unit.capacity_updated_at) for field, code in c.CAPACITY_FIELDS.items()]
    elif unit.installed:
        figures = [_capacity(unit, "installed", c.CAPACITY_FIELDS["installed"], unit.updated_at)]
    else:
        figures = []
    if unit.authorised:
        figures.append({"url": c.AUTHORISED_CAPACITY_EXTENSION, "valueInteger": unit.authorised})
    return figures


def location_resource(unit: Unit) -> dict[str, Any]:
    site = unit.site
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": unit_id(unit),
        "meta": unit_meta(unit, c.ROR_LOCATION_PROFILE),
    }
    extensions = [creation_date(unit.created_at)]
    if site.commune_id:  # ror-commune-cog is 1..1: a site without an INSEE commune misses it (decision 0049)
        commune = {"system": c.COMMUNE_SYSTEM, "code": site.commune_id, "display": site.commune.name}
        extensions.append({"url": c.COMMUNE_COG_EXTENSION, "valueCodeableConcept": {"coding": [commune]}})
    extensions += capacity_extensions(unit)
    resource["extension"] = extensions
    resource["identifier"] = location_identifiers(unit)
    resource["status"] = "active" if unit.is_open and site.is_open else "inactive"
    resource["name"] = unit.name
    if unit.care_mode in c.ACCOMMODATION_MODES:
        resource["type"] = [c.concept(c.LOCATION_FUNCTION_SYSTEM, c.ACCOMMODATION_FUNCTION)]
    site_address = address(site)
    if site_address:
        site_address.pop("extension", None)  # the commune is the ror-commune-cog extension above
        if len(site_address) > 1:  # more than the country
            resource["address"] = site_address
    if site.has_coordinates:
        resource["position"] = {"longitude": site.longitude, "latitude": site.latitude}
    resource["managingOrganization"] = site_reference(unit)
    return resource


def location_filter(key: str, value: str) -> Q:
    condition = common_unit_filter(key, value)
    if condition is not None:
        return condition
    if key.partition(":")[0] == "address-postalcode":
        return Q(site__postal_code__startswith=value.strip())
    raise AssertionError(f"unhandled Location search parameter {key}")  # pragma: no cover


def services_at_locations(actor, locations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """_revinclude=HealthcareService:location: the service of each unit on the page."""
    pks = [pk for pk in (parse_unit_id(location["id"]) for location in locations) if pk is not None]
    return [healthcare_service_resource(unit) for unit in unit_queryset().filter(pk__in=pks)]
