"""The AGGIR grid and its GIR algorithm, as published in the Code de l'action sociale et des familles (pure Python).

Sources (see docs/decisions/0023-evaluations-and-aggir.md, which reproduces the tables, and 0035 for the
sub-variable rule checked against independent implementations):
- CASF annexe 2-1 (décret n° 2008-821 du 21 août 2008): the grid, its ten discriminant variables scored A/B/C, and
  the filling guide, which splits six variables into sub-variables and combines them into the variable's modality;
- CASF annexe 2-2 (algorithm of décret n° 97-427 du 28 avril 1997, text in force): eight groups of weights (A to H)
  tested in order, each giving a rank when its score reaches a threshold, and the rank → GIR table.

Only the first eight variables weigh in the algorithm: "déplacements à l'extérieur" and "communication à distance"
have a weight of 0 in every group of the text in force; they are still asked (the grid requires them).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

A, B, C = "A", "B", "C"
MODALITIES = (A, B, C)

# The ten discriminant variables, in the order of the grid (CASF annexe 2-1) and of the weight tables (annexe 2-2).
VARIABLES = (
    "coherence",
    "orientation",
    "toilette",
    "habillage",
    "alimentation",
    "elimination",
    "transferts",
    "deplacements_interieur",
    "deplacements_exterieur",
    "communication",
)
LABELS = {
    "coherence": "Cohérence",
    "orientation": "Orientation",
    "toilette": "Toilette",
    "habillage": "Habillage",
    "alimentation": "Alimentation",
    "elimination": "Élimination",
    "transferts": "Transferts",
    "deplacements_interieur": "Déplacements à l'intérieur",
    "deplacements_exterieur": "Déplacements à l'extérieur",
    "communication": "Communication à distance",
}

# Sub-variables of the filling guide (annexe 2-1, guide de remplissage, 2008), in the guide's order.
SUB_VARIABLES = {
    "coherence": ("communication", "comportement"),
    "orientation": ("temps", "espace"),
    "toilette": ("haut", "bas"),
    "habillage": ("haut", "moyen", "bas"),
    "alimentation": ("se_servir", "manger"),
    "elimination": ("urinaire", "fecale"),
}
SUB_LABELS = {
    "communication": "Communication",
    "comportement": "Comportement",
    "temps": "Dans le temps",
    "espace": "Dans l'espace",
    "haut": "Haut",
    "moyen": "Moyen",
    "bas": "Bas",
    "se_servir": "Se servir",
    "manger": "Manger",
    "urinaire": "Urinaire",
    "fecale": "Fécale",
}

# How the filling guide (annexe 2-1, 2008) combines the sub-variables into the variable's modality. The guide's
# fac-similé is not reproduced in the consolidated Légifrance text ("Guide non reproduit, consulter le fac-similé"),
# so each rule is taken from the guide's lines as quoted and coded by FreeHealth (libs/medicalutils/aggir/
# girscore.cpp) and as coded by Mediboard/OpenXtrem (CExamGir.php, as published in sergeinack3/PowerCare); the two
# agree except on alimentation AC/CA. Exact quotes and commits: docs/decisions/0035-aggir-reference-rule.md.
# - "C dominates": AA → A; one sub-variable C → C; otherwise (AB, BA, BB) → B.
#   Guide, as quoted by FreeHealth: "Coherence AA = A ; AB, BA, BB = B ; CC, BC, CB, AC, CA = C" (same line for
#   orientation) and "Elimination AA=A CC=C CB_BC=C AC=C CA=C BB=B"; Mediboard codes the same three variables so.
RULE_C_DOMINATES = "c_dominates"
# - "all or B": all A → A; all C → C; otherwise → B.
#   Guide, as quoted by FreeHealth: "Toilette AA=A CC=C autres=B", "Habillage (Haut, Moyen, Bas) AAA=A CCC=C
#   Autres=B"; Mediboard codes both so.
RULE_ALL_OR_B = "all_or_b"
# - alimentation: AA → A; CC, BC, CB → C; otherwise (AB, BA, BB, AC, CA) → B.
#   Guide, as quoted by FreeHealth: "Alimentation SM AA=A CC=C BC=C CB=C Autres=B" (se servir, manger).
#   Mediboard gives C for AC and CA too; we follow the guide's line as quoted (decision 0035).
RULE_ALIMENTATION = "alimentation"
COMBINATION_RULES = {
    "coherence": RULE_C_DOMINATES,
    "orientation": RULE_C_DOMINATES,
    "toilette": RULE_ALL_OR_B,
    "habillage": RULE_ALL_OR_B,
    "alimentation": RULE_ALIMENTATION,
    "elimination": RULE_C_DOMINATES,
}
# The rules in words, for the result page ("how it was computed").
RULE_TEXTS = {
    RULE_C_DOMINATES: "toutes A → A ; au moins une C → C ; autres → B",
    RULE_ALL_OR_B: "toutes A → A ; toutes C → C ; autres → B",
    RULE_ALIMENTATION: "AA → A ; CC, BC, CB → C ; autres (dont AC, CA) → B",
}
# Stamped in each stored score: evaluations computed before 2026-12 used "2008-guide-v1", which gave B for
# cohérence and orientation with one sub-variable C (decision 0035); data migration 0003 recomputed them.
RULE_VERSION = "2008-guide-v2"


def combine(variable: str, modalities: tuple[str, ...] | list[str]) -> str:
    """The variable's modality from its sub-variables' (in the order of SUB_VARIABLES[variable])."""
    expected = SUB_VARIABLES[variable]
    if len(modalities) != len(expected) or any(m not in MODALITIES for m in modalities):
        raise ValueError(f"{LABELS[variable]} : {len(expected)} modalités A, B ou C attendues, reçu {modalities!r}.")
    values = set(modalities)
    if values == {A}:
        return A
    if values == {C}:
        return C
    rule = COMBINATION_RULES[variable]
    if rule == RULE_C_DOMINATES and C in values:
        return C
    if rule == RULE_ALIMENTATION and values == {B, C}:
        return C
    return B


@dataclass(frozen=True)
class Group:
    """One group of annexe 2-2: the value of each variable when C and when B, and (threshold, rank) from the
    highest threshold down: the first threshold the score reaches gives the rank; none → test the next group."""

    name: str
    when_c: tuple[int, ...]
    when_b: tuple[int, ...]
    ranks: tuple[tuple[int, int], ...]

    def score(self, modalities: dict[str, str]) -> int:
        total = 0
        for i, variable in enumerate(VARIABLES):
            value = modalities[variable]
            total += self.when_c[i] if value == C else self.when_b[i] if value == B else 0
        return total

    def rank(self, score: int) -> int | None:
        return next((rank for threshold, rank in self.ranks if score >= threshold), None)


# CASF annexe 2-2, "1. Calcul des rangs": the tables GROUPE A to GROUPE H, columns in VARIABLES order
# (cohérence, orientation, toilette, habillage, alimentation, élimination, transferts, déplacement intérieur,
# déplacement extérieur, communication). A modality A is worth 0 in every group.
GROUPS = (
    # Groupe A: ≥ 4 380 → rang 1; 4 140 ≤ s < 4 380 → rang 2; 3 390 ≤ s < 4 140 → rang 3.
    Group(
        "A",
        when_c=(2000, 1200, 40, 40, 60, 100, 800, 200, 0, 0),
        when_b=(0, 0, 16, 16, 20, 16, 120, 32, 0, 0),
        ranks=((4380, 1), (4140, 2), (3390, 3)),
    ),
    # Groupe B: ≥ 2 016 → rang 4 (déplacement intérieur has negative values in this group).
    Group(
        "B",
        when_c=(1500, 1200, 40, 40, 60, 100, 800, -80, 0, 0),
        when_b=(320, 120, 16, 16, 0, 16, 120, -40, 0, 0),
        ranks=((2016, 4),),
    ),
    # Groupe C: ≥ 1 700 → rang 5; 1 432 ≤ s < 1 700 → rang 6.
    Group(
        "C",
        when_c=(0, 0, 40, 40, 60, 160, 1000, 400, 0, 0),
        when_b=(0, 0, 16, 16, 20, 20, 200, 40, 0, 0),
        ranks=((1700, 5), (1432, 6)),
    ),
    # Groupe D: ≥ 2 400 → rang 7.
    Group(
        "D",
        when_c=(0, 0, 0, 0, 2000, 400, 2000, 200, 0, 0),
        when_b=(0, 0, 0, 0, 200, 200, 200, 0, 0, 0),
        ranks=((2400, 7),),
    ),
    # Groupe E: ≥ 1 200 → rang 8.
    Group(
        "E",
        when_c=(400, 400, 400, 400, 400, 800, 800, 200, 0, 0),
        when_b=(0, 0, 100, 100, 100, 100, 100, 0, 0, 0),
        ranks=((1200, 8),),
    ),
    # Groupe F: ≥ 800 → rang 9.
    Group(
        "F",
        when_c=(200, 200, 500, 500, 500, 500, 500, 200, 0, 0),
        when_b=(100, 100, 100, 100, 100, 100, 100, 0, 0, 0),
        ranks=((800, 9),),
    ),
    # Groupe G: ≥ 650 → rang 10.
    Group(
        "G",
        when_c=(150, 150, 300, 300, 500, 500, 400, 200, 0, 0),
        when_b=(0, 0, 200, 200, 200, 200, 200, 100, 0, 0),
        ranks=((650, 10),),
    ),
    # Groupe H: ≥ 4 000 → rang 11; 2 000 ≤ s < 4 000 → rang 12; < 2 000 → rang 13 (the last group always ranks).
    Group(
        "H",
        when_c=(0, 0, 3000, 3000, 3000, 3000, 1000, 1000, 0, 0),
        when_b=(0, 0, 2000, 2000, 2000, 2000, 2000, 1000, 0, 0),
        ranks=((4000, 11), (2000, 12), (-(10**9), 13)),
    ),
)

# CASF annexe 2-2, "2. Passage des rangs aux groupes": rank → GIR.
RANK_TO_GIR = {1: 1, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 3, 9: 3, 10: 4, 11: 4, 12: 5, 13: 6}


@dataclass(frozen=True)
class GroupStep:
    group: str
    score: int
    rank: int | None  # None: below every threshold, the next group is tested


@dataclass(frozen=True)
class Result:
    """The GIR and how it was reached, so a user can check it against the published tables."""

    gir: int
    rank: int
    modalities: dict[str, str]
    steps: tuple[GroupStep, ...]


def validate(modalities: dict[str, str]) -> dict[str, str]:
    missing = [LABELS[v] for v in VARIABLES if v not in modalities]
    if missing:
        raise ValueError(f"Variables AGGIR manquantes : {', '.join(missing)}.")
    wrong = [f"{LABELS[v]} = {modalities[v]!r}" for v in VARIABLES if modalities[v] not in MODALITIES]
    if wrong:
        raise ValueError(f"Modalité A, B ou C attendue : {', '.join(wrong)}.")
    return {v: modalities[v] for v in VARIABLES}


def compute(modalities: dict[str, str]) -> Result:
    """The GIR of the ten discriminant variables' modalities (annexe 2-2): test the groups in order."""
    modalities = validate(modalities)
    steps = []
    for group in GROUPS:
        score = group.score(modalities)
        rank = group.rank(score)
        steps.append(GroupStep(group.name, score, rank))
        if rank is not None:
            return Result(RANK_TO_GIR[rank], rank, modalities, tuple(steps))
    raise AssertionError("Group H always ranks.")  # pragma: no cover


def compute_from_sub_variables(answers: dict[str, str]) -> Result:
    """The GIR from a filled grid: sub-variables keyed "variable.sub" (e.g. "toilette.haut"), the other variables
    by their name. The combined modality of each split variable is computed by ``combine``."""
    keys = [f"{v}.{sub}" for v, subs in SUB_VARIABLES.items() for sub in subs]
    missing = [k for k in keys if answers.get(k) not in MODALITIES]
    if missing:
        raise ValueError(f"Sous-variables AGGIR manquantes ou invalides : {', '.join(missing)}.")
    modalities = {}
    for variable in VARIABLES:
        subs = SUB_VARIABLES.get(variable)
        if subs is None:
            modalities[variable] = answers.get(variable)
        else:
            modalities[variable] = combine(variable, tuple(answers[f"{variable}.{sub}"] for sub in subs))
    return compute(modalities)


def all_profiles():
    """Every combination of the ten variables' modalities (3^10), for exhaustive checks."""
    for values in product(MODALITIES, repeat=len(VARIABLES)):
        yield dict(zip(VARIABLES, values, strict=True))
