"""The range of dates Relais accepts, in search parameters and in posted resources: years 1900 to 2199.

FHIR allows years 0001 to 9999, but at the edges a date no longer fits once moved to UTC or extended to the end of
its period (`ge9999`, `period.start` on 0001-01-01 with a positive offset), and before 1900 no person is alive and
local times carry offsets FHIR cannot write (Paris mean time, +00:09:21). A date outside the range is a 400
OperationOutcome naming the parameter or the FHIRPath.

Posted resources are checked once, in the framework, on the validated fhir.resources model: every date, dateTime
and instant element, wherever it sits (extensions and contained resources included), so handlers never meet one.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel

from .errors import FhirError, Issue

MIN_YEAR = 1900
MAX_YEAR = 2199
_DATE_TYPES = {"Date", "DateTime", "Instant"}
_YEAR = re.compile(r"^([0-9]{4})")
MAX_ISSUES = 20


def year_in_range(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def range_message(where: str, value: str) -> str:
    return f"{where} : date « {value} » hors de la plage acceptée (années {MIN_YEAR} à {MAX_YEAR})."


def _annotation_is_date(annotation) -> bool:
    """Optional[Annotated[datetime, DateTime()]] and the like: the Annotated metadata names the FHIR type."""
    if any(type(meta).__name__ in _DATE_TYPES for meta in getattr(annotation, "__metadata__", ())):
        return True
    return any(_annotation_is_date(arg) for arg in get_args(annotation))


@cache
def _is_date_field(model_class: type[BaseModel], name: str) -> bool:
    return _annotation_is_date(model_class.model_fields[name].annotation)


def _year(value: Any, is_date_field: bool) -> int | None:
    if isinstance(value, date):  # datetime is a date too
        return value.year
    if isinstance(value, str) and is_date_field:  # partial dates ("2026", "2026-02") stay strings
        match = _YEAR.match(value)
        return int(match.group(1)) if match else None
    return None


def _walk(value: Any, path: str, is_date_field: bool, issues: list[Issue]) -> None:
    if len(issues) >= MAX_ISSUES:
        return
    if isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            child = getattr(value, name, None)
            if child is None or name == "resource_type":
                continue
            _walk(child, f"{path}.{field.alias or name}", _is_date_field(type(value), name), issues)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", is_date_field, issues)
    else:
        year = _year(value, is_date_field)
        if year is not None and not year_in_range(year):
            shown = value.isoformat() if isinstance(value, date) else str(value)
            issues.append(Issue(code="invalid", diagnostics=range_message(path, shown), expression=[path]))


def check_dates(type_name: str, model: BaseModel) -> None:
    """400 naming every date of the validated resource outside the accepted range."""
    issues: list[Issue] = []
    _walk(model, type_name, False, issues)
    if issues:
        raise FhirError(400, "invalid", issues[0].diagnostics, issues=issues)
