"""The value sets of required bindings that Relais knows, so that the checker can check a code against them.

Known: the SI-SDO value sets JDV_J250 to J253 (statuses and reasons by level), read from reference/sdo-terminology,
and the ROR's JDV_J238 (TRE_R244 type d'offre), read from reference/nos (their enumerated
concepts). Every other required binding is reported as unchecked (decision 0048 lists them).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parents[3] / "reference"
TERMINOLOGY_DIR = REFERENCE_DIR / "sdo-terminology"
NOS_DIR = REFERENCE_DIR / "nos"


@cache
def known_valuesets() -> dict[str, frozenset[tuple[str, str]]]:
    """{value set URL: {(system, code)}} for the value sets enumerated in Relais's reference data."""
    out: dict[str, frozenset[tuple[str, str]]] = {}
    for path in sorted([*TERMINOLOGY_DIR.glob("ValueSet-*.json"), *NOS_DIR.glob("ValueSet-*.json")]):
        data = json.loads(path.read_text(encoding="utf-8"))
        pairs = {
            (include.get("system", ""), concept["code"])
            for include in data.get("compose", {}).get("include", [])
            for concept in include.get("concept", [])
        }
        if pairs:
            out[data["url"]] = frozenset(pairs)
    return out


def codings(value) -> list[tuple[str | None, str | None]]:
    """(system, code) pairs of a code, Coding or CodeableConcept."""
    if isinstance(value, str):
        return [(None, value)]
    if not isinstance(value, dict):
        return []
    if "coding" in value:
        return [(c.get("system"), c.get("code")) for c in value["coding"] if isinstance(c, dict)]
    return [(value.get("system"), value.get("code"))]


def in_valueset(url: str, value) -> bool | None:
    """True/False if the value set is known; None if Relais cannot tell."""
    pairs = known_valuesets().get(url)
    if pairs is None:
        return None
    codes = {code for _, code in pairs}
    return any((system, code) in pairs or (system is None and code in codes) for system, code in codings(value))
