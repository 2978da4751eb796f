"""The ROR's category of an organisational unit (TRE_R244-CategorieOrganisation, "type d'offre"), decision 0049.

The ROR sends it as HealthcareService.category (bound to JDV_J238-TypeOffre-ROR, a subset of TRE_R244); the SI-SDO
requires it on a unit-level status Task (input categorieOrganisation, JDV_J34, same code system; regle-StatutUnite).
The code list ships in ``reference/nos`` (provenance in ``reference/README.md``) and is read here, without the
database: it is a fixed national list, looked up by code, never edited in Relais.

A unit's category is the one the ROR sent (``Unit.organisation_category``); a unit the ROR never described takes the
default below, derived from its site's FINESS category, only where that category names one kind of offer. Nothing
else is guessed: the unit then has no category (decision 0049, "Gaps").
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from relais.offer.codes import CareMode, current_category

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Pure module (no Django settings): the repository's copy; RELAIS_REFERENCE_DIR moves the whole reference folder.
REFERENCE_DIR = Path(os.environ.get("RELAIS_REFERENCE_DIR", PROJECT_ROOT / "reference"))
REFERENCE_FILE = REFERENCE_DIR / "nos" / "ValueSet-JDV-J238-TypeOffre-ROR.json"

SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R244-CategorieOrganisation/FHIR/TRE-R244-CategorieOrganisation"
OID = "1.2.250.1.213.3.3.39"
ROR_VALUE_SET = "https://mos.esante.gouv.fr/NOS/JDV_J238-TypeOffre-ROR/FHIR/JDV-J238-TypeOffre-ROR"
SDO_VALUE_SET = (
    "https://mos.esante.gouv.fr/NOS/JDV_J34-CategorieOrganisation-ROR/FHIR/JDV-J34-CategorieOrganisation-ROR"
)

# FINESS category (Site.category, after current_category) -> TRE_R244 code, where the FINESS category *is* one kind of
# offer of the list: the same institution named in both (IME = "Institut médico-éducatif (IME)"...). Categories that
# cover several kinds or have no entry of their own (EHPA 501/502, autonomous day centres 207, CLIC 463, resource
# centres 461, temporary care for children 390, children's foyers 396) have none. The EHPAD's code 21 is "sans
# spécificité": an Alzheimer unit of an EHPAD is an UVP, a PASA or an UHR (24, 25, 23), which Relais cannot tell
# apart, so it has none (see default_category).
DEFAULT_BY_FINESS_CATEGORY: dict[str, str] = {
    "500": "21",  # EHPAD -> Accueil ou hébergement pour personnes âgées dépendantes, sans spécificité
    "202": "22",  # Résidence autonomie -> Accueil ou hébergement pour personnes âgées autonomes, sans spécificité
    "182": "57",  # SESSAD
    "183": "48",  # IME
    "186": "50",  # ITEP
    "188": "51",  # EEAP (établissement pour enfants ou adolescents polyhandicapés)
    "189": "62",  # CMPP
    "190": "61",  # CAMSP
    "192": "49",  # IEM
    "194": "52",  # Institut pour déficients visuels
    "195": "53",  # Institut pour déficients auditifs
    "196": "54",  # Institut d'éducation sensorielle sourds-aveugles -> Institut déficient Visuel et Auditif
    "221": "64",  # BAPU
    "238": "37",  # CAFS
    "402": "63",  # Jardin d'enfants spécialisé
    "198": "46",  # ESPO
    "246": "43",  # ESAT
    "249": "44",  # ESRP
    "255": "40",  # MAS
    "395": "256",  # Accueil temporaire pour adultes handicapés
    "448": "39",  # EAM (and FAM 437, replaced by 448) -> Foyer ou établissement d'accueil médicalisé
    "449": "41",  # EANM (and the foyers 252, 253, 382 it replaced)
    "445": "32",  # SAMSAH
    "446": "31",  # SAVS
    "354": "28",  # SSIAD
    "462": "67",  # Lieu de vie et d'accueil
    "464": "45",  # UEROS
    # Experimental establishments: the list's own "Dispositif expérimental".
    "370": "88",
    "377": "88",
    "379": "88",
    "381": "88",
    # Home services renamed by the 2022-2023 reform of home care (services autonomie à domicile): a SAAD is a
    # "SAD aide", a SPASAD a "SAD aide et soins"; the list names them so.
    "460": "30",
    "209": "132",
}


class CategoryListError(Exception):
    """The reference file of the categories was refused; the message names the file and the path."""


@cache
def categories() -> dict[str, str]:
    """{TRE_R244 code: label} of the ROR's list (JDV_J238), read once from the reference file."""
    path = REFERENCE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CategoryListError(f"{path} : illisible ({error}).") from error
    except json.JSONDecodeError as error:
        raise CategoryListError(f"{path}, ligne {error.lineno} : JSON invalide ({error.msg}).") from error
    return parse_value_set(data, str(path))


def parse_value_set(data: dict, where: str = "<ValueSet>") -> dict[str, str]:
    """{code: display} of the value set's TRE_R244 concepts; a clear error naming the path otherwise."""
    if not isinstance(data, dict) or data.get("resourceType") != "ValueSet":
        raise CategoryListError(f"{where} : resourceType : « ValueSet » attendu.")
    out: dict[str, str] = {}
    for i, include in enumerate(data.get("compose", {}).get("include", [])):
        if include.get("system") != SYSTEM:
            raise CategoryListError(f"{where} : compose.include[{i}].system : « {SYSTEM} » attendu.")
        for j, concept in enumerate(include.get("concept", [])):
            code, display = concept.get("code"), concept.get("display")
            if not code or not display:
                raise CategoryListError(f"{where} : compose.include[{i}].concept[{j}] : code et libellé requis.")
            if code in out:
                raise CategoryListError(f"{where} : compose.include[{i}].concept[{j}] : code « {code} » en double.")
            out[code] = display
    if not out:
        raise CategoryListError(f"{where} : compose.include : aucun concept.")
    return out


def label(code: str) -> str:
    """The French label of a code ("" for none or an unknown code)."""
    return categories().get(code, "") if code else ""


def default_category(finess_category: str | None, care_mode: str, alzheimer_unit: bool = False) -> str:
    """The category of a unit the ROR never described, from its site's FINESS category; "" when not evident."""
    if not finess_category:
        return ""
    code = DEFAULT_BY_FINESS_CATEGORY.get(current_category(finess_category), "")
    if code == "21" and alzheimer_unit:
        return ""  # UVP, PASA or UHR: not "sans spécificité", and Relais cannot tell which
    if code == "57" and care_mode != CareMode.HOME_SERVICES:
        return ""  # a SESSAD is a service at home: another care mode means the unit is something else
    return code


def unit_category(unit, site=None) -> str:
    """The unit's category: the ROR's, else the default; "" when neither. ``site``: the unit's, when already loaded
    (a request's site), so that no query is made for it."""
    if unit.organisation_category:
        return unit.organisation_category
    site = site or unit.site
    return default_category(site.category_id, unit.care_mode, unit.alzheimer_unit)


def coding(code: str) -> dict[str, str]:
    return {"system": SYSTEM, "code": code, "display": label(code)}
