"""Reading a ROR Bundle: load, validate with the R4B models, index its resources and follow references.

A bundle that does not validate is refused whole, naming the FHIRPath of its first error
("Bundle.entry[3].resource.extension[0].valueFoo"); the importer writes nothing then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from relais.fhir.errors import validation_error
from relais.fhir.registry import model_class

BUNDLE_TYPES = ("collection", "searchset", "transaction")
IMPORTED_TYPES = ("Organization", "HealthcareService", "Location")
MAX_MESSAGES = 5


class RorBundleError(Exception):
    """The bundle is refused; `path` is the FHIRPath (or file position) of the first problem."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.path = path


def load_bundle(path: str | Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RorBundleError(f"Lecture impossible de {path} : {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        position = f"ligne {exc.lineno}, colonne {exc.colno}"
        raise RorBundleError(f"JSON invalide ({position}) : {exc.msg}.", position) from None
    return data


def validate_bundle(data: Any) -> None:
    """Raise RorBundleError unless `data` is a valid R4B Bundle of an accepted type."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        found = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise RorBundleError(f"Un Bundle FHIR est attendu, pas « {found} ».", "Bundle.resourceType")
    try:
        model_class("Bundle").model_validate(data)
    except PydanticValidationError as exc:
        issues = validation_error("Bundle", exc).issues
        messages = "; ".join(issue.diagnostics for issue in issues[:MAX_MESSAGES])
        more = f" (et {len(issues) - MAX_MESSAGES} autres erreurs)" if len(issues) > MAX_MESSAGES else ""
        raise RorBundleError(f"Bundle invalide : {messages}{more}.", issues[0].expression[0]) from None
    if data.get("type") not in BUNDLE_TYPES:
        raise RorBundleError(
            f"Bundle de type « {data.get('type')} » : seuls {', '.join(BUNDLE_TYPES)} sont importés.", "Bundle.type"
        )


@dataclass
class BundleIndex:
    organizations: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # "Patient/3": types the import does not read
    _by_reference: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resolve(self, reference: dict[str, Any] | None, type_name: str) -> dict[str, Any] | None:
        """The bundle's resource a Reference points to (relative, absolute or fullUrl), if it holds it."""
        target = (reference or {}).get("reference") or ""
        if target in self._by_reference:
            found = self._by_reference[target]
        else:
            parts = target.rstrip("/").split("/")
            found = self._by_reference.get("/".join(parts[-2:])) if len(parts) >= 2 else None
        return found if found is not None and found.get("resourceType") == type_name else None


def index_bundle(data: dict[str, Any]) -> BundleIndex:
    index = BundleIndex()
    groups = dict(zip(IMPORTED_TYPES, (index.organizations, index.services, index.locations), strict=True))
    for entry in data.get("entry") or []:
        resource = entry.get("resource")
        if not resource:  # a transaction's delete or conditional entry: nothing to read
            continue
        type_name = resource["resourceType"]
        if type_name not in groups:
            index.ignored.append(f"{type_name}/{resource.get('id', '?')}")
            continue
        groups[type_name].append(resource)
        if resource.get("id"):
            index._by_reference[f"{type_name}/{resource['id']}"] = resource
        if entry.get("fullUrl"):
            index._by_reference[entry["fullUrl"]] = resource
    return index


def label(resource: dict[str, Any]) -> str:
    """ "Organization/12 (EHPAD Les Ajoncs)", for messages."""
    name = f" ({resource['name']})" if resource.get("name") else ""
    return f"{resource['resourceType']}/{resource.get('id', '?')}{name}"
