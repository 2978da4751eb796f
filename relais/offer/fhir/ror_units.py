"""ROR HealthcareService (+ its Location) read into Unit field values and capacity figures.

The reverse of healthcare_service.py and location.py; see docs/decisions/0011-ror-fhir.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from relais.offer.codes import CareMode, Deficiency
from relais.offer.organisation_category import SYSTEM as CATEGORY_SYSTEM
from relais.offer.organisation_category import categories

from . import codes as c
from .ror_parse import codes, creation_date, extensions, fhir_datetime, sub_extensions

AGE_ANY_MAX = 120
GIR_CODES = {"1", "2", "3", "4", "5", "6"}


def _care_mode(characteristics: list[dict[str, Any]]) -> str | None:
    relais = [code for code in codes(characteristics, c.RELAIS_CARE_MODE_SYSTEM) if code in CareMode.values]
    if relais:
        return relais[0]
    temporary = c.TEMPORARY_RECEPTION[0] in codes(characteristics, c.RECEPTION_SYSTEM)
    for code in codes(characteristics, c.CARE_MODE_SYSTEM):
        if (code, temporary) in c.CARE_MODE_FROM_ROR:
            return c.CARE_MODE_FROM_ROR[(code, temporary)]
    return None


def _activity(service: dict[str, Any], care_mode: str) -> str:
    """Relais's wording of the activity: the specialty's text (what Relais sends), else the first coded display.

    The TRE_R211 activity Relais itself derives from the care mode (codes.ACTIVITIES) says no more than the care
    mode: it is not copied into the unit's own wording.
    """
    specialties = service.get("specialty") or []
    for specialty in specialties:
        if specialty.get("text"):
            return specialty["text"][:200]
    derived = c.ACTIVITIES.get(care_mode, ("", ""))[0]
    for specialty in specialties:
        for x in specialty.get("coding", []):
            if x.get("display") and not (x.get("system") == c.ACTIVITY_SYSTEM and x.get("code") == derived):
                return x["display"][:200]
    return ""


def _ror_identifier(service: dict[str, Any]) -> tuple[str, str]:
    """(value, system) of the national offer id; Relais's own ids (urn:relais:*) are not one."""
    for ident in service.get("identifier") or []:
        value, system = (ident.get("value") or "").strip(), (ident.get("system") or "").strip()
        if value and not system.startswith("urn:relais:") and len(value) <= 64 and len(system) <= 200:
            return value, system
    return "", ""


def _organisation_category(service: dict[str, Any]) -> str:
    """The TRE_R244 code of HealthcareService.category, when it is one of the ROR's list (JDV_J238); else ""."""
    for code in codes(service.get("category") or [], CATEGORY_SYSTEM):
        if code in categories():
            return code
    return ""


def authorised_capacity(location: dict[str, Any] | None) -> int | None:
    """Relais's own authorised-capacity extension (FINESS authorisation; not a ROR status), when sent."""
    for extension in extensions(location or {}, c.AUTHORISED_CAPACITY_EXTENSION):
        if isinstance(extension.get("valueInteger"), int) and extension["valueInteger"] >= 0:
            return extension["valueInteger"]
    return None


def _ages(service: dict[str, Any]) -> tuple[int | None, int | None]:
    for extension in extensions(service, c.PATIENT_TYPE_EXTENSION):
        age_range = (sub_extensions(extension).get("ageRange") or {}).get("valueRange") or {}
        low = (age_range.get("low") or {}).get("value")
        high = (age_range.get("high") or {}).get("value")
        low = int(low) if low is not None and low > 0 else None
        high = int(high) if high is not None and high < AGE_ANY_MAX else None
        return low, high
    return None, None


def _eligibility(service: dict[str, Any]) -> list[str]:
    communes = []
    for extension in extensions(service, c.TERRITORIAL_DIVISION_EXTENSION):
        parts = sub_extensions(extension)
        kind = codes((parts.get("typeTerritorialDivision") or {}).get("valueCodeableConcept"), c.DIVISION_TYPE_SYSTEM)
        if kind and kind[0] != c.DIVISION_COMMUNE[0]:
            continue
        concept = (parts.get("codeTerritorialDivision") or {}).get("valueCodeableConcept")
        for code in codes(concept, c.COMMUNE_SYSTEMS):
            if len(code) == 5 and code not in communes:
                communes.append(code)
    return communes


def unit_values(service: dict[str, Any], location: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
    """Unit field values, and "" or the reason the service cannot become a unit."""
    characteristics = service.get("characteristic") or []
    care_mode = _care_mode(characteristics)
    if care_mode is None:
        found = ", ".join(codes(characteristics, c.CARE_MODE_SYSTEM)) or "aucun"
        return {}, f"mode de prise en charge non reconnu (TRE_R213 : {found})"
    age_min, age_max = _ages(service)
    if age_min is not None and age_max is not None and age_min > age_max:
        return {}, f"tranche d'âge incohérente ({age_min} > {age_max})"
    girs = sorted(int(code) for code in codes(characteristics, c.RELAIS_GIR_SYSTEM) if code in GIR_CODES)
    name = (service.get("name") or (location or {}).get("name") or "").strip()
    if not name:
        return {}, "offre sans nom"
    values: dict[str, Any] = {
        "name": name[:200],
        "activity": _activity(service, care_mode),
        "care_mode": care_mode,
        "age_min": age_min,
        "age_max": age_max,
        "deficiencies": [
            code for code in codes(characteristics, c.RELAIS_DEFICIENCY_SYSTEM) if code in Deficiency.values
        ],
        "gir_min": girs[0] if girs else None,
        "gir_max": girs[-1] if girs else None,
        "alzheimer_unit": c.ALZHEIMER_UNIT in codes(characteristics, c.RELAIS_FEATURE_SYSTEM),
        "eligibility_zone": _eligibility(service),
        "is_open": service.get("active", True) is not False and (location or {}).get("status") != "inactive",
    }
    ror_identifier, ror_identifier_system = _ror_identifier(service)
    if ror_identifier:  # a missing identifier never blanks the one the unit has
        values.update(ror_identifier=ror_identifier, ror_identifier_system=ror_identifier_system)
    if category := _organisation_category(service):  # an absent or unknown one never blanks the unit's
        values["organisation_category"] = category
    if created := creation_date(service):
        values["created_at"] = created
    return values, ""


def capacity_values(location: dict[str, Any] | None) -> tuple[dict[str, int], datetime | None]:
    """Current figures by Unit field (entries of one status summed, e.g. per gender) and their latest date.

    Statuses without a Relais figure (06 extra), crisis or extra-bed entries and other
    temporalities than "current" are left out.
    """
    totals: dict[str, int] = {}
    dates = []
    for extension in extensions(location or {}, c.CAPACITY_EXTENSION):
        parts = sub_extensions(extension)
        status = codes((parts.get("capacityStatus") or {}).get("valueCodeableConcept"), c.CAPACITY_STATUS_SYSTEM)
        field = c.CAPACITY_FIELD_BY_CODE.get(status[0]) if status else None
        temporality = codes((parts.get("temporalityCapacity") or {}).get("valueCodeableConcept"), c.TEMPORALITY_SYSTEM)
        number = (parts.get("nbCapacity") or {}).get("valueInteger")
        if field is None or number is None or (temporality and temporality[0] != c.CURRENT[0]):
            continue
        if "crisisType" in parts or "additionalBedType" in parts:
            continue
        totals[field] = totals.get(field, 0) + max(int(number), 0)
        if moment := fhir_datetime((parts.get("capacityUpdateDate") or {}).get("valueDateTime")):
            dates.append(moment)
    return totals, max(dates) if dates else None
