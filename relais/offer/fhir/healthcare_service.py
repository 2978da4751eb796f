"""HealthcareService: one per Unit, shaped like RORHealthcareService (the offer of a site).

providedBy is the site (Organization/<FINESS>), location the unit's Location (same id).
The care mode is coded in TRE_R213 with Relais's finer code next to it (urn:relais:care-mode);
publics are the ROR patient-type extension (age range), the eligibility zone the ROR
territorial-division extension (one per commune). Tables: docs/decisions/0011-ror-fhir.md.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from relais.fhir.registry import SearchParam
from relais.fhir.search import parse_boolean, parse_token
from relais.offer.codes import CareMode, Deficiency, Domain
from relais.offer.models import Unit
from relais.offer.organisation_category import coding as category_coding
from relais.offer.organisation_category import unit_category

from . import codes as c
from .organization import NONE, creation_date
from .units import (
    COMMON_UNIT_PARAMS,
    common_unit_filter,
    reference_filter,
    service_identifier,
    site_reference,
    unit_id,
    unit_meta,
)

AGE_MIN, AGE_MAX = 0, 120  # the ROR's "any age" (ageRange low and high are required)

SEARCH_PARAMS = [
    *COMMON_UNIT_PARAMS,
    SearchParam("organization", "reference", "Établissement qui porte l'offre : « Organization/<FINESS> »."),
    SearchParam("location", "reference", "Lieu de l'offre : « Location/unit-<n> »."),
    SearchParam("active", "token", "true ou false (unité ou établissement fermés : false)."),
    SearchParam("service-type", "token", f"Champ d'activité : « {c.ACTIVITY_FIELD_SYSTEM}|04 » (médico-social)."),
    SearchParam(
        "characteristic",
        "token",
        f"Mode de prise en charge : code {c.CARE_MODE_SYSTEM} (46, 47, 48, 49) ou {c.RELAIS_CARE_MODE_SYSTEM}.",
    ),
    SearchParam(
        "_lastUpdated", "date", "Date de dernière mise à jour (unité ou établissement), préfixes gt, ge, lt, le…"
    ),
]


def _care_mode_characteristics(unit: Unit) -> list[dict[str, Any]]:
    (code, display), temporary = c.CARE_MODES[unit.care_mode]
    label = unit.get_care_mode_display()
    result = [
        {
            "coding": [
                {"system": c.CARE_MODE_SYSTEM, "code": code, "display": display},
                {"system": c.RELAIS_CARE_MODE_SYSTEM, "code": unit.care_mode, "display": label},
            ],
            "text": label,
        }
    ]
    if temporary:
        result.append(c.concept(c.RECEPTION_SYSTEM, c.TEMPORARY_RECEPTION))
    return result


def _public_characteristics(unit: Unit) -> list[dict[str, Any]]:
    labels = dict(Deficiency.choices)
    result = [
        {"coding": [{"system": c.RELAIS_DEFICIENCY_SYSTEM, "code": code, "display": labels[code]}]}
        for code in unit.deficiencies
        if code in labels
    ]
    if unit.gir_min is not None or unit.gir_max is not None:
        for gir in range(unit.gir_min or 1, (unit.gir_max or 6) + 1):
            result.append({"coding": [{"system": c.RELAIS_GIR_SYSTEM, "code": str(gir), "display": f"GIR {gir}"}]})
    if unit.alzheimer_unit:
        feature = {"system": c.RELAIS_FEATURE_SYSTEM, "code": c.ALZHEIMER_UNIT, "display": "Unité Alzheimer"}
        result.append({"coding": [feature]})
    return result


def _extensions(unit: Unit) -> list[dict[str, Any]]:
    low = AGE_MIN if unit.age_min is None else unit.age_min
    high = AGE_MAX if unit.age_max is None else unit.age_max
    patient: list[dict[str, Any]] = [
        {"url": "ageRange", "valueRange": {"low": {"value": low}, "high": {"value": high}}}
    ]
    if unit.site.category_id and unit.site.category.domain == Domain.OLDER_PEOPLE:
        patient.append(
            {"url": "supportedPatientInfo", "valueCodeableConcept": c.concept(c.PUBLIC_SYSTEM, c.OLDER_PEOPLE_PUBLIC)}
        )
    extensions = [
        creation_date(unit.created_at),
        {"url": c.SENSITIVE_UNIT_EXTENSION, "valueBoolean": False},
        {"url": c.PATIENT_TYPE_EXTENSION, "extension": patient},
    ]
    for insee in unit.eligibility_zone:
        extensions.append(
            {
                "url": c.TERRITORIAL_DIVISION_EXTENSION,
                "extension": [
                    {
                        "url": "typeTerritorialDivision",
                        "valueCodeableConcept": c.concept(c.DIVISION_TYPE_SYSTEM, c.DIVISION_COMMUNE),
                    },
                    {
                        "url": "codeTerritorialDivision",
                        "valueCodeableConcept": {"coding": [{"system": c.COMMUNE_SYSTEM, "code": str(insee)}]},
                    },
                ],
            }
        )
    return extensions


def _specialty(unit: Unit) -> list[dict[str, Any]]:
    """specialty[operationalActivity] (TRE_R211, from the care mode); Relais's own wording travels as its text."""
    activity = c.ACTIVITIES.get(unit.care_mode)
    if activity is None:
        return [{"text": unit.activity}] if unit.activity else []  # no code known: decision 0049, "Gaps"
    concept = c.concept(c.ACTIVITY_SYSTEM, activity)
    if unit.activity:
        concept["text"] = unit.activity
    return [concept]


def healthcare_service_resource(unit: Unit) -> dict[str, Any]:
    site = unit.site
    resource: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": unit_id(unit),
        "meta": unit_meta(unit, c.ROR_HEALTHCARE_SERVICE_PROFILE),
        "extension": _extensions(unit),
        "identifier": [service_identifier(unit)],  # 1..1: the ROR's identifiantOffre
        "active": unit.is_open and site.is_open,
        "providedBy": site_reference(unit),
    }
    if category := unit_category(unit):  # 0..1, TRE_R244 (JDV_J238): the ROR's, else the FINESS default (0049)
        resource["category"] = [{"coding": [category_coding(category)]}]
    # champActivite 1..1: every Relais care mode is a medico-social one (TRE_R213 46-49), whatever the site.
    resource["type"] = [c.concept(c.ACTIVITY_FIELD_SYSTEM, c.MEDICO_SOCIAL_FIELD)]
    if specialty := _specialty(unit):
        resource["specialty"] = specialty
    resource["location"] = [{"reference": f"Location/{unit_id(unit)}", "display": unit.name}]
    resource["name"] = unit.name
    resource["characteristic"] = _care_mode_characteristics(unit) + _public_characteristics(unit)
    return resource


def _characteristic_filter(value: str) -> Q:
    system, code = parse_token(value)
    modes = []
    if system in (None, c.CARE_MODE_SYSTEM):
        modes += [mode for mode, ((ror_code, _), _) in c.CARE_MODES.items() if ror_code == code]
    if system in (None, c.RELAIS_CARE_MODE_SYSTEM) and code in CareMode.values:
        modes.append(code)
    return Q(care_mode__in=modes) if modes else NONE


def healthcare_service_filter(key: str, value: str) -> Q:
    condition = common_unit_filter(key, value)
    if condition is not None:
        return condition
    name = key.partition(":")[0]
    if name == "location":
        return reference_filter(value, "Location", "pk")
    if name == "active":
        open_ = Q(is_open=True, site__is_open=True)
        return open_ if parse_boolean(key, value) else ~open_
    if name == "service-type":
        system, code = parse_token(value)
        medico_social = system in (None, c.ACTIVITY_FIELD_SYSTEM) and code == c.MEDICO_SOCIAL_FIELD[0]
        return Q(pk__isnull=False) if medico_social else NONE  # every unit is medico-social (see type above)
    if name == "characteristic":
        return _characteristic_filter(value)
    raise AssertionError(f"unhandled HealthcareService search parameter {key}")  # pragma: no cover
