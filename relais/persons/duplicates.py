"""Duplicate detection: pure functions over identity traits (no ORM), used by `selectors.person_duplicates`,
`vigilance.person_create_checked` and the benchmark. Each Match has a score, French `reasons` for the screens and
machine `kinds` (the `Kind` names) for code and tests.

Rules, in order:
1. Same INS on both sides: certain duplicate (score 100). Two different INS: never a duplicate (the INS wins).
2. Birth dates the same, or one slip apart (`birthdates.date_relation`: day and month inverted, one digit off, two
   neighbouring digits swapped).
3. Names, compared folded (accents, case, hyphens, apostrophes and spaces removed): the family name matches the
   other's birth or used name (exact, spelling variant, a particle more or less, a typo, or one name is part of the
   other's compound name: AUBERT / AUBERT-DUPONT), and the first names match (all, or the first one, typos allowed).
   Failing that, family name and first names swapped between the two records.
4. Sexes: the same, or one unknown (I). A different sex is caught only when the rest is exact (same date, same
   names): a sex mistyped, never twins (whose first names differ).
5. A date slip needs otherwise close names: the same family name (spelling aside) and first names one typo apart.

Scores (max 99 below the INS's 100): date 45 (a slip 30), family name 30 (spelling 30, particle 26, used name as
birth name 25, typo 30 - 8 per typo, compound 22), first names 20 (first one only 14, - 6 per typo), swapped names
40 for both, birth place +4, unknown sex -5, other sex -15. So: swapped names ≈ 85, other sex ≈ 80, compound ≈ 87.

"Close" is the Damerau–Levenshtein distance (optimal string alignment), allowed 0 typo up to 4 letters, 1 up to 8,
2 beyond. Implemented here (20 lines) rather than adding a dependency: names are short and blocks are small.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from . import birthdates as bd
from .names import fold

CERTAIN = 100
PARTICLES = frozenset("DE DU DES D LE LA LES L VAN VON DI DA DEL DELLA".split())


class Kind(StrEnum):
    """What matched, by machine name (the French reason says the same to a person)."""

    SAME_INS = "same_ins"
    SAME_BIRTH_DATE = bd.SAME
    DAY_MONTH_SWAPPED = bd.DAY_MONTH_SWAPPED
    DATE_DIGIT_OFF = bd.DIGIT_OFF
    DATE_DIGITS_SWAPPED = bd.DIGITS_SWAPPED
    SAME_SEX = "same_sex"
    SEX_UNKNOWN = "sex_unknown"
    OTHER_SEX = "other_sex"
    SAME_FAMILY_NAME = "same_family_name"
    SPELLING_VARIANT = "spelling_variant"
    PARTICLE = "particle"
    USED_NAME_AS_BIRTH_NAME = "used_name_as_birth_name"
    FAMILY_NAME_TYPO = "family_name_typo"
    COMPOUND_NAME = "compound_name"
    NAMES_SWAPPED = "names_swapped"
    SAME_FIRST_NAMES = "same_first_names"
    SAME_FIRST_FIRST_NAME = "same_first_first_name"
    FIRST_NAME_TYPO = "first_name_typo"
    SAME_BIRTH_PLACE = "same_birth_place"


@dataclass(frozen=True)
class Match:
    other: object
    score: int
    reasons: tuple[str, ...] = field(default_factory=tuple)
    kinds: tuple[str, ...] = field(default_factory=tuple)

    @property
    def certain(self) -> bool:
        return self.score >= CERTAIN


def normalise(name: str) -> str:
    """Upper case, no accents, no separators: « Le Gall-Hervé » → « LEGALLHERVE »."""
    return fold(name).replace(" ", "")


def first_token(names: str) -> str:
    words = fold(names).split()
    return words[0] if words else ""


@dataclass(frozen=True, slots=True)
class Traits:
    """A person's identity traits prepared once for many comparisons."""

    person: object
    family: str
    used: str
    family_raw: str
    used_raw: str
    family_words: tuple[str, ...]
    used_words: tuple[str, ...]
    first: str
    first1: str
    digits: str
    sex: str
    ins: str
    place: str


def traits(person) -> Traits:
    family_raw, used_raw = (person.family_name or "").strip(), (person.used_name or "").strip()
    return Traits(
        person=person,
        family=normalise(family_raw),
        used=normalise(used_raw),
        family_raw=family_raw.upper(),
        used_raw=used_raw.upper(),
        family_words=tuple(fold(family_raw).split()),
        used_words=tuple(fold(used_raw).split()),
        first=normalise(person.first_names),
        first1=first_token(person.first_names),
        digits=bd.as_digits(person.birth_date),
        sex=person.sex or "I",
        ins=person.ins or "",
        place=person.birth_place_code or "",
    )


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
    if a == b:
        return 0
    d = distance(a, b, limit=2)
    return d if d <= allowed_typos(a, b) else None


def _without_particles(words: tuple[str, ...]) -> str:
    return "".join(w for w in words if w not in PARTICLES)


def _one_family(a_name, a_raw, a_words, b_name, b_raw, b_words, label) -> tuple[int, str, str] | None:
    """(points, kind, reason) for one pairing of two family names, or None."""
    d = _close(a_name, b_name)
    if d == 0:
        if a_raw != b_raw:
            return 30, Kind.SPELLING_VARIANT, f"même nom de {label} (accents, tirets, apostrophes ou espaces près)"
        return 30, Kind.SAME_FAMILY_NAME, f"même nom de {label}"
    a_core, b_core = _without_particles(a_words), _without_particles(b_words)
    if a_core and a_core == b_core:
        return 26, Kind.PARTICLE, f"même nom de {label}, à la particule près"
    if d is not None:
        return 30 - 8 * d, Kind.FAMILY_NAME_TYPO, f"nom de {label} proche ({_typos(d)})"
    small, big = sorted((set(a_words) - PARTICLES, set(b_words) - PARTICLES), key=len)
    if small and len(big) > len(small) and small <= big and min(len(w) for w in small) >= 3:
        return 22, Kind.COMPOUND_NAME, f"nom composé : « {a_raw} » / « {b_raw} »"
    return None


def _family_match(a: Traits, b: Traits) -> tuple[int, str, str] | None:
    """The best pairing of birth and used names on both sides."""
    best = None
    for a_is_used, a_name, a_raw, a_words in (
        (0, a.family, a.family_raw, a.family_words),
        (1, a.used, a.used_raw, a.used_words),
    ):
        for b_is_used, b_name, b_raw, b_words in (
            (0, b.family, b.family_raw, b.family_words),
            (1, b.used, b.used_raw, b.used_words),
        ):
            if not a_name or not b_name:
                continue
            label = "naissance" if not (a_is_used or b_is_used) else "usage"
            found = _one_family(a_name, a_raw, a_words, b_name, b_raw, b_words, label)
            if found is None:
                continue
            points, kind, reason = found
            if a_is_used != b_is_used:
                points, kind = points - 5, Kind.USED_NAME_AS_BIRTH_NAME
                reason = "nom d'usage de l'une = nom de naissance de l'autre"
            elif a_is_used:
                points -= 3
            if best is None or points > best[0]:
                best = (points, kind, reason)
    return best


def _first_names_match(a: Traits, b: Traits) -> tuple[int, str, str, int] | None:
    """(points, kind, reason, typos)."""
    d = _close(a.first, b.first)
    if d is not None:
        if d == 0:
            return 20, Kind.SAME_FIRST_NAMES, "mêmes prénoms", 0
        return 20 - 6 * d, Kind.FIRST_NAME_TYPO, f"prénoms proches ({_typos(d)})", d
    d = _close(a.first1, b.first1)
    if d is not None:
        if d == 0:
            return 14, Kind.SAME_FIRST_FIRST_NAME, "même premier prénom", 0
        return 14 - 6 * d, Kind.FIRST_NAME_TYPO, f"premier prénom proche ({_typos(d)})", d
    return None


def _swapped(a: Traits, b: Traits) -> bool:
    """Family name typed as first name and the other way round."""
    a_families = {n for n in (a.family, a.used) if n}
    b_families = {n for n in (b.family, b.used) if n}
    return bool(a_families & {b.first, b.first1}) and bool(b_families & {a.first, a.first1})


def compare_traits(a: Traits, b: Traits) -> Match | None:
    if a.ins and b.ins:
        return Match(b.person, CERTAIN, ("même INS",), (Kind.SAME_INS,)) if a.ins == b.ins else None
    slip = bd.date_relation(a.digits, b.digits)
    if slip is None:
        return None
    family, first = _family_match(a, b), None
    if family is not None:
        first = _first_names_match(a, b)
    kinds: list[str] = [slip]
    reasons: list[str] = [bd.REASONS[slip]]
    if slip != bd.SAME:
        reasons[0] += (
            f" ({a.digits[:2]}/{a.digits[2:4]}/{a.digits[4:]} / {b.digits[:2]}/{b.digits[2:4]}/{b.digits[4:]})"
        )
    if family is not None and first is not None:
        score = (45 if slip == bd.SAME else 30) + family[0] + first[0]
        exact_names = family[1] in (Kind.SAME_FAMILY_NAME, Kind.SPELLING_VARIANT) and first[1] == Kind.SAME_FIRST_NAMES
        if slip != bd.SAME and (family[0] < 25 or family[1] == Kind.COMPOUND_NAME or first[3] > 1):
            return None  # a date slip and a name slip: too far
        names = [(family[1], family[2]), (first[1], first[2])]
    elif slip == bd.SAME and _swapped(a, b):
        score, exact_names = 45 + 40, True
        names = [(Kind.NAMES_SWAPPED, "nom et prénom inversés")]
    else:
        return None
    if a.sex == b.sex:
        kinds.append(Kind.SAME_SEX)
        reasons.append("même sexe")
    elif "I" in (a.sex, b.sex):
        kinds.append(Kind.SEX_UNKNOWN)
        score -= 5
    elif slip == bd.SAME and exact_names:
        kinds.append(Kind.OTHER_SEX)
        reasons.append(f"sexe différent ({a.sex} / {b.sex})")
        score -= 15
    else:
        return None
    for kind, reason in names:
        kinds.append(kind)
        reasons.append(reason)
    if a.place and a.place == b.place:
        score += 4
        kinds.append(Kind.SAME_BIRTH_PLACE)
        reasons.append("même lieu de naissance")
    return Match(b.person, min(score, CERTAIN - 1), tuple(reasons), tuple(kinds))


def compare(a, b) -> Match | None:
    """A Match when `b` may be the same person as `a` (both carry the Person identity attributes)."""
    return compare_traits(traits(a), traits(b))


def find_duplicates(person, candidates: Iterable) -> list[Match]:
    """Matches of `person` among `candidates` (itself excluded), best first."""
    mine = traits(person)
    matches = [m for c in candidates if c is not person and (m := compare_traits(mine, traits(c)))]
    return sorted(matches, key=lambda m: -m.score)


def duplicate_pairs(persons: Iterable) -> list[tuple[object, Match]]:
    """All likely pairs in a collection, comparing only persons sharing a blocking key (`blocking.py`)."""
    from .blocking import candidate_pairs

    prepared = [traits(p) for p in persons]
    pairs = []
    for i, j in candidate_pairs(prepared):
        if match := compare_traits(prepared[i], prepared[j]):
            pairs.append((prepared[i].person, match))
    return pairs
