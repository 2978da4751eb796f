"""Blocking keys for duplicate detection over a whole collection (pure, no ORM): who is compared with whom.

Comparing everyone with everyone is quadratic; two persons are compared only when they share a key:
- the same birth date and a name word starting alike (the first 3 letters of any word of the birth name, used name
  or first names): catches spelling variants, typos, particles, compound names (AUBERT / AUBERT-DUPONT share
  AUBERT), swapped family and first names (same words), the other sex (same everything);
- the same family name (birth or used, folded) and first-name initial, whatever the date: catches birth dates one
  slip apart (day and month inverted, one digit off, two neighbouring digits swapped), which need the same family
  name anyway (`duplicates` rule 5);
- the same INS.
The database side (`selectors.person_duplicates`) blocks on the indexed birth date and its slips instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

PREFIX = 3


def keys(t) -> set[tuple]:
    """The blocking keys of prepared traits (`duplicates.Traits`)."""
    found: set[tuple] = set()
    for word in (*t.family_words, *t.used_words, t.first1):
        if len(word) >= 2:
            found.add(("d", t.digits, word[:PREFIX]))
    for family in (t.family, t.used):
        if family:
            found.add(("n", family, t.first1[:1]))
    if t.ins:
        found.add(("i", t.ins))
    return found


def candidate_pairs(prepared: list) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) sharing at least one key, each once."""
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for index, t in enumerate(prepared):
        for key in keys(t):
            blocks[key].append(index)
    seen: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if (i, j) not in seen:
                    seen.add((i, j))
                    yield i, j
