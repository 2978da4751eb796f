"""Search plumbing: reading the query string, paging with _count/_offset, the searchset Bundle.

Paging is by offset: `_count` (default 20, at most 200, 0 for the total alone)
and `_offset` (Relais's own parameter, 0 by default; FHIR leaves paging to the
server, and the `next`/`previous` links carry it, so clients only follow links).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from .errors import bad_param
from .registry import CONTROL_PARAMS, ResourceRegistration

DEFAULT_COUNT = 20
MAX_COUNT = 200
MAX_OFFSET = 10**9
_DIGITS = re.compile(r"^[0-9]{1,10}$")


def _non_negative_int(request, name: str, default: int, maximum: int) -> int:
    values = request.GET.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise bad_param(name, f"Le paramètre {name} ne peut apparaître qu'une fois.")
    raw = values[0].strip()
    if not raw:
        return default  # FHIR: an empty parameter is ignored
    if not _DIGITS.match(raw) or int(raw) > maximum:
        raise bad_param(name, f"{name} doit être un entier entre 0 et {maximum}, pas « {values[0]} ».")
    return int(raw)


def paging(request) -> tuple[int, int]:
    """(offset, count) from the query string; count is capped at MAX_COUNT."""
    count = min(_non_negative_int(request, "_count", DEFAULT_COUNT, 10**9), MAX_COUNT)
    offset = _non_negative_int(request, "_offset", 0, MAX_OFFSET)
    return offset, count


def search_params(request, registration: ResourceRegistration) -> dict[str, list[str]]:
    """The resource's own parameters; 400 naming the first one it does not support.

    Keys keep their modifier ("name:exact"); empty values are ignored, as FHIR says.
    """
    params: dict[str, list[str]] = {}
    for key, values in request.GET.lists():
        if key in CONTROL_PARAMS:
            continue
        name, _, modifier = key.partition(":")
        param = registration.search_param(name)
        if param is None:
            raise bad_param(
                key,
                f"Paramètre de recherche « {name} » non pris en charge pour {registration.type}.",
                code="not-supported",
            )
        if modifier and modifier not in param.modifiers:
            raise bad_param(
                key, f"Modificateur « :{modifier} » non pris en charge pour le paramètre {name}.", code="not-supported"
            )
        kept = [value for value in values if value.strip()]
        if kept:
            params.setdefault(key, []).extend(kept)
    return params


def searchset(
    request, base: str, type_name: str, resources: list[dict[str, Any]], total: int, offset: int, count: int
) -> dict[str, Any]:
    """A searchset Bundle with self/next/previous links that keep the other query parameters."""
    kept = [(key, value) for key, values in request.GET.lists() if key not in {"_count", "_offset"} for value in values]

    def link(relation: str, at: int) -> dict[str, str]:
        query = urlencode([*kept, ("_count", str(count)), ("_offset", str(at))])
        return {"relation": relation, "url": f"{base}/{type_name}?{query}"}

    links = [link("self", offset)]
    if count and offset + count < total:
        links.append(link("next", offset + count))
    if offset > 0:
        links.append(link("previous", max(0, offset - count) if count else 0))
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    if resources:  # FHIR JSON: no empty arrays
        bundle["entry"] = [
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ]
    return bundle


# --- Helpers for handlers -----------------------------------------------------------------


def split_or(values: list[str]) -> list[list[str]]:
    """[“a,b”, “c”] -> [["a", "b"], ["c"]]: outer list is AND, inner lists are OR (escaped "\\," kept)."""
    groups = []
    for value in values:
        parts, current, escaped = [], "", False
        for char in value:
            if escaped:
                current += char
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == ",":
                parts.append(current)
                current = ""
            else:
                current += char
        parts.append(current)
        groups.append([part.strip() for part in parts if part.strip()])
    return [group for group in groups if group]


def parse_int_id(value: str) -> int | None:
    """A numeric logical id ("12") as an int that fits a database key; None for anything else."""
    return int(value) if _DIGITS.match(value) else None


def parse_token(value: str) -> tuple[str | None, str | None]:
    """A token search value: "system|code" -> (system, code); "code" -> (None, code); "|code" -> ("", code)."""
    if "|" not in value:
        return None, value
    system, _, code = value.partition("|")
    return system, code or None


def parse_reference(value: str, type_name: str) -> str | None:
    """The id in a reference: Organization/12, 12 or a URL ending in Organization/12 -> "12"; else None."""
    value = value.rstrip("/")
    if "/" not in value:
        return value
    parts = value.split("/")
    if len(parts) >= 2 and parts[-2] == type_name:
        return parts[-1]
    return None
