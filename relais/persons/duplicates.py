"""Duplicate detection: pure functions over identity traits (no ORM), used by `selectors.person_duplicates`.

Rules, in order:
1. Same INS on both sides: certain duplicate (score 100, « même INS »).
2. Two different INS: never a duplicate (identity vigilance: the INS wins).
3. Otherwise: same birth date (the blocking key, indexed), sexes not contradictory (I matches anything),
   a family name close to the other's (birth or used name on either side, so a used name swapped with a
   birth name still matches) and first names close (whole list, or the first one).
4. A birth date one keystroke away (one digit mistyped, two neighbouring digits swapped, day and month
   inverted: `birth_date_variants`) is a typo too, with fewer points and only when the family name is the same
   (birth or used name) and the first names the same or one typo apart: otherwise a different person.

"Close" compares normalised names (accents, case, hyphens, apostrophes and spaces removed) with the
Damerau–Levenshtein distance (optimal string alignment: insertion, deletion, substitution, transposition
of two neighbours), allowed 0 typo up to 4 letters, 1 up to 8 letters, 2 beyond. Implemented here
(20 lines) rather than adding a dependency: names are short and blocks by birth date are small.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

CERTAIN = 100


@dataclass(frozen=True)
class Match:
    other: object
    score: int
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def certain(self) -> bool:
        return self.score >= CERTAIN


def normalise(name: str) -> str:
    """Upper case, no accents, no separators: « Le Gall-Hervé » → « LEGALLHERVE »."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.upper() if ch.isalnum())


def first_token(names: str) -> str:
    text = unicodedata.normalize("NFKD", names or "").encode("ascii", "ignore").decode().upper()
    return normalise(text.replace("-", " ").replace("'", " ").split(" ")[0] if text.strip() else "")


def distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau–Levenshtein (optimal string alignment); returns `limit` + 1 as soon as it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_typos(a: str, b: str) -> int:
    shortest = min(len(a), len(b))
    return 0 if shortest <= 4 else 1 if shortest <= 8 else 2


def _typos(n: int) -> str:
    return "1 faute de frappe" if n == 1 else f"{n} fautes de frappe"


def _close(a: str, b: str) -> int | None:
    """The number of typos between two normalised names when within the allowance, else None."""
    if not a or not b:
        return None
    d = distance(a, b, limit=2)
    return d if d <= allowed_typos(a, b) else None


def _family_match(a, b) -> tuple[int, str] | None:
    """(points, reason) for the best pairing of birth and used names."""
    best = None
    for a_field, a_name in (("naissance", a.family_name), ("usage", a.used_name)):
        for b_field, b_name in (("naissance", b.family_name), ("usage", b.used_name)):
            d = _close(normalise(a_name), normalise(b_name))
            if d is None:
                continue
            swapped = a_field != b_field
            points = 30 - 8 * d - (5 if swapped else 0) - (3 if "usage" in (a_field, b_field) and not swapped else 0)
            if swapped:
                reason = "nom d'usage de l'une = nom de naissance de l'autre"
            else:
                reason = f"même nom de {a_field}" if d == 0 else f"nom de {a_field} proche ({_typos(d)})"
            if d and swapped:
                reason += f" ({_typos(d)})"
            if best is None or points > best[0]:
                best = (points, reason)
    return best


def _first_names_match(a, b) -> tuple[int, str] | None:
    d = _close(normalise(a.first_names), normalise(b.first_names))
    if d is not None:
        return 20 - 6 * d, "mêmes prénoms" if d == 0 else f"prénoms proches ({_typos(d)})"
    d = _close(first_token(a.first_names), first_token(b.first_names))
    if d is not None:
        return 14 - 6 * d, "même premier prénom" if d == 0 else f"premier prénom proche ({_typos(d)})"
    return None


def _as_digits(day: date) -> str:
    return day.strftime("%d%m%Y")


def birth_date_variants(day: date) -> set[date]:
    """The valid dates one keystroke away from ``day`` as typed DDMMYYYY: one digit changed, two neighbouring
    digits swapped, or day and month inverted."""
    typed = _as_digits(day)
    candidates = set()
    for i, digit in enumerate(typed):
        for other in "0123456789":
            if other != digit:
                candidates.add(typed[:i] + other + typed[i + 1 :])
        if i + 1 < len(typed) and typed[i + 1] != digit:
            candidates.add(typed[:i] + typed[i + 1] + digit + typed[i + 2 :])
    candidates.add(typed[2:4] + typed[0:2] + typed[4:])
    variants = set()
    for text in candidates:
        try:
            variants.add(date(int(text[4:]), int(text[2:4]), int(text[0:2])))
        except ValueError:
            continue
    variants.discard(day)
    return variants


def _date_match(a, b) -> tuple[int, str] | None:
    if a.birth_date == b.birth_date:
        return 45, "même date de naissance"
    if b.birth_date in birth_date_variants(a.birth_date):
        shown = f"{a.birth_date:%d/%m/%Y} / {b.birth_date:%d/%m/%Y}"
        return 30, f"date de naissance à une faute de frappe près ({shown})"
    return None


def compare(a, b) -> Match | None:
    """A Match when `b` may be the same person as `a` (both carry the Person identity attributes)."""
    if a.ins and b.ins:
        return Match(b, CERTAIN, ("même INS",)) if a.ins == b.ins else None
    born = _date_match(a, b)
    if born is None:
        return None
    if "I" not in (a.sex, b.sex) and a.sex != b.sex:
        return None
    family = _family_match(a, b)
    first = _first_names_match(a, b) if family else None
    if family is None or first is None:
        return None
    if born[0] < 45 and (family[0] < 25 or first[0] < 14):  # a date typo and a family-name typo: too far
        return None
    score = born[0] + family[0] + first[0] - (5 if a.sex != b.sex else 0)
    reasons = [born[1], family[1], first[1]]
    if a.sex == b.sex:
        reasons.insert(1, "même sexe")
    if a.birth_place_code and a.birth_place_code == b.birth_place_code:
        score += 4
        reasons.append("même lieu de naissance")
    return Match(b, min(score, CERTAIN - 1), tuple(reasons))


def find_duplicates(person, candidates: Iterable) -> list[Match]:
    """Matches of `person` among `candidates` (itself excluded), best first."""
    matches = [m for c in candidates if c is not person and (m := compare(person, c))]
    return sorted(matches, key=lambda m: -m.score)


def duplicate_pairs(persons: Iterable) -> list[tuple[object, Match]]:
    """All likely pairs in a collection, comparing only within blocks of the same birth date (and same INS) and
    across blocks whose dates are one keystroke apart."""
    by_date, by_ins = defaultdict(list), defaultdict(list)
    for p in persons:
        by_date[p.birth_date].append(p)
        if p.ins:
            by_ins[p.ins].append(p)
    blocks = [(block, block) for block in [*by_ins.values(), *by_date.values()]]
    for day, block in by_date.items():
        blocks += [(block, by_date[other]) for other in birth_date_variants(day) if other in by_date and other > day]
    pairs, seen = [], set()
    for left, right in blocks:
        for i, a in enumerate(left):
            for b in right[i + 1 :] if left is right else right:
                key = (id(a), id(b))
                if key not in seen and (match := compare(a, b)):
                    seen.add(key)
                    pairs.append((a, match))
    return pairs
