"""Reference AGGIR grids with their expected GIR, each built from a named source (decision 0035).

A grid is written as its sub-variables' and variables' modalities, in the grid's order:
``coh`` communication+comportement, ``ori`` temps+espace, ``toi`` haut+bas, ``hab`` haut+moyen+bas, ``ali`` se
servir+manger, ``eli`` urinaire+fécale, then ``tra`` transferts, ``din`` / ``dex`` déplacements intérieur /
extérieur, ``com`` communication à distance. ``variables`` is the expected modality of the ten variables after
combination, ``rank`` and ``gir`` the expected result of CASF annexe 2-2. Each case says where its expectation comes
from and gives the group scores that decide it (computed by hand from the annexe's tables, not by Relais).

Sources (full citations in docs/decisions/0035-aggir-reference-rule.md):
- [2-2] CASF annexe 2-2, consolidated text, etalab/codes-juridiques-francais
  codes-en-vigueur/code-de-l-action-sociale-et-des-familles/annexe/article-annexe-2-2.md;
- [FH] FreeHealth, libs/medicalutils/aggir/girscore.cpp (BSD): the guide's combination lines quoted in comments;
- [MB] Mediboard (OpenXtrem, GPL) CExamGir.php and its unit test CExamGirTest.php, as published in
  sergeinack3/PowerCare: combination of sub-variables and six variable-level profiles with their expected GIR.
"""

from __future__ import annotations

from dataclasses import dataclass

from relais.evaluations import aggir

SHORT = {
    "coh": "coherence",
    "ori": "orientation",
    "toi": "toilette",
    "hab": "habillage",
    "ali": "alimentation",
    "eli": "elimination",
    "tra": "transferts",
    "din": "deplacements_interieur",
    "dex": "deplacements_exterieur",
    "com": "communication",
}


@dataclass(frozen=True)
class Case:
    name: str
    grid: str  # "coh=BC ori=CB toi=AB hab=AAB ali=AA eli=AB tra=A din=A dex=B com=B"
    variables: str  # expected modalities of the ten variables, grid order
    rank: int
    gir: int
    source: str

    def answers(self) -> dict[str, str]:
        """The grid as the AGGIR form's answers (linkIds "variable.sub" and plain variables)."""
        answers = {}
        for part in self.grid.split():
            short, letters = part.split("=")
            variable = SHORT[short]
            subs = aggir.SUB_VARIABLES.get(variable)
            if subs is None:
                answers[variable] = letters
            else:
                answers.update({f"{variable}.{sub}": letter for sub, letter in zip(subs, letters, strict=True)})
        return answers


CASES = [
    Case(
        "dementia profile of issue 12 (mixed cohérence and orientation, body mostly preserved)",
        "coh=BC ori=CB toi=AB hab=AAB ali=AA eli=AB tra=A din=A dex=B com=B",
        "CCBBABAABB",
        4,
        2,
        "[FH] and [MB]: one sub-variable C → C for cohérence and orientation. [2-2] group A = 2000+1200+16+16+16 = "
        "3248 < 3390; group B = 1500+1200+16+16+16 = 2748 ≥ 2016 → rank 4 → GIR 2. The former rule (BC → B) gave "
        "B B B B A B A A: group H = 3×2000 = 6000 → rank 11 → GIR 4.",
    ),
    Case(
        "advanced dementia who still walks (GIR 2, second description of annexe 2-3)",
        "coh=CC ori=CC toi=AA hab=AAA ali=AA eli=AA tra=A din=A dex=A com=A",
        "CCAAAAAAAA",
        4,
        2,
        "All rules agree (CC → C). [2-2] A = 3200 < 3390; B = 1500+1200 = 2700 ≥ 2016 → rank 4 → GIR 2.",
    ),
    Case(
        "comportement C alone, orientation preserved",
        "coh=AC ori=AA toi=AA hab=AAA ali=AA eli=AA tra=A din=A dex=A com=A",
        "CAAAAAAAAA",
        13,
        6,
        "[FH]/[MB]: AC → C. [2-2] A 2000; B 1500; C 0; D 0; E 400; F 200; G 150; H 0 < 2000 → rank 13 → GIR 6 "
        "(cohérence alone weighs nothing in groups C, D and H).",
    ),
    Case(
        "cohérence and orientation each with one sub-variable C, toilette and habillage partial",
        "coh=CA ori=AC toi=BB hab=ABA ali=AA eli=AA tra=A din=A dex=A com=A",
        "CCBBAAAAAA",
        4,
        2,
        "[FH]/[MB]: CA, AC → C. [2-2] A = 2000+1200+16+16 = 3232 < 3390; B = 1500+1200+16+16 = 2732 → rank 4. "
        "The former rule (B, B) gave B B B B: A 32; B 472; C 32; D 0; E 200; F 400; G 400; H 4000 → GIR 4.",
    ),
    Case(
        "orientation B (AB), cohérence A: no C, so B under every rule",
        "coh=AA ori=AB toi=AA hab=AAA ali=AA eli=AA tra=A din=A dex=A com=A",
        "ABAAAAAAAA",
        13,
        6,
        "[FH]/[MB]: AB → B. [2-2] A 0; B 120; C 0; D 0; E 0; F 100; G 0; H 0 → rank 13 → GIR 6.",
    ),
    Case(
        "toilette and habillage with a C but not all C stay B (AC → B, ACC → B)",
        "coh=AA ori=AA toi=AC hab=ACC ali=AA eli=AA tra=A din=A dex=A com=A",
        "AABBAAAAAA",
        11,
        4,
        "[FH] 'Toilette AA=A CC=C autres=B', 'Habillage AAA=A CCC=C Autres=B'; [MB] the same. [2-2] A 32; B 32; "
        "C 32; D 0; E 200; F 200; G 400; H 4000 → rank 11 → GIR 4 (with both C it would be F = 1000 → GIR 3).",
    ),
    Case(
        "toilette and habillage all C",
        "coh=AA ori=AA toi=CC hab=CCC ali=AA eli=AA tra=A din=A dex=A com=A",
        "AACCAAAAAA",
        9,
        3,
        "[FH]/[MB]: CC → C, CCC → C. Same variables as [MB] unit test 'test_score_gir_3' (expected GIR 3). "
        "[2-2] A 80; B 80; C 80; D 0; E 800 < 1200; F 1000 ≥ 800 → rank 9 → GIR 3.",
    ),
    Case(
        "élimination with one sub-variable C (urinaire C, fécale A) is C",
        "coh=AA ori=AA toi=AA hab=AAA ali=AA eli=CA tra=B din=A dex=A com=A",
        "AAAAACBAAA",
        10,
        4,
        "[FH] 'Elimination AA=A CC=C CB_BC=C AC=C CA=C BB=B'; [MB] the same. [2-2] A 100+120 = 220; B 220; "
        "C 160+200 = 360; D 400+200 = 600; E 800+100 = 900; F 500+100 = 600; G 500+200 = 700 ≥ 650 → rank 10.",
    ),
    Case(
        "alimentation BC → C (se servir B, manger C), with élimination B and transferts B",
        "coh=AA ori=AA toi=AA hab=AAA ali=BC eli=AB tra=B din=A dex=A com=A",
        "AAAACBBAAA",
        7,
        2,
        "[FH] 'Alimentation SM AA=A CC=C BC=C CB=C Autres=B'; [MB] the same for BC. [2-2] A 60+16+120 = 196; "
        "B 60+16+120 = 196; C 60+20+200 = 280; D 2000+200+200 = 2400 ≥ 2400 → rank 7 → GIR 2.",
    ),
    Case(
        "alimentation AC → B (se servir A, manger C): the guide's line as quoted by FreeHealth; Mediboard says C",
        "coh=AA ori=AA toi=AA hab=AAA ali=AC eli=AB tra=B din=A dex=A com=A",
        "AAAABBBAAA",
        11,
        4,
        "[FH] 'Alimentation ... Autres=B' (AC is not listed among the C): B. [MB] codes AC → C, which would give "
        "rank 7 → GIR 2 (previous case). [2-2] A 20+16+120 = 156; B 136; C 240; D 600; E 300; F 300; "
        "G 600 < 650; H 3×2000 = 6000 → rank 11 → GIR 4. Flagged in decision 0035.",
    ),
    Case(
        "bedridden, all C",
        "coh=CC ori=CC toi=CC hab=CCC ali=CC eli=CC tra=C din=C dex=C com=C",
        "CCCCCCCCCC",
        1,
        1,
        "[MB] unit test 'test_score_gir_1' (expected GIR 1). [2-2] A = 4440 ≥ 4380 → rank 1 → GIR 1.",
    ),
    Case(
        "independent, all A",
        "coh=AA ori=AA toi=AA hab=AAA ali=AA eli=AA tra=A din=A dex=A com=A",
        "AAAAAAAAAA",
        13,
        6,
        "[MB] unit test 'test_score_gir_6' (expected GIR 6). [2-2] every group 0; H < 2000 → rank 13 → GIR 6.",
    ),
    Case(
        "cohérence, orientation, toilette, habillage C; the rest A",
        "coh=CC ori=CC toi=CC hab=CCC ali=AA eli=AA tra=A din=A dex=A com=A",
        "CCCCAAAAAA",
        4,
        2,
        "[MB] unit test 'test_score_gir_2' (expected GIR 2). [2-2] A = 3280 < 3390; B = 2780 ≥ 2016 → rank 4.",
    ),
    Case(
        "toilette B, habillage C",
        "coh=AA ori=AA toi=AB hab=CCC ali=AA eli=AA tra=A din=A dex=A com=A",
        "AABCAAAAAA",
        11,
        4,
        "[MB] unit test 'test_score_gir_4' (expected GIR 4). [2-2] A 56; B 56; C 56; D 0; E 500; F 600; G 500; "
        "H 2000+3000 = 5000 → rank 11 → GIR 4.",
    ),
    Case(
        "habillage B only",
        "coh=AA ori=AA toi=AA hab=ABA ali=AA eli=AA tra=A din=A dex=A com=A",
        "AAABAAAAAA",
        12,
        5,
        "[MB] unit test 'test_score_gir_5' (expected GIR 5). [2-2] G 200 < 650; H 2000 → rank 12 → GIR 5.",
    ),
    Case(
        "the grid of the evaluations tests (tests/evaluations/answers.py)",
        "coh=AA ori=AB toi=AC hab=ABC ali=BC eli=CA tra=B din=A dex=B com=A",
        "ABBBCCBABA",
        7,
        2,
        "[FH]/[MB] for every combination used (AB → B, AC → B for toilette, ABC → B, BC → C, CA → C). [2-2] "
        "A 312; B 432; C 452; D = 2000+400+200 = 2600 ≥ 2400 → rank 7 → GIR 2.",
    ),
]
