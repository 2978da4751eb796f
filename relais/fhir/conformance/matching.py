"""Small helpers of the checker: reading an instance's elements, comparing fixed values, reference targets."""

from __future__ import annotations

import re
from typing import Any

_REFERENCE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/[^/]+(?:/_history/[^/]+)?$")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def children(value: Any, name: str) -> list[tuple[str, Any, bool]]:
    """(key, value, repeated) of the element `name` of an instance value; `value[x]` matches valueString etc."""
    if not isinstance(value, dict):
        return []
    if name.endswith("[x]"):
        prefix = name[:-3]
        keys = [k for k in value if k.startswith(prefix) and len(k) > len(prefix) and k[len(prefix)].isupper()]
    else:
        keys = [name] if name in value else []
    return [(k, value[k], isinstance(value[k], list)) for k in keys]


def choice_type(key: str, name: str) -> str | None:
    """'Identifier' for key 'valueIdentifier' of 'value[x]'; None when the element is not a choice."""
    if not name.endswith("[x]"):
        return None
    suffix = key[len(name) - 3 :]
    return suffix


def describe(value: dict[str, Any]) -> str:
    if value["kind"] == "code":
        system = value.get("system")
        return f"{system}#{value['code']}" if system else f"#{value['code']}"
    return repr(value.get("value"))


def matches(instance: Any, value: dict[str, Any], exactly: bool = False) -> bool:
    """Does the instance carry the FSH value (as a pattern, or exactly)?

    A code value matches a code, a Coding with that system and code, or a CodeableConcept one of whose codings
    does. Displays are not compared (decision 0048).
    """
    if value["kind"] != "code":
        return instance == value.get("value")
    system, code = value.get("system"), value["code"]
    if isinstance(instance, str):
        return system is None and instance == code
    if not isinstance(instance, dict):
        return False
    if "coding" in instance:
        codings = [c for c in as_list(instance["coding"]) if isinstance(c, dict)]
        if exactly and len(codings) != 1:
            return False
        return any(_coding_matches(c, system, code) for c in codings)
    return _coding_matches(instance, system, code)


def _coding_matches(coding: dict[str, Any], system: str | None, code: str) -> bool:
    return coding.get("code") == code and (system is None or coding.get("system") == system)


def reference_type(reference: Any, context: dict[str, Any]) -> tuple[str | None, str]:
    """The type a Reference points to, and how it was found ('' when it cannot be told).

    `context` maps '#id' to contained resources and fullUrls to Bundle entries.
    """
    if not isinstance(reference, dict):
        return None, ""
    target = reference.get("reference")
    if isinstance(target, str):
        if target in context:
            return context[target].get("resourceType"), "resolved"
        if match := _REFERENCE.search(target):
            return match.group(1), "reference"
    if isinstance(reference.get("type"), str):
        return reference["type"], "type"
    return None, ""
