"""Organization entries of a transaction Bundle: matched against the directory, never created.

The ANS care-circle Bundles (CDS_BundleTransactionCreation / MAJ) may carry Organization entries (the managing
organisation, an organisation member of the circle). Relais's directory is fed by FINESS and the ROR, not by its
clients, so such an entry is looked up with the registered Organization search, one ``identifier=system|value`` per
identifier of the entry. Exactly one match: references to the entry become ``Organization/<id>`` of the directory.
No identifier, or no single match: nothing is stored and references to the entry become logical references (its
name and first identifier), which the handlers treat like any organisation they do not know.
"""

from __future__ import annotations

from typing import Any

from . import registry

ORGANIZATION = "Organization"


def organization_match(actor, resource: dict[str, Any]) -> str | None:
    """``Organization/<id>`` of the one directory entry sharing an identifier with ``resource``, else None."""
    registration = registry.get(ORGANIZATION)
    if registration is None or registration.search is None:
        return None
    for identifier in resource.get("identifier") or []:
        system, value = identifier.get("system"), identifier.get("value")
        if not isinstance(value, str) or not value.strip():
            continue
        token = f"{system}|{value.strip()}" if isinstance(system, str) and system else value.strip()
        found, total = registration.search(actor, {"identifier": [token]}, 0, 2)
        if total == 1:
            return f"{ORGANIZATION}/{found[0]['id']}"
    return None


def logical_reference(resource: dict[str, Any]) -> dict[str, Any]:
    """What stands for an unmatched Organization entry wherever the Bundle referenced it."""
    result: dict[str, Any] = {"type": ORGANIZATION}
    identifiers = [i for i in resource.get("identifier") or [] if isinstance(i, dict) and i.get("value")]
    if identifiers:
        result["identifier"] = {k: identifiers[0][k] for k in ("system", "value") if identifiers[0].get(k)}
    if isinstance(resource.get("name"), str) and resource["name"].strip():
        result["display"] = resource["name"].strip()
    return result


def organization_response(actor, resource: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The target of the entry's references and its ``response`` element in the transaction-response."""
    target = organization_match(actor, resource)
    if target is not None:
        return target, {"status": "200 OK", "location": target}
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "information",
                "code": "informational",
                "diagnostics": "Organisation non enregistrée : aucune entrée unique du répertoire ne porte l'un de ses "
                "identifiants (FINESS, SIRET…) ; les références vers elle sont gardées comme références logiques "
                "(nom, identifiant).",
            }
        ],
    }
    return None, {"status": "200 OK", "outcome": outcome}
