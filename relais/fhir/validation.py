"""A posted resource checked against its R4B model: every failure is a 400 OperationOutcome naming the path.

Strings holding a NUL character are refused first (PostgreSQL text cannot store one; the query string's are refused
by relais.web.middleware.RejectNulMiddleware).

Besides pydantic's own errors, fhir.resources lets a TypeError or KeyError escape when a contained resource (in
`contained` or `Bundle.entry.resource`) has a resourceType that is not a known type name: that is bad input too.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from . import registry
from .dates import check_dates
from .errors import FhirError, validation_error


def _known_type(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        registry.model_class(value)
    except ValueError:
        return False
    return True


def _bad_inner_type(data: Any, path: str) -> str | None:
    """The FHIRPath of the first inner resource whose resourceType is not a type name, if any."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            if found := _bad_inner_type(item, f"{path}[{index}]"):
                return found
    elif isinstance(data, dict):
        for key, value in data.items():
            inner = [(f"{path}.{key}", value)] if key == "resource" else []
            if key == "contained" and isinstance(value, list):
                inner = [(f"{path}.contained[{i}]", item) for i, item in enumerate(value)]
            for where, item in inner:
                if isinstance(item, dict) and "resourceType" in item and not _known_type(item["resourceType"]):
                    return f"{where}.resourceType"
            if found := _bad_inner_type(value, f"{path}.{key}"):
                return found
    return None


def _nul_path(data: Any, path: str) -> str | None:
    """The path of the first string holding a NUL character (U+0000): PostgreSQL text cannot store one."""
    if isinstance(data, str):
        return path if "\x00" in data else None
    items = enumerate(data) if isinstance(data, list) else data.items() if isinstance(data, dict) else ()
    for key, value in items:
        if found := _nul_path(value, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"):
            return found
    return None


def validate_resource(type_name: str, data: dict[str, Any]) -> BaseModel:
    """The validated model of `data`; FhirError 400 naming the failing path (dates out of range included)."""
    if where := _nul_path(data, type_name):
        raise FhirError(400, "invalid", f"{where} : caractère nul (U+0000) refusé.", expression=where)
    try:
        model = registry.model_class(type_name).model_validate(data)
    except PydanticValidationError as exc:
        raise validation_error(type_name, exc) from None
    except (TypeError, KeyError):
        where = _bad_inner_type(data, type_name) or type_name
        raise FhirError(
            400, "structure", f"{where} : type de ressource absent, invalide ou inconnu.", expression=where
        ) from None
    check_dates(type_name, model)
    return model
