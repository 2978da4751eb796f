"""ROR Organizations (validated dicts) read into LegalEntity / Site field values, and shared readers.

The reverse of organization.py; services and capacities are read in ror_units.py.
Only what a resource carries is returned (a missing element is "no information", never "blank
it"). Tables: docs/decisions/0011-ror-fhir.md.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from . import codes as c
from .organization import FINESS_ID

EJ, EG, OI = "EJ", "EG", "OI"
RELAIS = "RELAIS"  # a Relais organisation outside the directory (ARS, MDPH...), as Relais serves them: not an entry


def codes(concepts: list[dict[str, Any]] | dict[str, Any] | None, systems: set[str] | str) -> list[str]:
    """The codes of some CodeableConcepts in the given system(s)."""
    systems = {systems} if isinstance(systems, str) else systems
    concepts = [concepts] if isinstance(concepts, dict) else concepts or []
    return [
        x["code"]
        for concept in concepts
        for x in concept.get("coding", [])
        if x.get("system") in systems and x.get("code")
    ]


def extensions(element: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [e for e in element.get("extension") or [] if e.get("url") == url]


def sub_extensions(extension: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["url"]: e for e in extension.get("extension") or []}


def fhir_datetime(value: str | None) -> datetime | None:
    """A FHIR dateTime (any precision) as an aware datetime; a bare date is midnight, server time."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value) or (parse_date(value + "-01") if len(value) == 7 else None)
        if day is None:
            return None
        parsed = datetime.combine(day, time())
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def fhir_date(value: str | None) -> date | None:
    moment = fhir_datetime(value)
    return timezone.localdate(moment) if moment else None


def creation_date(resource: dict[str, Any]) -> datetime | None:
    """The ROR's dateCreation (ror-meta-creation-date), on Organization, HealthcareService and Location."""
    for extension in extensions(resource, c.CREATION_DATE_EXTENSION):
        if moment := fhir_datetime(extension.get("valueDateTime")):
            return moment
    return None


# --- Organization ----------------------------------------------------------------------------


def _identifier_type(ident: dict[str, Any]) -> set[str]:
    return set(codes(ident.get("type"), c.IDENTIFIER_TYPE_SYSTEM))


def finess_of(org: dict[str, Any]) -> str | None:
    """The FINESS number: any form ``codes.structure_number`` reads (a FINESS system, the idNatSt "1" + FINESS), or
    an identifier typed FINESS (TRE_G07 1) in another system."""
    for ident in org.get("identifier") or []:
        value = (ident.get("value") or "").strip()
        kind, number = c.structure_number(ident.get("system"), value) or ("", "")
        if not kind and "1" in _identifier_type(ident):
            kind, number = "finess", value
        if kind == "finess" and FINESS_ID.match(number):
            return number
    return None


def sirene_of(org: dict[str, Any], type_code: str, length: int) -> str | None:
    for ident in org.get("identifier") or []:
        value = (ident.get("value") or "").strip()
        types = _identifier_type(ident)
        right_type = type_code in types or not types
        if ident.get("system") in c.SIRENE_SYSTEMS and len(value) == length and value.isdigit() and right_type:
            return value
    return None


def kind_of(org: dict[str, Any]) -> str:
    """EJ, EG, OI (an internal organisation) or RELAIS (a Relais organisation outside it): the last two not held."""
    types = org.get("type") or []
    org_types = codes(types, c.ORG_TYPE_SYSTEMS)
    if not org_types and codes(types, c.KIND_SYSTEM):
        return RELAIS
    if c.GEOGRAPHICAL_ENTITY in org_types:
        return EG
    if c.LEGAL_ENTITY in org_types:
        return EJ
    internal = codes(types, c.INTERNAL_ORG_SYSTEMS) or any(
        i.get("system") in c.INTERNAL_ORG_SYSTEMS for i in org.get("identifier") or []
    )
    if internal or (finess_of(org) is None and org.get("partOf")):
        return OI
    return EG if codes(types, c.CATEGORY_SYSTEM) or org.get("partOf") else EJ


def _telecom(org: dict[str, Any], system: str) -> str:
    points = list(org.get("telecom") or [])
    for contact in org.get("contact") or []:
        points += contact.get("telecom") or []
    return next((p["value"].strip() for p in points if p.get("system") == system and p.get("value")), "")


def address_values(org: dict[str, Any]) -> dict[str, Any]:
    addresses = org.get("address") or []
    if isinstance(addresses, dict):  # Location.address is one Address
        addresses = [addresses]
    if not addresses:
        return {}
    address = addresses[0]
    values: dict[str, Any] = {}
    if address.get("line"):
        values["address_line"] = ", ".join(line for line in address["line"] if line)[:300]
    if address.get("postalCode"):
        values["postal_code"] = address["postalCode"].strip()[:5]
    if address.get("city"):
        values["city"] = address["city"].strip()[:100]
    insee = extensions(address, c.INSEE_EXTENSION) + extensions(address.get("_city") or {}, c.INSEE_EXTENSION)
    for extension in insee:
        coding = extension.get("valueCoding") or {}
        if coding.get("code"):
            values["commune_id"] = coding["code"]
            break
    for extension in extensions(address, c.GEOLOCATION_EXTENSION):
        parts = sub_extensions(extension)
        if "latitude" in parts and "longitude" in parts:
            values["latitude"] = float(parts["latitude"]["valueDecimal"])
            values["longitude"] = float(parts["longitude"]["valueDecimal"])
    return values


def organization_values(org: dict[str, Any], kind: str) -> dict[str, Any]:
    """LegalEntity (kind EJ) or Site (EG) field values; category_id is a FINESS category code."""
    values: dict[str, Any] = address_values(org)
    if created := creation_date(org):
        values["created_at"] = created
    if org.get("name"):
        values["name"] = org["name"].strip()[:200]
    aliases = [alias for alias in org.get("alias") or [] if alias and alias != org.get("name")]
    if aliases:
        values["long_name"] = aliases[0].strip()[:300]
    if "active" in org:
        values["is_open"] = bool(org["active"])
    for extension in extensions(org, c.PERIOD_EXTENSION):
        period = extension.get("valuePeriod") or {}
        if period.get("start"):
            values["opened_on"] = fhir_date(period["start"])
        if period.get("end"):
            values["closed_on"] = fhir_date(period["end"])
    phone = _telecom(org, "phone")
    if phone and len(phone) <= 20:
        values["phone"] = phone
    if kind == EJ:
        values.pop("latitude", None)
        values.pop("longitude", None)
        if siren := sirene_of(org, "2", 9):
            values["siren"] = siren
        if statuses := codes(org.get("type"), c.LEGAL_STATUS_SYSTEM):
            values["legal_status"] = statuses[0][:120]
    else:
        if siret := sirene_of(org, "3", 14):
            values["siret"] = siret
        if categories := codes(org.get("type"), c.CATEGORY_SYSTEM):
            values["category_id"] = categories[0][:4]
        if email := _telecom(org, "email"):
            values["email"] = email[:254]
        if (website := _telecom(org, "url")) and len(website) <= 200:
            values["website"] = website
    return values


def category_display(org: dict[str, Any], code: str) -> str:
    for concept in org.get("type") or []:
        for x in concept.get("coding", []):
            if x.get("system") == c.CATEGORY_SYSTEM and x.get("code") == code:
                return (x.get("display") or concept.get("text") or code)[:200]
    return code


def position(location: dict[str, Any] | None) -> tuple[float, float] | None:
    place = (location or {}).get("position") or {}
    if place.get("latitude") is None or place.get("longitude") is None:
        return None
    return float(place["latitude"]), float(place["longitude"])
