"""Who may change the offer. Reading the directory is public (FINESS is open data)."""

from relais.accounts.roles import Role

from .models import Site

# Roles of a site's (or its managing body's) organisation that may update its capacity.
CAPACITY_EDITOR_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.ADMISSION_OFFICER})


def can_update_capacity(actor, site: Site) -> bool:
    """A member with an editor role of the site's organisation or of its legal entity's organisation."""
    if actor is None or actor.role not in CAPACITY_EDITOR_ROLES:
        return False
    acting = actor.organisation.pk
    return acting in {site.organisation_id, site.legal_entity.organisation_id} - {None}
