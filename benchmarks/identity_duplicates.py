"""Benchmark of duplicate detection (identity vigilance, decision 0030) on a synthetic file with known duplicates.

    python benchmarks/identity_duplicates.py [--persons 50000] [--duplicates 0.03] [--seed 1]

No database: persons are generated in memory (synthetic names built from syllables, plus common French names with
accents, particles, hyphens and apostrophes; birth dates 1920–2010; an INS for a third of them). Then:
- known duplicates are injected, a share of the persons (``--duplicates``), each with one error of French identity
  records: accents, case, hyphen/space, apostrophe, particle, used name typed as birth name, compound birth name,
  swapped family and first names, other sex, day and month inverted, one digit off, neighbouring digits swapped, a
  typo in the family name or the first name, the same INS under other names;
- unrelated persons with coincidentally similar identities are added, which must NOT be paired: twins (same family
  name and date, another first name, sometimes the other sex), namesakes of another generation (same names, another
  date, sometimes one digit away: a known limit), same date and first name in another family, homonyms with two
  different INS.
``relais.persons.duplicates.duplicate_pairs`` (blocking in ``blocking.py``) runs over the whole file. Precision = true
pairs found / pairs found; recall = true pairs found / pairs injected (also per error kind). Progress on stderr; the
last line is one JSON object with persons, injected, found, true_positives, precision, recall, recall_by_kind,
false_positives_by_kind, generate_s, detect_s, peak_memory_mb (tracemalloc-free: ru_maxrss of the process), machine.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import machine

from relais.persons.duplicates import duplicate_pairs

ONSETS = "b c d f g j l m n p r s t v ch br cr dr fr gr pl tr gu qu".split()
VOWELS = "a e i o u ou au ai eu é è an in on".split()
CODAS = ["", "", "", "n", "r", "l", "s", "t", "rt", "nd", "x", "z", "c", "ll", "rd"]
COMMON = [
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Le Gall",
    "de La Fontaine",
    "D'Arcy",
    "Aubert",
    "Bénard",
    "Fournier",
    "Le Goff",
    "Roux",
    "Girard",
    "Bonnet",
    "Lambert",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Müller",
    "N'Diaye",
    "Da Silva",
    "Van der Berg",
    "Saint-Martin",
    "Le Floc'h",
    "Quéré",
    "Kerbrat",
    "Morvan",
    "Hervé",
    "Chevalier",
]
FIRST = [
    "Jean",
    "Marie",
    "Pierre",
    "Anne",
    "Hélène",
    "Éloïse",
    "Zoé",
    "Noël",
    "Loïc",
    "Maël",
    "Gaëlle",
    "Jérôme",
    "Françoise",
    "Jean-Marie",
    "Marie-Thérèse",
    "Anaïs",
    "Yann",
    "Nolwenn",
    "Patrick",
    "Alice",
    "André",
    "Luc",
    "Paul",
    "Pauline",
    "Louis",
    "Louise",
    "Michel",
    "Michèle",
    "Daniel",
    "Danièle",
    "Camille",
    "Dominique",
]
PARTICLES = ("de ", "du ", "le ", "de la ")
ERRORS = [
    "accents",
    "case",
    "hyphen_space",
    "apostrophe",
    "particle",
    "used_name",
    "compound",
    "swapped",
    "other_sex",
    "day_month",
    "digit_off",
    "digits_swapped",
    "family_typo",
    "first_typo",
    "same_ins",
]
ACCENTS = str.maketrans("éèêëàâäîïôöûüùçÉÈ", "eeeeaaaiioouuucEE")


class Rec:
    __slots__ = ("birth_date", "birth_place_code", "family_name", "first_names", "ident", "ins", "sex", "used_name")

    def __init__(self, ident, family_name, first_names, birth_date, sex, ins="", used_name=""):
        self.ident, self.family_name, self.used_name = ident, family_name, used_name
        self.first_names, self.birth_date, self.sex, self.ins = first_names, birth_date, sex, ins or None
        self.birth_place_code = ""

    def copy(self, ident, **changes):
        new = Rec(ident, self.family_name, self.first_names, self.birth_date, self.sex, None, self.used_name)
        for name, value in changes.items():
            setattr(new, name, value)
        return new


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def synthetic_name(rng: random.Random) -> str:
    syllables = [rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.choice((2, 2, 3)))]
    return ("".join(syllables) + rng.choice(CODAS)).capitalize()


def pools(rng: random.Random) -> tuple[list[str], list[str]]:
    families = sorted({synthetic_name(rng) for _ in range(60000)})
    firsts = sorted({synthetic_name(rng) for _ in range(3000)})
    return families + COMMON * 20, firsts + FIRST * 30


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1) if len(word) > 3 else 1
    choice = rng.random()
    if choice < 0.4 and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if choice < 0.7:
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]


def digits_date(text: str) -> date | None:
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        return None


def inject(rng: random.Random, base: Rec, kind: str, ident: int) -> Rec | None:
    """A duplicate of `base` with one error of kind `kind`, or None when the error does not apply to it."""
    digits = f"{base.birth_date:%d%m%Y}"
    if kind == "accents":
        plain = base.family_name.translate(ACCENTS)
        return base.copy(ident, family_name=plain) if plain != base.family_name else None
    if kind == "case":
        return base.copy(ident, family_name=base.family_name.upper(), first_names=base.first_names.lower())
    if kind == "hyphen_space":
        return base.copy(ident, first_names=base.first_names.replace("-", " ")) if "-" in base.first_names else None
    if kind == "apostrophe":
        return base.copy(ident, family_name=base.family_name.replace("'", "")) if "'" in base.family_name else None
    if kind == "particle":
        return base.copy(ident, family_name=rng.choice(PARTICLES) + base.family_name)
    if kind == "used_name":
        if not base.used_name:
            return None
        return base.copy(ident, family_name=base.used_name, used_name="")
    if kind == "compound":
        return base.copy(ident, family_name=f"{base.family_name}-{synthetic_name(rng)}")
    if kind == "swapped":
        return base.copy(ident, family_name=base.first_names.split()[0], first_names=base.family_name)
    if kind == "other_sex":
        return base.copy(ident, sex={"F": "M", "M": "F"}[base.sex])
    if kind == "day_month":
        new = digits_date(digits[2:4] + digits[:2] + digits[4:])
        return base.copy(ident, birth_date=new) if new and new != base.birth_date else None
    if kind == "digit_off":
        i = rng.choice((1, 3, 6, 7))
        new = digits_date(digits[:i] + str((int(digits[i]) + rng.choice((1, 9))) % 10) + digits[i + 1 :])
        return base.copy(ident, birth_date=new) if new else None
    if kind == "digits_swapped":
        i = rng.choice((0, 2, 6))
        new = digits_date(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])
        return base.copy(ident, birth_date=new) if new and new != base.birth_date else None
    if kind == "family_typo":
        return base.copy(ident, family_name=typo(rng, base.family_name)) if len(base.family_name) >= 5 else None
    if kind == "first_typo":
        first = base.first_names.split()[0]
        return base.copy(ident, first_names=typo(rng, first)) if len(first) >= 5 else None
    if kind == "same_ins":
        if not base.ins:
            return None
        return base.copy(ident, family_name=synthetic_name(rng), first_names=synthetic_name(rng), ins=base.ins)
    raise ValueError(kind)


def ins_for(n: int) -> str:
    return f"{n:015d}"  # unique per person; the key is not checked by the pure detection


def generate(persons: int, share: float, seed: int):
    rng = random.Random(seed)
    families, firsts = pools(rng)
    start, span = date(1920, 1, 1), (date(2010, 12, 31) - date(1920, 1, 1)).days
    records: list[Rec] = []
    for n in range(persons):
        sex = rng.choice("FM")
        first = rng.choice(firsts) + (f" {rng.choice(firsts)}" if rng.random() < 0.3 else "")
        rec = Rec(n, rng.choice(families), first, start + timedelta(days=rng.randrange(span)), sex)
        if rng.random() < 0.33:
            rec.ins = ins_for(n)
        if sex == "F" and rng.random() < 0.3:
            rec.used_name = rng.choice(families)
        records.append(rec)
    truth: dict[tuple[int, int], str] = {}
    negatives: dict[int, str] = {}
    ident = persons
    for base in rng.sample(records[:persons], int(persons * share)):
        for _attempt in range(4):
            kind = rng.choice(ERRORS)
            dup = inject(rng, base, kind, ident)
            if dup is not None:
                records.append(dup)
                truth[(base.ident, ident)] = kind
                ident += 1
                break
    for base in rng.sample(records[:persons], int(persons * share / 2)):
        choice = rng.random()
        if choice < 0.3:
            kind, twin = "twin", base.copy(ident, first_names=rng.choice(firsts), sex=rng.choice("FM"))
        elif choice < 0.55:
            kind = "other_generation"
            twin = base.copy(ident, birth_date=base.birth_date + timedelta(days=rng.randrange(7000, 12000)))
        elif choice < 0.65:
            kind = "namesake_decade"  # same names, born the same day ten or twenty years apart: one digit away
            day = base.birth_date
            new = digits_date(f"{day:%d%m}{day.year + rng.choice((10, 20))}") or day + timedelta(days=3653)
            twin = base.copy(ident, birth_date=new)
        elif choice < 0.85:
            kind, twin = "same_date_first_name", base.copy(ident, family_name=rng.choice(families))
        else:
            kind = "homonym_other_ins"
            base.ins = base.ins or ins_for(base.ident)
            twin = base.copy(ident, ins=ins_for(ident))
        records.append(twin)
        negatives[ident] = kind
        ident += 1
    rng.shuffle(records)
    return records, truth, negatives


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=50000)
    parser.add_argument("--duplicates", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    records, truth, negatives = generate(args.persons, args.duplicates, args.seed)
    generate_s = time.perf_counter() - started
    log(
        f"{len(records)} records ({len(truth)} injected duplicates, {len(negatives)} look-alikes) in {generate_s:.1f} s"
    )

    started = time.perf_counter()
    found = {tuple(sorted((a.ident, m.other.ident))) for a, m in duplicate_pairs(records)}
    detect_s = time.perf_counter() - started
    log(f"{len(found)} pairs found in {detect_s:.1f} s")

    true_pairs = {tuple(sorted(pair)) for pair in truth}
    kind_of = {tuple(sorted(pair)): kind for pair, kind in truth.items()}
    hits = found & true_pairs
    by_kind: dict[str, list[int]] = {}
    for pair in true_pairs:
        counts = by_kind.setdefault(kind_of[pair], [0, 0])
        counts[1] += 1
        counts[0] += pair in hits
    false_by_kind: dict[str, int] = {}
    for pair in found - true_pairs:
        kind = negatives.get(pair[1]) or negatives.get(pair[0]) or "coincidence"
        false_by_kind[kind] = false_by_kind.get(kind, 0) + 1
    result = {
        "persons": len(records),
        "injected": len(true_pairs),
        "look_alikes": len(negatives),
        "found": len(found),
        "true_positives": len(hits),
        "precision": round(len(hits) / len(found), 4) if found else 1.0,
        "recall": round(len(hits) / len(true_pairs), 4) if true_pairs else 1.0,
        "recall_by_kind": {k: round(h / t, 3) for k, (h, t) in sorted(by_kind.items())},
        "false_positives_by_kind": dict(sorted(false_by_kind.items())),
        "generate_s": round(generate_s, 2),
        "detect_s": round(detect_s, 2),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "seed": args.seed,
        "machine": machine(),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
