"""References to a Relais organisation, pointing where /fhir/Organization serves it: the one place that says so.

/fhir/Organization serves an organisation that is a directory entry (linked to a LegalEntity or Site, or carrying
the FINESS number of one) only as that entry, id = its FINESS number; the others as « relais-<pk> »
(organization_type.py). Every resource that points to an organisation (CareTeam, plan Task, Encounter, AuditEvent,
Schedule/Appointment) builds its reference here, so that following it answers 200; the reference also carries the
FINESS identifier when there is one, so that a partner resolves it in its own directory without asking Relais.
``organisation_from_reference`` reads both forms back (and the FINESS identifier alone).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q

from relais.accounts.models import Organisation
from relais.offer.models import LegalEntity, Site

from . import codes as c

RELAIS_ID = re.compile(r"^relais-([0-9]{1,10})$")
FINESS_ID = re.compile(r"^[0-9][0-9AB][0-9]{7}$")
ORGANIZATION = "Organization"


def directory_finess(organisation: Organisation) -> str | None:
    """The FINESS number of the directory entry the organisation is served as, or None (served as relais-<pk>)."""
    entry = organisation.directory_entry
    if entry is not None:
        return entry.finess
    finess = organisation.finess
    if finess and (Site.objects.filter(finess=finess).exists() or LegalEntity.objects.filter(finess=finess).exists()):
        return finess
    return None


def organization_id(organisation: Organisation) -> str:
    """The id /fhir/Organization serves this organisation under."""
    return directory_finess(organisation) or f"relais-{organisation.pk}"


def organization_reference(organisation: Organisation, display: str | None = None) -> dict[str, Any]:
    """A literal reference that resolves on /fhir/Organization, with the FINESS identifier when there is one."""
    reference: dict[str, Any] = {"reference": f"{ORGANIZATION}/{organization_id(organisation)}", "type": ORGANIZATION}
    finess = organisation.finess_number
    if finess:
        reference["identifier"] = {"system": c.FINESS_SYSTEM, "value": finess}
    reference["display"] = display or str(organisation)
    return reference


def organisations_by_pk(pks) -> dict[int, Organisation]:
    """The organisations of a page of references with their directory entries, in one query (none per reference)."""
    return Organisation.objects.select_related("directory_site", "directory_legalentity").in_bulk(set(pks))


def organization_reference_to(
    organisation_id: int, display: str = "", organisations: dict[int, Organisation] | None = None
) -> dict[str, Any]:
    """The same for an organisation known by its pk (a log entry); a deleted one keeps only its name.
    ``organisations``: the page's, from ``organisations_by_pk``, so that a search does not look each one up."""
    if organisations is None:
        organisations = organisations_by_pk([organisation_id])
    organisation = organisations.get(organisation_id)
    if organisation is None:
        return {"type": ORGANIZATION, "display": display or "organisation"}
    return organization_reference(organisation, display or None)


def organisation_from_reference(reference: dict[str, Any] | None) -> Organisation | None:
    """The Relais organisation a reference names: ``Organization/relais-<pk>``, ``Organization/<FINESS>`` (the
    organisation linked to that directory entry, or carrying that number), or a FINESS identifier alone."""
    reference = reference or {}
    raw = reference.get("reference") or ""
    target = raw.rpartition(f"{ORGANIZATION}/")[2] if f"{ORGANIZATION}/" in raw else ""
    if match := RELAIS_ID.match(target):
        return Organisation.objects.filter(pk=int(match.group(1))).first()
    finess = target if FINESS_ID.match(target) else None
    if finess is None and not raw:
        identifier = reference.get("identifier") or {}
        kind, number = c.structure_number(identifier.get("system"), identifier.get("value") or "") or ("", "")
        finess = number if kind == "finess" and FINESS_ID.match(number) else None
    if not finess:
        return None
    linked = Q(directory_site__finess=finess) | Q(directory_legalentity__finess=finess) | Q(finess=finess)
    return Organisation.objects.filter(linked).order_by("pk").first()
