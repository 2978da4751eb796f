"""Organization: the offer directory (EJ and EG, id = FINESS number) and the other Relais organisations.

A Relais organisation linked to a directory entry (LegalEntity/Site.organisation), or carrying
the FINESS number of one, *is* that entry and is served only as such. The others (ARS, MDPH,
DAC, departments...) are served with the id "relais-<pk>", shaped as before. Organisations are
public information: read and search without login (rate-limited per IP). Search chains three
querysets (EJ, then EG, then Relais organisations, each by name) with offset arithmetic, so
`total` and the paging links cover the union. Registered by the offer app (``relais.offer.fhir.register``), which
owns the directory and already depends on the accounts. See docs/decisions/0011-ror-fhir.md.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from relais.accounts.models import Organisation
from relais.accounts.roles import OrganisationKind
from relais.fhir.registry import SearchParam, register
from relais.fhir.search import parse_boolean, parse_reference, parse_token, split_or
from relais.fhir.strings import string_filter
from relais.offer.models import LegalEntity, Site

from . import codes as c
from .organization import (
    FINESS_ID,
    NONE,
    directory_filter,
    identifier,
    kind_type,
    legal_entity_queryset,
    legal_entity_resource,
    site_queryset,
    site_resource,
)

FINESS_SYSTEM, SIRET_SYSTEM, KIND_SYSTEM = c.FINESS_SYSTEM, c.SIRENE_SYSTEM, c.KIND_SYSTEM
RELAIS_ID = re.compile(r"^relais-([0-9]{1,10})$")

SEARCH_PARAMS = [
    SearchParam(
        "_id", "token", "Identifiant logique : numéro FINESS, ou « relais-<n> » pour une organisation hors répertoire."
    ),
    SearchParam(
        "identifier",
        "token",
        f"Numéro FINESS, SIREN ou SIRET : « valeur » ou « système|valeur » ({FINESS_SYSTEM}, {SIRET_SYSTEM}, "
        f"ou identifiant national de structure {c.ID_NAT_STRUCT_SYSTEM} : 1 + FINESS, 2 + SIREN, 3 + SIRET).",
    ),
    SearchParam(
        "name",
        "string",
        "Début du nom (ou du nom long), sans tenir compte de la casse ni des accents ; :contains pour une partie "
        "du nom, :exact pour le nom exact.",
        modifiers=("contains", "exact"),
    ),
    SearchParam(
        "type",
        "token",
        "EJ ou EG (LEGAL-ENTITY, GEOGRAPHICAL-ENTITY), code de catégorie FINESS (500…), statut juridique "
        f"(« {c.LEGAL_STATUS_SYSTEM}|code ») ou type d'organisation Relais (« {KIND_SYSTEM}|code »).",
    ),
    SearchParam("active", "token", "true ou false (false : structure fermée)."),
    SearchParam("partof", "reference", "Organisation de rattachement : « Organization/id »."),
    SearchParam("address-postalcode", "string", "Début du code postal (entrées du répertoire seulement)."),
    SearchParam(
        "_lastUpdated",
        "date",
        "Date de dernière mise à jour, préfixes gt, ge, lt, le, eq, ne. Les organisations hors répertoire "
        "(« relais-<n> ») n'ont pas de date : elles sont exclues quand ce paramètre est utilisé.",
    ),
]


def relais_queryset() -> QuerySet[Organisation]:
    """The Relais organisations that are not a directory entry."""
    queryset = Organisation.objects.select_related("parent", "commune", "departement")
    for model in (LegalEntity, Site):
        queryset = queryset.exclude(Exists(model.objects.filter(organisation=OuterRef("pk"))))
        queryset = queryset.exclude(Exists(model.objects.filter(finess=OuterRef("finess"))))
    return queryset.order_by("name", "pk")


def _directory_ids(organisations: list[Organisation]) -> dict[int, str]:
    """pk -> FINESS id of the directory entry each organisation is, for those that are one."""
    by_finess = {o.finess: o.pk for o in organisations if o.finess}
    pks = [o.pk for o in organisations]
    result: dict[int, str] = {}
    for model in (LegalEntity, Site):
        for organisation_id, finess in model.objects.filter(organisation_id__in=pks).values_list(
            "organisation_id", "finess"
        ):
            result[organisation_id] = finess
        for finess in model.objects.filter(finess__in=by_finess).values_list("finess", flat=True):
            result.setdefault(by_finess[finess], finess)
    return result


def relais_organization_resource(organisation: Organisation, parent_id: str | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": f"relais-{organisation.pk}",
        "meta": {"profile": [c.FR_CORE_ORGANIZATION_PROFILE]},
    }
    identifiers = []
    if organisation.finess:
        identifiers.append(identifier(FINESS_SYSTEM, organisation.finess, "1", "FINESS"))
    if organisation.siret:
        identifiers.append(identifier(SIRET_SYSTEM, organisation.siret, "3", "SIRET"))
    if identifiers:
        resource["identifier"] = identifiers
    resource["active"] = organisation.is_active
    resource["type"] = [kind_type(organisation)]
    resource["name"] = organisation.name
    if organisation.commune_id:
        address: dict[str, Any] = {"city": organisation.commune.name, "country": "FR"}
        if organisation.departement_id:
            address["district"] = organisation.departement.name
        resource["address"] = [address]
    if organisation.parent_id:
        resource["partOf"] = {
            "reference": f"Organization/{parent_id or f'relais-{organisation.parent_id}'}",
            "display": organisation.parent.name,
        }
    return resource


def _relais_resources(organisations: list[Organisation]) -> list[dict[str, Any]]:
    parent_ids = _directory_ids([o.parent for o in organisations if o.parent_id])
    return [relais_organization_resource(o, parent_ids.get(o.parent_id)) for o in organisations]


def read_organization(actor, resource_id: str) -> dict[str, Any] | None:
    if FINESS_ID.match(resource_id):
        site = site_queryset().filter(finess=resource_id).first()
        if site is not None:
            return site_resource(site)
        entity = legal_entity_queryset().filter(finess=resource_id).first()
        return legal_entity_resource(entity) if entity is not None else None
    match = RELAIS_ID.match(resource_id)
    organisation = relais_queryset().filter(pk=int(match.group(1))).first() if match else None
    return _relais_resources([organisation])[0] if organisation else None


# --- Search -------------------------------------------------------------------------------------


def _relais_filter(key: str, value: str) -> Q:
    name = key.partition(":")[0]
    if name == "_id":
        match = RELAIS_ID.match(value)
        return Q(pk=int(match.group(1))) if match else NONE
    if name == "identifier":
        system, code = parse_token(value)
        if not code:
            return NONE
        if system is None:
            return Q(finess=code) | Q(siret=code)
        kind, number = c.structure_number(system, code) or ("", "")  # "|value" (no system) matches nothing
        return Q(finess=number) if kind == "finess" else Q(siret=number) if kind == "siret" else NONE
    if name == "name":
        return string_filter(("name",), key, value)
    if name == "type":
        system, code = parse_token(value)
        return Q(kind=code) if system in (None, KIND_SYSTEM) and code in OrganisationKind.values else NONE
    if name == "active":
        return Q(is_active=parse_boolean(key, value))
    if name == "partof":
        target = parse_reference(value, "Organization") or ""
        if match := RELAIS_ID.match(target):
            return Q(parent_id=int(match.group(1)))
        if FINESS_ID.match(target):
            linked = Q(parent__finess=target)
            for model in (LegalEntity, Site):
                linked |= Q(parent_id__in=model.objects.filter(finess=target).values("organisation_id"))
            return linked
        return NONE
    return NONE  # address-postalcode: no postcode on these organisations; _lastUpdated: excluded


def search_organizations(actor, params: dict[str, list[str]], offset: int, count: int):
    sources = [
        (legal_entity_queryset(), lambda key, value: directory_filter(LegalEntity, key, value)),
        (site_queryset(), lambda key, value: directory_filter(Site, key, value)),
        (relais_queryset(), _relais_filter),
    ]
    querysets = []
    for queryset, condition_for in sources:
        for key, values in params.items():
            for alternatives in split_or(values):  # AND between repetitions
                condition = NONE
                for value in alternatives:  # OR inside one value
                    condition |= condition_for(key, value)
                queryset = queryset.filter(condition)
        querysets.append(queryset)
    if any(key.partition(":")[0] == "_lastUpdated" for key in params):
        querysets[2] = querysets[2].none()  # Relais organisations carry no modification date

    totals = [queryset.count() for queryset in querysets]
    pages: list[list] = [[], [], []]
    start, remaining = offset, count
    for index, queryset in enumerate(querysets):
        if remaining <= 0:
            break
        if start >= totals[index]:
            start -= totals[index]
            continue
        pages[index] = list(queryset[start : start + remaining])
        remaining -= len(pages[index])
        start = 0
    resources = [legal_entity_resource(e) for e in pages[0]] + [site_resource(s) for s in pages[1]]
    return resources + _relais_resources(pages[2]), sum(totals)


def register_organization() -> None:
    register(
        "Organization",
        read=read_organization,
        search=search_organizations,
        search_params=SEARCH_PARAMS,
        public=True,
        # Each resource names its own: ROR for directory entries, FR Core for the other Relais organisations.
        supported_profiles=(c.ROR_ORGANIZATION_PROFILE, c.FR_CORE_ORGANIZATION_PROFILE),
        documentation="Répertoire de l'offre (entités juridiques et établissements FINESS, forme ROROrganization, "
        "id = numéro FINESS) et autres organisations de Relais (MDPH, ARS, DAC…, id « relais-<n> »).",
    )
