"""The offer directory in FHIR, shaped like the ROR (Répertoire opérationnel des ressources).

This package maps the directory and registers Organization (EJ and EG, chained with the other Relais
organisations in organization_type.py), HealthcareService and Location (one each per Unit). `ror_import` reads a
ROR Bundle back in.
All of it is public information: read and search without login, rate-limited per IP.
See docs/decisions/0011-ror-fhir.md.
"""


def register() -> None:
    """Register Organization, HealthcareService and Location (called from OfferConfig.ready())."""
    from relais.fhir.registry import register as fhir_register

    from . import codes, healthcare_service, location
    from .organization_type import register_organization
    from .units import read_unit, search_units

    register_organization()
    fhir_register(
        "HealthcareService",
        read=lambda actor, resource_id: read_unit(resource_id, healthcare_service.healthcare_service_resource),
        search=lambda actor, params, offset, count: search_units(
            params,
            offset,
            count,
            healthcare_service.healthcare_service_filter,
            healthcare_service.healthcare_service_resource,
        ),
        search_params=healthcare_service.SEARCH_PARAMS,
        public=True,
        profile=codes.ROR_HEALTHCARE_SERVICE_PROFILE,
        documentation="Offre des établissements : une prestation par unité "
        "(forme RORHealthcareService, id « unit-<n> »).",
    )
    fhir_register(
        "Location",
        read=lambda actor, resource_id: read_unit(resource_id, location.location_resource),
        search=lambda actor, params, offset, count: search_units(
            params, offset, count, location.location_filter, location.location_resource
        ),
        search_params=location.SEARCH_PARAMS,
        public=True,
        profile=codes.ROR_LOCATION_PROFILE,
        documentation="Lieu de chaque unité avec sa capacité datée (forme RORLocation, extension "
        "ror-location-supported-capacity, id « unit-<n> »).",
        revincludes={"HealthcareService:location": location.services_at_locations},
    )
