"""Organization, from relais.accounts Organisation, shaped like the ROR's (Répertoire opérationnel des ressources).

Organisations are not personal data: read and search are public. Identifiers
use the systems of the ROR examples (FINESS https://finess.esante.gouv.fr,
SIRET https://sirene.fr), typed with the NOS table TRE-G07; `type` carries
our organisation kind in the code system urn:relais:organisation-kind.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from django.db.models import Q, QuerySet

from relais.accounts.models import Organisation
from relais.accounts.roles import OrganisationKind

from ..errors import bad_param
from ..registry import SearchParam, register
from ..search import parse_int_id, parse_reference, parse_token, split_or

FINESS_SYSTEM = "https://finess.esante.gouv.fr"
SIRET_SYSTEM = "https://sirene.fr"
KIND_SYSTEM = "urn:relais:organisation-kind"
IDENTIFIER_TYPE_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_G07-TypeIdentifiantStructure/FHIR/TRE-G07-TypeIdentifiantStructure"
)
MAX_NAME_LENGTH = 100

SEARCH_PARAMS = [
    SearchParam("_id", "token", "Identifiant logique de la ressource."),
    SearchParam(
        "identifier",
        "token",
        f"Numéro FINESS ou SIRET : « valeur » ou « système|valeur » ({FINESS_SYSTEM}, {SIRET_SYSTEM}).",
    ),
    SearchParam(
        "name",
        "string",
        "Début du nom, sans tenir compte de la casse ni des accents ; :contains pour une partie du nom, "
        ":exact pour le nom exact.",
        modifiers=("contains", "exact"),
    ),
    SearchParam("type", "token", f"Type d'organisation : « code » ou « {KIND_SYSTEM}|code »."),
    SearchParam("active", "token", "true ou false."),
    SearchParam("partof", "reference", "Organisation de rattachement : « Organization/id »."),
]


def _identifier(system: str, value: str, type_code: str, type_display: str) -> dict[str, Any]:
    return {
        "use": "official",
        "type": {"coding": [{"system": IDENTIFIER_TYPE_SYSTEM, "code": type_code, "display": type_display}]},
        "system": system,
        "value": value,
    }


def organization_resource(organisation: Organisation) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Organization", "id": str(organisation.pk)}
    identifiers = []
    if organisation.finess:
        identifiers.append(_identifier(FINESS_SYSTEM, organisation.finess, "1", "FINESS"))
    if organisation.siret:
        identifiers.append(_identifier(SIRET_SYSTEM, organisation.siret, "3", "SIRET"))
    if identifiers:
        resource["identifier"] = identifiers
    resource["active"] = organisation.is_active
    resource["type"] = [
        {
            "coding": [{"system": KIND_SYSTEM, "code": organisation.kind, "display": organisation.get_kind_display()}],
            "text": organisation.get_kind_display(),
        }
    ]
    resource["name"] = organisation.name
    if organisation.commune_id:
        address: dict[str, Any] = {"city": organisation.commune.name, "country": "FR"}
        if organisation.departement_id:
            address["district"] = organisation.departement.name
        resource["address"] = [address]
    if organisation.parent_id:
        resource["partOf"] = {
            "reference": f"Organization/{organisation.parent_id}",
            "display": organisation.parent.name,
        }
    return resource


def _queryset() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("parent", "commune", "departement").order_by("name", "pk")


def read_organization(actor, resource_id: str) -> dict[str, Any] | None:
    pk = parse_int_id(resource_id)
    if pk is None:
        return None
    organisation = _queryset().filter(pk=pk).first()
    return organization_resource(organisation) if organisation else None


# --- Search -----------------------------------------------------------------------------------

_FOLD = {"’": "'", "‘": "'"}


def _fold(text: str) -> str:
    text = "".join(_FOLD.get(char, char) for char in text.lower())
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@cache
def _accent_class(char: str) -> str:
    """A regex character class matching `char` with any accent, in either case."""
    variants = {char}
    for code in range(0xC0, 0x180):  # Latin-1 Supplement and Latin Extended-A
        other = chr(code)
        if _fold(other) == char:
            variants.add(other)
    variants |= {v.upper() for v in variants if len(v.upper()) == 1}  # not ß -> SS
    if char == "'":
        variants.update({"’", "‘"})
    if len(variants) == 1:
        return re.escape(char)
    return "[" + "".join(sorted(re.escape(v) for v in variants)) + "]"


def accent_insensitive_regex(text: str) -> str:
    """A regex (Python and PostgreSQL flavours alike) matching `text` whatever its accents and case."""
    return "".join(_accent_class(char) for char in _fold(text))


def _name_filter(key: str, value: str) -> Q:
    if len(value) > MAX_NAME_LENGTH:
        raise bad_param(key, f"Valeur de {key} trop longue (au plus {MAX_NAME_LENGTH} caractères).")
    if key == "name:exact":
        return Q(name=value)
    pattern = accent_insensitive_regex(value)
    return Q(name__iregex=pattern if key == "name:contains" else "^" + pattern)


def _identifier_filter(value: str) -> Q:
    system, code = parse_token(value)
    if not code:
        return Q(pk__in=[])
    if system is None:
        return Q(finess=code) | Q(siret=code)
    if system == FINESS_SYSTEM:
        return Q(finess=code)
    if system == SIRET_SYSTEM:
        return Q(siret=code)
    return Q(pk__in=[])  # another system, or none ("|value"): our identifiers all have one


def _type_filter(value: str) -> Q:
    system, code = parse_token(value)
    if system not in (None, KIND_SYSTEM) or code not in OrganisationKind.values:
        return Q(pk__in=[])
    return Q(kind=code)


def _active_filter(key: str, value: str) -> Q:
    _, code = parse_token(value)
    if code not in ("true", "false"):
        raise bad_param(key, f"active vaut true ou false, pas « {value} ».")
    return Q(is_active=code == "true")


def _partof_filter(value: str) -> Q:
    parent_id = parse_int_id(parse_reference(value, "Organization") or "")
    return Q(parent_id=parent_id) if parent_id is not None else Q(pk__in=[])


def _id_filter(value: str) -> Q:
    pk = parse_int_id(value)
    return Q(pk=pk) if pk is not None else Q(pk__in=[])


def search_organizations(actor, params: dict[str, list[str]], offset: int, count: int):
    queryset = _queryset()
    for key, values in params.items():
        name = key.partition(":")[0]
        for alternatives in split_or(values):  # AND between repetitions
            condition = Q(pk__in=[])
            for value in alternatives:  # OR inside one value
                if name == "name":
                    condition |= _name_filter(key, value)
                elif name == "identifier":
                    condition |= _identifier_filter(value)
                elif name == "type":
                    condition |= _type_filter(value)
                elif name == "active":
                    condition |= _active_filter(key, value)
                elif name == "partof":
                    condition |= _partof_filter(value)
                elif name == "_id":
                    condition |= _id_filter(value)
            queryset = queryset.filter(condition)
    total = queryset.count()
    page = list(queryset[offset : offset + count]) if count else []
    return [organization_resource(organisation) for organisation in page], total


def register_organization() -> None:
    register(
        "Organization",
        read=read_organization,
        search=search_organizations,
        search_params=SEARCH_PARAMS,
        public=True,
        documentation="Organisations de Relais (ESMS, organismes gestionnaires, MDPH, ARS...), forme inspirée du ROR.",
    )
