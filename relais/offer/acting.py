"""Who acts for which site and which organisation: the one rule (docs/decisions/0029-one-esms-model.md).

The directory owns an establishment's identity: its FINESS number and its managing body (``Site.legal_entity``).
A Relais organisation acts for a directory entry when the entry is linked to it (``DirectoryEntry.organisation``).

- An organisation acts for itself, for the organisations attached to it outside the directory
  (``Organisation.parent``: an ARS's or a département's own services), and, when it is linked to a legal entity
  (a managing body), for the organisations linked to that entity's sites.
- It acts for the site linked to it and for every site of the legal entity linked to it (whether or not that site
  has Relais users yet). An organisation linked to an entry has no ``parent`` (the directory holds the attachment),
  so an attached organisation never has a site: the site rule needs no ``parent`` branch, and "acts for the site"
  is still "acts for the site's organisation" (``organisation_ids_acted_for``).

Every policy (accounts, capacity, orientation, matching, FHIR) asks these functions: none re-derives the rule. The
role side (who among the members may do what) stays in each policy.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from relais.accounts.models import Organisation

from .models import LegalEntity, Site


def _own_and_attached(organisation_id: int) -> QuerySet[Organisation]:
    return Organisation.objects.filter(Q(pk=organisation_id) | Q(parent_id=organisation_id))


def site_condition(organisation_id: int) -> Q:
    """The rule as a condition on ``Site``. An IN subquery rather than a join in the OR: each branch is an index
    lookup, on SQLite and PostgreSQL alike."""
    return Q(organisation_id=organisation_id) | Q(
        legal_entity__in=LegalEntity.objects.filter(organisation_id=organisation_id).values("pk")
    )


def sites_acted_for(organisation_id: int) -> QuerySet[Site]:
    """The sites the organisation acts for."""
    return Site.objects.filter(site_condition(organisation_id))


def site_filter(organisation_id: int, prefix: str = "") -> Q:
    """The same rule on a model with a ``site`` foreign key (``prefix`` reaches it: ``"admission_requests__"``)."""
    return Q(**{f"{prefix}site__in": sites_acted_for(organisation_id).values("pk")})


def acts_for_site(organisation: Organisation, site: Site) -> bool:
    """True when ``organisation`` acts for ``site``: the rule of ``sites_acted_for``, for one site, without a query
    (``legal_entity`` is usually selected with the site)."""
    return organisation.pk in {site.organisation_id, site.legal_entity.organisation_id}


def organisation_ids_acted_for(organisation_id: int) -> set[int]:
    """The organisation itself, those attached to it outside the directory, and those linked to the sites of its
    legal entity (a managing body's ESMS)."""
    ids = set(_own_and_attached(organisation_id).values_list("pk", flat=True))
    ids.update(
        Site.objects.filter(legal_entity__organisation_id=organisation_id)
        .exclude(organisation=None)
        .values_list("organisation_id", flat=True)
    )
    return ids
