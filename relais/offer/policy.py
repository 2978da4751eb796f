"""Who may change the offer. Reading the directory is public (FINESS is open data).

Who updated a capacity (docs/decisions/0032-what-a-page-may-show.md): the name of the colleague only for the
organisations acting for the site; everyone else, anonymous visitors first, sees the establishment.

Capacity (docs/decisions/0010-capacity-updates.md): the organisation acting must act for the
site (``acting``, decision 0029: the site's own organisation or its legal entity's, the managing body).
A person needs an editor role there; a machine client (API token) of that organisation may
update too, whatever its nominal role: only an administrator can create a token, and an ESMS
record system exists precisely to push these figures.
"""

from django.db.models import Q

from relais.accounts.roles import Role

from .acting import acts_for_site, site_condition
from .models import Site

# Roles of a site's (or its managing body's) organisation that may update its capacity.
CAPACITY_EDITOR_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.ADMISSION_OFFICER})


def sees_capacity_author(actor, site: Site) -> bool:
    """True when the actor may see which person updated the site's capacity: one of its organisations (the site's
    own, or its managing body), whatever the role. Anonymous visitors and other organisations see the site."""
    return actor is not None and acts_for_site(actor.organisation, site)


def may_edit_capacity_at_all(actor) -> bool:
    """The role side of the rule: an editor role, or a machine client of the organisation."""
    if actor is None:
        return False
    return actor.api_client is not None or actor.role in CAPACITY_EDITOR_ROLES


def can_update_capacity(actor, site: Site) -> bool:
    """An editor (or machine client) of the site's organisation or of its legal entity's organisation."""
    if not may_edit_capacity_at_all(actor):
        return False
    return acts_for_site(actor.organisation, site)


def capacity_sites_filter(actor) -> Q | None:
    """The same rule as a filter on Site, for lists; None when the actor may update no site."""
    if not may_edit_capacity_at_all(actor):
        return None
    return site_condition(actor.organisation.pk)
