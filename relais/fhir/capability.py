"""GET /fhir/metadata: the CapabilityStatement, generated from the registry."""

from __future__ import annotations

from importlib import metadata as package_metadata
from typing import Any

from django.utils import timezone

from .http import base_url
from .registry import registrations
from .search import DEFAULT_COUNT, MAX_COUNT

FHIR_VERSION = "4.0.1"

SECURITY = (
    "Authentification par jeton Bearer d'un client API (créé par l'administrateur·rice d'une organisation) "
    "ou par la session d'un membre connecté (double authentification si son rôle l'exige). "
    "Les ressources publiques se lisent sans authentification, avec un débit limité par adresse IP "
    "(429 au-delà) ; les autres répondent 401 sans acteur, "
    "et 404 pour une ressource hors du périmètre de l'acteur, comme pour une ressource inexistante."
)
PAGING_PARAMS = [
    {
        "name": "_count",
        "type": "number",
        "documentation": f"Nombre de résultats par page (défaut {DEFAULT_COUNT}, maximum {MAX_COUNT}, "
        "0 pour le total seul).",
    },
    {
        "name": "_offset",
        "type": "number",
        "documentation": "Propre à Relais : rang du premier résultat (défaut 0). Suivez plutôt les liens "
        "next/previous du Bundle, qui le portent.",
    },
]


def _software_version() -> str | None:
    try:
        return package_metadata.version("relais")
    except package_metadata.PackageNotFoundError:
        return None


def capability_statement() -> dict[str, Any]:
    resources = []
    for registration in registrations():
        access = "Lecture publique, sans authentification." if registration.public else "Authentification requise."
        resource: dict[str, Any] = {
            "type": registration.type,
            "documentation": f"{registration.documentation} {access}".strip(),
            "interaction": [{"code": code} for code in registration.interactions],
            "versioning": "no-version",
            "readHistory": False,
            "updateCreate": False,
        }
        if registration.profile:
            resource["profile"] = registration.profile
        if registration.supported_profiles:
            resource["supportedProfile"] = list(registration.supported_profiles)
        if registration.search_params:
            resource["searchParam"] = [
                {"name": p.name, "type": p.type, **({"documentation": p.documentation} if p.documentation else {})}
                for p in registration.search_params
            ]
        if registration.revincludes:
            resource["searchRevInclude"] = sorted(registration.revincludes)
        resources.append(resource)

    software: dict[str, Any] = {"name": "Relais"}
    if version := _software_version():
        software["version"] = version
    return {
        "resourceType": "CapabilityStatement",
        "id": "relais",
        "name": "RelaisCapabilityStatement",
        "title": "Relais : serveur FHIR R4",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "publisher": "Relais",
        "kind": "instance",
        "software": software,
        "implementation": {
            "description": "Relais, système d'information territorial du secteur médico-social",
            "url": base_url(),
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["json", "application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Recherche paginée par _count et _offset ; erreurs en OperationOutcome.",
                "security": {"cors": False, "description": SECURITY},
                "resource": resources,
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": "POST /fhir/ : Bundle de type transaction, tout ou rien (cercle de soins).",
                    }
                ],
                "searchParam": PAGING_PARAMS,
            }
        ],
    }
