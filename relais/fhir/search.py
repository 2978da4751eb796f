"""Search plumbing: reading the query string, paging with _count/_offset, the searchset Bundle.

Paging is by offset: `_count` (default 20, at most 200, 0 for the total alone)
and `_offset` (Relais's own parameter, 0 by default; FHIR leaves paging to the
server, and the `next`/`previous` links carry it, so clients only follow links).
`_revinclude` values are checked against those the type declares; the resources
they bring are added after the matches with search.mode "include" (not counted in
`total`). Date parameters (`_lastUpdated`) take the FHIR prefixes eq, ne, gt, ge,
lt, le (sa and eb as gt and lt) and a date of any precision, from year 1900 to 2199 (relais/fhir/dates.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from .dates import range_message, year_in_range
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


def revinclude_params(request, registration: ResourceRegistration) -> list[str]:
    """The `_revinclude` values asked for, each one the type declares; 400 naming the first it does not."""
    asked = []
    for raw in request.GET.getlist("_revinclude"):
        for value in (part.strip() for part in raw.split(",")):
            if not value:
                continue
            if value not in registration.revincludes:
                known = ", ".join(sorted(registration.revincludes)) or "aucun"
                raise bad_param(
                    "_revinclude",
                    f"_revinclude « {value} » non pris en charge pour {registration.type} (pris en charge : {known}).",
                    code="not-supported",
                )
            if value not in asked:
                asked.append(value)
    return asked


def searchset(
    request,
    base: str,
    type_name: str,
    resources: list[dict[str, Any]],
    total: int,
    offset: int,
    count: int,
    included: list[dict[str, Any]] = (),
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
    entries, seen = [], set()
    for mode, group in (("match", resources), ("include", included)):
        for resource in group:
            key = (resource["resourceType"], resource["id"])
            if key in seen:  # a resource appears once, as a match if it is one
                continue
            seen.add(key)
            entries.append(
                {
                    "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                    "resource": resource,
                    "search": {"mode": mode},
                }
            )
    if entries:  # FHIR JSON: no empty arrays
        bundle["entry"] = entries
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


def parse_boolean(key: str, value: str) -> bool:
    """A token search value "true" / "false" (or "system|true"); 400 naming `key` otherwise."""
    _, code = parse_token(value)
    if code not in ("true", "false"):
        raise bad_param(key, f"{key} vaut true ou false, pas « {value} ».")
    return code == "true"


def parse_reference(value: str, type_name: str) -> str | None:
    """The id in a reference: Organization/12, 12 or a URL ending in Organization/12 -> "12"; else None."""
    value = value.rstrip("/")
    if "/" not in value:
        return value
    parts = value.split("/")
    if len(parts) >= 2 and parts[-2] == type_name:
        return parts[-1]
    return None


# --- Dates ----------------------------------------------------------------------------------

_DATE_PREFIXES = {"eq", "ne", "gt", "ge", "lt", "le", "sa", "eb"}
_DATE = re.compile(
    r"^(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2})"
    r"(?:T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,6}))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?$"
)


def parse_date(key: str, value: str) -> tuple[str, datetime, datetime]:
    """A date search value, "ge2024-05-01" -> ("ge", start, end): the instants it covers, [start, end).

    A value without a time zone is read in the server's (TIME_ZONE); 400 naming `key` when malformed.
    """
    prefix = value[:2] if value[:2] in _DATE_PREFIXES else "eq"
    text = value[2:] if value[:2] in _DATE_PREFIXES else value
    match = _DATE.match(text.strip().replace(" ", "+"))  # a bare "+" in a query string arrives as a space
    error = bad_param(
        key, f"Date invalide pour {key} : « {value} » (attendu : [préfixe]AAAA[-MM[-JJ[Thh:mm[:ss][zone]]]])."
    )
    if not match:
        raise error
    parts = match.groupdict()
    if not year_in_range(int(parts["year"])):
        raise bad_param(key, range_message(key, value))
    try:
        tz = ZoneInfo(settings.TIME_ZONE)
        if parts["tz"]:
            tz = datetime.fromisoformat("2000-01-01T00:00" + parts["tz"].replace("Z", "+00:00")).tzinfo
        year, month, day = int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1)
        start = datetime(year, month, day, int(parts["hour"] or 0), int(parts["minute"] or 0), tzinfo=tz)
        if parts["second"]:
            fraction = parts["fraction"] or ""
            start = start.replace(second=int(parts["second"]), microsecond=int(fraction.ljust(6, "0") or 0))
    except ValueError:
        raise error from None
    if parts["fraction"]:
        end = start + timedelta(microseconds=10 ** (6 - len(parts["fraction"])))
    elif parts["second"]:
        end = start + timedelta(seconds=1)
    elif parts["minute"]:
        end = start + timedelta(minutes=1)
    elif parts["day"]:
        end = datetime.combine(date(year, month, day) + timedelta(days=1), start.timetz())
    elif parts["month"]:
        end = start.replace(year=year + month // 12, month=month % 12 + 1)
    else:
        end = start.replace(year=year + 1)
    return prefix, start, end


def date_filter(field: str, key: str, value: str) -> Q:
    """A Q on a datetime field for one date search value (see parse_date)."""
    prefix, start, end = parse_date(key, value)
    if prefix in ("gt", "sa"):
        return Q(**{f"{field}__gte": end})
    if prefix == "ge":
        return Q(**{f"{field}__gte": start})
    if prefix in ("lt", "eb"):
        return Q(**{f"{field}__lt": start})
    if prefix == "le":
        return Q(**{f"{field}__lt": end})
    inside = Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return ~inside if prefix == "ne" else inside
