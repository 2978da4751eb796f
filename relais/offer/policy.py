"""Who may change the offer. Reading the directory is public (FINESS is open data).

Capacity (docs/decisions/0010-capacity-updates.md): the organisation acting must be the
site's own organisation or the organisation of the site's legal entity (the managing body).
A person needs an editor role there; a machine client (API token) of that organisation may
update too, whatever its nominal role: only an administrator can create a token, and an ESMS
record system exists precisely to push these figures.
"""

from django.db.models import Q

from relais.accounts.roles import Role

from .models import LegalEntity, Site

# Roles of a site's (or its managing body's) organisation that may update its capacity.
CAPACITY_EDITOR_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.ADMISSION_OFFICER})


def may_edit_capacity_at_all(actor) -> bool:
    """The role side of the rule: an editor role, or a machine client of the organisation."""
    if actor is None:
        return False
    return actor.api_client is not None or actor.role in CAPACITY_EDITOR_ROLES


def can_update_capacity(actor, site: Site) -> bool:
    """An editor (or machine client) of the site's organisation or of its legal entity's organisation."""
    if not may_edit_capacity_at_all(actor):
        return False
    acting = actor.organisation.pk
    return acting in {site.organisation_id, site.legal_entity.organisation_id} - {None}


def capacity_sites_filter(actor) -> Q | None:
    """The same rule as a filter on Site, for lists; None when the actor may update no site."""
    if not may_edit_capacity_at_all(actor):
        return None
    acting = actor.organisation.pk
    # An IN subquery rather than a join in the OR: both branches are index lookups instead of a scan of the sites.
    return Q(organisation_id=acting) | Q(
        legal_entity__in=LegalEntity.objects.filter(organisation_id=acting).values("pk")
    )
