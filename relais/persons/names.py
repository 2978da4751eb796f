"""Name folding shared by person search and duplicate detection (pure functions, no ORM).

French identity records differ by accents, case, hyphens, apostrophes and particles; folding removes
those differences before comparing or searching.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[^A-Z0-9]+")


def fold(text: str) -> str:
    """Upper case, no accents, every run of separators as one space: « Le Gall-Hervé » → « LE GALL HERVE »."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().upper()
    return _SEPARATORS.sub(" ", ascii_text).strip()


def search_key(*names: str) -> str:
    """The words a person is found by, folded, each once, in order."""
    words: list[str] = []
    for name in names:
        for word in fold(name).split():
            if word not in words:
                words.append(word)
    return " ".join(words)


def search_words(query: str) -> list[str]:
    """The folded words of a search box (« Aubert  patrick » → ["AUBERT", "PATRICK"])."""
    return fold(query).split()
