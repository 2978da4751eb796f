"""String search parameters: "starts with", :contains and :exact, ignoring case and accents.

The same regex works on SQLite (Python's re) and PostgreSQL, so no collation or
extension is needed: `accent_insensitive_regex("etab")` matches "Établissement".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from django.db.models import Q

from .errors import bad_param

MAX_STRING_LENGTH = 100
_FOLD = {"’": "'", "‘": "'"}


def fold(text: str) -> str:
    """Lower case, without accents, typographic apostrophes made straight."""
    text = "".join(_FOLD.get(char, char) for char in text.lower())
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@cache
def _accent_class(char: str) -> str:
    """A regex character class matching `char` with any accent, in either case."""
    variants = {char}
    for code in range(0xC0, 0x180):  # Latin-1 Supplement and Latin Extended-A
        other = chr(code)
        if fold(other) == char:
            variants.add(other)
    variants |= {v.upper() for v in variants if len(v.upper()) == 1}  # not ß -> SS
    if char == "'":
        variants.update({"’", "‘"})
    if len(variants) == 1:
        return re.escape(char)
    return "[" + "".join(sorted(re.escape(v) for v in variants)) + "]"


def accent_insensitive_regex(text: str) -> str:
    """A regex (Python and PostgreSQL flavours alike) matching `text` whatever its accents and case."""
    return "".join(_accent_class(char) for char in fold(text))


def string_filter(fields: Iterable[str], key: str, value: str) -> Q:
    """One FHIR string value on some text fields (any of them): starts with, or :contains / :exact."""
    if len(value) > MAX_STRING_LENGTH:
        raise bad_param(key, f"Valeur de {key} trop longue (au plus {MAX_STRING_LENGTH} caractères).")
    modifier = key.partition(":")[2]
    condition = Q(pk__in=[])
    pattern = accent_insensitive_regex(value)
    for field in fields:
        if modifier == "exact":
            condition |= Q(**{field: value})
        else:
            condition |= Q(**{f"{field}__iregex": pattern if modifier == "contains" else "^" + pattern})
    return condition
