"""The GIR algorithm against reference cases built by hand from CASF annexe 2-2.

Profiles are written as ten letters in the order of the grid: cohérence, orientation, toilette, habillage,
alimentation, élimination, transferts, déplacements intérieur, déplacements extérieur, communication. Each case's
comment gives the group scores in testing order until one reaches a threshold (values from the decision record
docs/decisions/0023-evaluations-and-aggir.md).
"""

from collections import Counter

import pytest

from relais.evaluations import aggir


def profile(letters: str) -> dict[str, str]:
    return dict(zip(aggir.VARIABLES, letters, strict=True))


REFERENCE_CASES = [
    # All A: every group scores 0; H: 0 < 2000 → rank 13 → GIR 6.
    ("AAAAAAAAAA", 13, 6),
    # Only the two variables without weight are C: same as all A → GIR 6.
    ("AAAAAAAACC", 13, 6),
    # All C: A = 2000+1200+40+40+60+100+800+200 = 4440 ≥ 4380 → rank 1 → GIR 1.
    ("CCCCCCCCCC", 1, 1),
    # Exactly 4380: A = 2000+1200+40+40+100+800+200 (alimentation A) → rank 1 → GIR 1.
    ("CCCCACCCAA", 1, 1),
    # Just below 4380: A = 2000+1200+16 (habillage B)+60+100+800+200 = 4376 → rank 2 → GIR 2.
    ("CCABCCCCAA", 2, 2),
    # Exactly 4140: A = 2000+1200+40 (habillage)+100+800 = 4140 → rank 2 → GIR 2.
    ("CCACACCAAA", 2, 2),
    # A = 2000+1200+200 (déplacement intérieur C) = 3400 ≥ 3390 → rank 3 → GIR 2.
    ("CCAAAAACAA", 3, 2),
    # A = 3200 < 3390; B = 1500+1200 = 2700 ≥ 2016 → rank 4 → GIR 2.
    ("CCAAAAAAAA", 4, 2),
    # Exactly 2016: A = 1200+16+800 = 2016 < 3390; B = 1200+16 (élimination B)+800 = 2016 → rank 4 → GIR 2.
    ("ACAAABCAAA", 4, 2),
    # Same with élimination A: A 2000; B 2000 < 2016; C 1000 < 1432; D 2000 < 2400; E = 400+800 = 1200 → rank 8
    # → GIR 3: sixteen points of group B change the GIR.
    ("ACAAAACAAA", 8, 3),
    # A = 40+40+60+100+800+200 = 1240; B = 40+40+60+100+800-80 = 960; C = 40+40+60+160+1000+400 = 1700 → rank 5.
    ("AACCCCCCAA", 5, 2),
    # A = 16+16+800+200 = 1032; B = 16+16+800-80 = 752; C = 16+16+1000+400 = 1432 → rank 6 → GIR 2.
    ("AABBAACCAA", 6, 2),
    # Habillage A: C = 16+1000+400 = 1416 < 1432; D = 2000+200 = 2200 < 2400; E = 100+800+200 = 1100 < 1200;
    # F = 100+500+200 = 800 → rank 9 → GIR 3.
    ("AABAAACCAA", 9, 3),
    # A = 100+800 = 900; B = 900; C = 160+1000 = 1160; D = 400+2000 = 2400 → rank 7 → GIR 2.
    ("AAAAACCAAA", 7, 2),
    # A 840; B 840; C = 40+1000 = 1040; D = 2000; E = 400+800 = 1200 → rank 8 → GIR 3.
    ("AAACAACAAA", 8, 3),
    # A = 100+120+200 = 420; B = 100+120-80 = 140; C = 160+200+400 = 760; D = 400+200+200 = 800;
    # E = 800+100+200 = 1100; F = 500+100+200 = 800 → rank 9 → GIR 3.
    ("AAAAACBCAA", 9, 3),
    # A = 1200+60 = 1260; B 1260; C 60; D 2000; E 800; F = 200+500 = 700; G = 150+500 = 650 → rank 10 → GIR 4.
    ("ACAACAAAAA", 10, 4),
    # All B: A 220; B = 320+120+16+16+0+16+120-40 = 568; C 312; D 600; E 500; F 700 < 800;
    # G = 5×200+100 = 1100 ≥ 650 → rank 10 → GIR 4.
    ("BBBBBBBBBB", 10, 4),
    # A = 16+120 = 136; B 136; C 220; D 400; E 200; F 200; G 400; H = 2000+2000 = 4000 → rank 11 → GIR 4.
    ("AAAAABBAAA", 11, 4),
    # Transferts B alone: A 120; B 120; C 200; D 200; E 100; F 100; G 200; H 2000 → rank 12 → GIR 5.
    ("AAAAAABAAA", 12, 5),
    # Transferts C alone: A 800; B 800; C 1000; D 2000; E 800; F 500; G 400; H 1000 < 2000 → rank 13 → GIR 6
    # (the published tables rate "ne fait pas" better than "fait partiellement" here: see the monotony test).
    ("AAAAAACAAA", 13, 6),
]


@pytest.mark.parametrize(("letters", "rank", "gir"), REFERENCE_CASES)
def test_reference_cases(letters, rank, gir):
    result = aggir.compute(profile(letters))
    assert (result.rank, result.gir) == (rank, gir)
    assert result.steps[-1].rank == rank
    assert all(step.rank is None for step in result.steps[:-1])


def test_steps_show_each_group_score_until_one_ranks():
    result = aggir.compute(profile("AAAAACBCAA"))
    assert [(s.group, s.score) for s in result.steps] == [
        ("A", 420),
        ("B", 140),
        ("C", 760),
        ("D", 800),
        ("E", 1100),
        ("F", 800),
    ]


@pytest.mark.parametrize(
    ("variable", "subs", "expected"),
    [
        ("toilette", "AA", "A"),
        ("toilette", "CC", "C"),
        ("toilette", "AC", "B"),
        ("toilette", "BA", "B"),
        ("habillage", "AAA", "A"),
        ("habillage", "CCC", "C"),
        ("habillage", "ACC", "B"),
        ("habillage", "BBB", "B"),
        ("alimentation", "BC", "C"),
        ("alimentation", "CB", "C"),
        ("alimentation", "AC", "B"),
        ("alimentation", "BB", "B"),
        ("elimination", "AC", "C"),
        ("elimination", "CA", "C"),
        ("elimination", "BC", "C"),
        ("elimination", "AB", "B"),
        ("elimination", "AA", "A"),
        # Decision 0035: one sub-variable C gives C for cohérence and orientation (was B before).
        ("coherence", "AC", "C"),
        ("coherence", "BC", "C"),
        ("coherence", "AB", "B"),
        ("orientation", "CB", "C"),
        ("orientation", "CA", "C"),
        ("orientation", "BB", "B"),
        ("orientation", "CC", "C"),
    ],
)
def test_sub_variable_combinations(variable, subs, expected):
    assert aggir.combine(variable, tuple(subs)) == expected


def test_from_sub_variables():
    answers = {
        "coherence.communication": "A",
        "coherence.comportement": "A",
        "orientation.temps": "A",
        "orientation.espace": "B",
        "toilette.haut": "A",
        "toilette.bas": "C",
        "habillage.haut": "A",
        "habillage.moyen": "B",
        "habillage.bas": "C",
        "alimentation.se_servir": "B",
        "alimentation.manger": "C",
        "elimination.urinaire": "C",
        "elimination.fecale": "A",
        "transferts": "B",
        "deplacements_interieur": "A",
        "deplacements_exterieur": "B",
        "communication": "A",
    }
    result = aggir.compute_from_sub_variables(answers)
    # Combined: A B B B C C B A B A. A = 16+16+60+100+120 = 312; B = 120+16+16+60+100+120 = 432;
    # C = 16+16+60+160+200 = 452; D = 2000+400+200 = 2600 ≥ 2400 → rank 7 → GIR 2.
    assert "".join(result.modalities.values()) == "ABBBCCBABA"
    assert (result.rank, result.gir) == (7, 2)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="Transferts"):
        aggir.compute({**profile("AAAAAAAAAA"), "transferts": "D"})
    with pytest.raises(ValueError, match="Cohérence"):
        aggir.compute({v: "A" for v in aggir.VARIABLES if v != "coherence"})
    with pytest.raises(ValueError, match=r"toilette\.bas"):
        aggir.compute_from_sub_variables({"toilette.haut": "A"})


def _worse(letters: str, i: int) -> str:
    return letters[:i] + {"A": "B", "B": "C"}[letters[i]] + letters[i + 1 :]


def test_total_and_monotony_over_all_profiles():
    """Every one of the 3^10 profiles gets a GIR 1–6. Making a variable worse never raises the GIR except for
    transferts and déplacements intérieur: the published weights (negative ones in group B, "B" worth more than
    "C" for transferts in group H) give 270 pairs where one step worse gives a GIR one higher. Documented in the
    decision record; the algorithm is applied as published."""
    girs = {}
    for p in aggir.all_profiles():
        girs["".join(p.values())] = aggir.compute(p).gir
    assert len(girs) == 3**10
    assert set(girs.values()) == {1, 2, 3, 4, 5, 6}
    inversions = Counter()
    for letters, gir in girs.items():
        for i, letter in enumerate(letters):
            if letter != "C" and girs[_worse(letters, i)] > gir:
                assert girs[_worse(letters, i)] == gir + 1, letters
                inversions[aggir.VARIABLES[i]] += 1
    assert set(inversions) == {"transferts", "deplacements_interieur"}
    assert sum(inversions.values()) == 270
    # The two weightless variables never change the GIR.
    for letters, gir in girs.items():
        assert girs[letters[:8] + "AA"] == gir
