"""Legal entities (EJ) and sites (EG) of the directory as ROR-shaped Organization resources.

Their id is their FINESS number. The search filters here work on one model at a time;
organization_type.py chains them with the Relais organisations that have no
directory entry. Mapping tables: docs/decisions/0011-ror-fhir.md.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone

from relais.accounts.roles import OrganisationKind
from relais.fhir.search import date_filter, parse_boolean, parse_reference, parse_token
from relais.fhir.strings import string_filter
from relais.offer.models import LegalEntity, Site

from . import codes as c

FINESS_ID = re.compile(r"^[0-9][0-9AB][0-9]{7}$")
NONE = Q(pk__in=[])
ALL = Q(pk__isnull=False)  # not Q(): an empty Q disappears when OR-ed
_CHANNEL_SYSTEM = c.nos("TRE_R200-CanalCommunication")
_CONFIDENTIALITY_SYSTEM = c.nos("TRE_R283-NiveauConfidentialite")
_CHANNELS = {"phone": ("2", "Téléphone fixe"), "email": ("3", "Courrier électronique")}


def instant(value: datetime) -> str:
    """A FHIR instant in the server's time zone, e.g. 2024-05-02T10:00:00.123456+02:00."""
    return timezone.localtime(value).isoformat()


def identifier(system: str, value: str, type_code: str, type_display: str) -> dict[str, Any]:
    return {
        "use": "official",
        "type": {"coding": [{"system": c.IDENTIFIER_TYPE_SYSTEM, "code": type_code, "display": type_display}]},
        "system": system,
        "value": value,
    }


def creation_date(value: datetime) -> dict[str, Any]:
    """The ror-meta-creation-date extension (dateCreation of the ROR metadata), required on the three profiles."""
    return {"url": c.CREATION_DATE_EXTENSION, "valueDateTime": instant(value)}


def ror_meta(last_updated: datetime, profile: str) -> dict[str, Any]:
    return {"lastUpdated": instant(last_updated), "profile": [profile]}


def kind_type(organisation) -> dict[str, Any]:
    """The Relais organisation kind, as an Organization.type."""
    display = organisation.get_kind_display()
    return {"coding": [{"system": c.KIND_SYSTEM, "code": organisation.kind, "display": display}], "text": display}


def address(entry, *, latitude: float | None = None, longitude: float | None = None) -> dict[str, Any] | None:
    """The entry's address: line, city, postcode, INSEE code (FR Core extension), position (geolocation)."""
    result: dict[str, Any] = {}
    extensions = []
    if entry.commune_id:
        extensions.append(
            {
                "url": c.INSEE_EXTENSION,
                "valueCoding": {"system": c.COMMUNE_SYSTEM, "code": entry.commune_id, "display": entry.commune.name},
            }
        )
    if latitude is not None and longitude is not None:
        extensions.append(
            {
                "url": c.GEOLOCATION_EXTENSION,
                "extension": [
                    {"url": "latitude", "valueDecimal": latitude},
                    {"url": "longitude", "valueDecimal": longitude},
                ],
            }
        )
    if extensions:
        result["extension"] = extensions
    if entry.address_line:
        result["line"] = [entry.address_line]
    city = entry.city or (entry.commune.name if entry.commune_id else "")
    if city:
        result["city"] = city
    if entry.postal_code:
        result["postalCode"] = entry.postal_code
    if not result:
        return None
    result["country"] = "FR"
    return result


def telecom(system: str, value: str) -> dict[str, Any]:
    point: dict[str, Any] = {"system": system, "value": value}
    if system in _CHANNELS:
        point["extension"] = [
            {
                "url": c.ROR_SD + "ror-telecom-communication-channel",
                "valueCodeableConcept": c.concept(_CHANNEL_SYSTEM, _CHANNELS[system]),
            },
            {
                "url": c.ROR_SD + "ror-telecom-confidentiality-level",
                "valueCodeableConcept": c.concept(_CONFIDENTIALITY_SYSTEM, ("1", "Accès libre")),
            },
        ]
    return point


def _entry_resource(entry, org_type: str, types: list[dict[str, Any]], identifiers: list[dict[str, Any]]):
    last_updated = getattr(entry, "last_updated", None) or entry.updated_at
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": entry.finess,
        "meta": ror_meta(last_updated, c.ROR_ORGANIZATION_PROFILE),
        "extension": [creation_date(entry.created_at)],
    }
    if entry.opened_on or entry.closed_on:
        period = {}
        if entry.opened_on:
            period["start"] = entry.opened_on.isoformat()
        if entry.closed_on:
            period["end"] = entry.closed_on.isoformat()
        resource["extension"].append({"url": c.PERIOD_EXTENSION, "valuePeriod": period})
    id_nat_struct = c.ID_NAT_STRUCT_PREFIX_FINESS + entry.finess
    resource["identifier"] = [
        identifier(c.ID_NAT_STRUCT_SYSTEM, id_nat_struct, *c.ID_NAT_STRUCT_TYPE),  # slice idNatSt
        identifier(c.FINESS_SYSTEM, entry.finess, "1", "FINESS"),  # slice finess
        *identifiers,
    ]
    resource["active"] = entry.is_open
    org_type_coding = {"system": c.ORG_TYPE_SYSTEM, "code": org_type, "display": c.ORG_TYPE_DISPLAY[org_type]}
    resource["type"] = [{"coding": [org_type_coding]}, *types]
    if entry.organisation_id:
        resource["type"].append(kind_type(entry.organisation))
    resource["name"] = entry.name
    if entry.long_name and entry.long_name != entry.name:
        resource["alias"] = [entry.long_name]
    return resource


def legal_entity_resource(entity: LegalEntity) -> dict[str, Any]:
    types, identifiers = [], []
    if entity.legal_status:
        if entity.legal_status.isdigit():
            types.append({"coding": [{"system": c.LEGAL_STATUS_SYSTEM, "code": entity.legal_status}]})
        else:
            types.append({"text": entity.legal_status})
    if entity.siren:
        identifiers.append(identifier(c.SIRENE_SYSTEM, entity.siren, "2", "SIREN"))
    resource = _entry_resource(entity, c.LEGAL_ENTITY, types, identifiers)
    if entity.phone:
        resource["telecom"] = [telecom("phone", entity.phone)]
    if entry_address := address(entity):
        resource["address"] = [entry_address]
    return resource


def site_resource(site: Site) -> dict[str, Any]:
    types, identifiers = [], []
    if site.category_id:
        category = site.category
        types.append(
            {
                "coding": [{"system": c.CATEGORY_SYSTEM, "code": category.code, "display": category.label}],
                "text": category.label,
            }
        )
    if site.siret:
        identifiers.append(identifier(c.SIRENE_SYSTEM, site.siret, "3", "SIRET"))
    resource = _entry_resource(site, c.GEOGRAPHICAL_ENTITY, types, identifiers)
    # The website is not sent: ROROrganization requires a TRE_R200 channel on every telecom, and no channel code for
    # a website is known to Relais (decision 0049, "Gaps").
    points = [telecom(system, value) for system, value in (("phone", site.phone), ("email", site.email)) if value]
    if points:
        resource["telecom"] = points
    if site_address := address(site, latitude=site.latitude, longitude=site.longitude):
        resource["address"] = [site_address]
    resource["partOf"] = {"reference": f"Organization/{site.legal_entity.finess}", "display": site.legal_entity.name}
    return resource


# --- Search ------------------------------------------------------------------------------------


def legal_entity_queryset() -> QuerySet[LegalEntity]:
    return (
        LegalEntity.objects.select_related("commune", "organisation")
        .annotate(last_updated=F("updated_at"))
        .order_by("name", "pk")
    )


def site_queryset() -> QuerySet[Site]:
    return (
        Site.objects.select_related("commune", "category", "organisation", "legal_entity")
        .annotate(last_updated=Greatest("updated_at", "legal_entity__updated_at"))
        .order_by("name", "pk")
    )


def _type_filter(is_site: bool, value: str) -> Q:
    system, code = parse_token(value)
    if not code:
        return NONE
    org_type = c.ORG_TYPE_ALIASES.get(code)
    if org_type and system in (None, *c.ORG_TYPE_SYSTEMS):
        return ALL if (org_type == c.GEOGRAPHICAL_ENTITY) == is_site else NONE
    if system in (None, c.CATEGORY_SYSTEM) and code.isdigit():
        return Q(category_id=code) if is_site else NONE
    if system == c.LEGAL_STATUS_SYSTEM:
        return NONE if is_site else Q(legal_status=code)
    if system in (None, c.KIND_SYSTEM) and code in OrganisationKind.values:
        return Q(organisation__kind=code)
    return NONE


def _identifier_filter(is_site: bool, value: str) -> Q:
    system, code = parse_token(value)
    sirene = "siret" if is_site else "siren"
    if not code:
        return NONE
    if system is None:
        return Q(finess=code) | Q(**{sirene: code})
    kind, number = c.structure_number(system, code) or ("", "")
    if kind == "finess":
        return Q(finess=number)
    if kind == sirene:
        return Q(**{sirene: number})
    return NONE


def directory_filter(model, key: str, value: str) -> Q:
    """One value of one search parameter on LegalEntity or Site (see organization_search_params)."""
    name = key.partition(":")[0]
    is_site = model is Site
    if name == "_id":
        return Q(finess=value) if FINESS_ID.match(value) else NONE
    if name == "identifier":
        return _identifier_filter(is_site, value)
    if name == "name":
        return string_filter(("name", "long_name"), key, value)
    if name == "type":
        return _type_filter(is_site, value)
    if name == "active":
        return Q(is_open=parse_boolean(key, value))
    if name == "partof":
        target = parse_reference(value, "Organization") or ""
        return Q(legal_entity__finess=target) if is_site and FINESS_ID.match(target) else NONE
    if name == "address-postalcode":
        return Q(postal_code__startswith=value.strip())
    if name == "_lastUpdated":
        return date_filter("last_updated", key, value)
    raise AssertionError(f"unhandled Organization search parameter {key}")  # pragma: no cover
