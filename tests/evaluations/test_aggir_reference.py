"""The AGGIR grid against reference cases built from the sources (decision 0035), and an exhaustive cross-check of
``relais.evaluations.aggir`` against a second scorer written here straight from the texts, in another style.

What the cross-check proves, honestly: the second scorer is a separate transcription, by the same team, of the same
texts (CASF annexe 2-2 for the weights, thresholds and rank → GIR table; the filling guide's combination lines as
quoted by FreeHealth for the sub-variables). It is driven by the decree's wording (rows of values, intervals
"comprise entre X (exclus) et Y (inclus)", the rank lists "2, 3, 4, 5, 6, 7") rather than by the production code's
structure, so it catches transcription typos, threshold off-by-ones and ordering errors in either one. It cannot catch
a misreading of the source that both transcriptions share: the reference cases and the cell-by-cell comparison with
FreeHealth and Mediboard (decision 0035) are there for that.
"""

from itertools import product

import pytest

from relais.evaluations import aggir, scoring

from .aggir_reference_cases import CASES

# --- CASF annexe 2-2, transcribed from the consolidated text: one line per group and modality, the values in the
# annexe's row order (Cohérence, Orientation, Toilette, Habillage, Alimentation, Elimination, Transfert,
# Déplacement intérieur, Déplacement extérieur, Communication). "A" is worth 0 (the annexe lists only C and B).
ANNEXE_2_2 = """
A C  2000 1200   40   40   60  100  800  200 0 0
A B     0    0   16   16   20   16  120   32 0 0
B C  1500 1200   40   40   60  100  800  -80 0 0
B B   320  120   16   16    0   16  120  -40 0 0
C C     0    0   40   40   60  160 1000  400 0 0
C B     0    0   16   16   20   20  200   40 0 0
D C     0    0    0    0 2000  400 2000  200 0 0
D B     0    0    0    0  200  200  200    0 0 0
E C   400  400  400  400  400  800  800  200 0 0
E B     0    0  100  100  100  100  100    0 0 0
F C   200  200  500  500  500  500  500  200 0 0
F B   100  100  100  100  100  100  100    0 0 0
G C   150  150  300  300  500  500  400  200 0 0
G B     0    0  200  200  200  200  200  100 0 0
H C     0    0 3000 3000 3000 3000 1000 1000 0 0
H B     0    0 2000 2000 2000 2000 2000 1000 0 0
"""
# "Sommation des valeurs des variables", as intervals [low, high) → rank; None: test the next group.
INF = float("inf")
SOMMATION = {
    "A": [(4380, INF, 1), (4140, 4380, 2), (3390, 4140, 3)],
    "B": [(2016, INF, 4)],
    "C": [(1700, INF, 5), (1432, 1700, 6)],
    "D": [(2400, INF, 7)],
    "E": [(1200, INF, 8)],
    "F": [(800, INF, 9)],
    "G": [(650, INF, 10)],
    "H": [(4000, INF, 11), (2000, 4000, 12), (-INF, 2000, 13)],
}
# "2. Passage des rangs aux groupes".
PASSAGE = {"1": 1, "2, 3, 4, 5, 6, 7": 2, "8, 9": 3, "10, 11": 4, "12": 5, "13": 6}


def _weights():
    table = {}
    for line in ANNEXE_2_2.strip().splitlines():
        group, modality, *values = line.split()
        for position, value in enumerate(values):
            table[(group, modality, position)] = int(value)
    return table


WEIGHTS = _weights()
GIR_OF_RANK = {int(rank): gir for ranks, gir in PASSAGE.items() for rank in ranks.split(", ")}


def second_scorer(letters: str) -> tuple[int, int]:
    """(rank, GIR) of ten letters in the annexe's row order, from the transcription above."""
    for group in "ABCDEFGH":
        total = sum(WEIGHTS.get((group, letter, i), 0) for i, letter in enumerate(letters))
        for low, high, rank in SOMMATION[group]:
            if low <= total < high:
                return rank, GIR_OF_RANK[rank]
    raise AssertionError("group H always gives a rank")


# --- The filling guide's combination lines, as quoted in FreeHealth's girscore.cpp comments (decision 0035),
# written as the guide writes them: the combinations giving A, the ones giving C, and "autres" = B.
GUIDE_LINES = {
    "coherence": "AA=A ; AB, BA, BB=B ; CC, BC, CB, AC, CA=C",
    "orientation": "AA=A ; AB, BA, BB=B ; CC, BC, CB, AC, CA=C",
    "toilette": "AA=A ; CC=C ; autres=B",
    "habillage": "AAA=A ; CCC=C ; autres=B",
    "alimentation": "AA=A ; CC, BC, CB=C ; autres=B",
    # The quoted line stops at "BB=B" and does not list AB and BA; FreeHealth's and Mediboard's code both give B.
    "elimination": "AA=A ; CC, CB, BC, AC, CA=C ; BB=B ; AB, BA=B",
}


def guide_modality(variable: str, subs: str) -> str:
    rest = None
    for clause in GUIDE_LINES[variable].split(" ; "):
        combos, result = clause.rsplit("=", 1)
        if combos == "autres":
            rest = result
        elif subs in combos.split(", "):
            return result
    if rest is None:
        raise AssertionError(f"{variable} {subs}: not covered by the guide's line")
    return rest


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reference_case(case):
    answers = case.answers()
    result = aggir.compute_from_sub_variables(answers)
    assert "".join(result.modalities[v] for v in aggir.VARIABLES) == case.variables
    assert (result.rank, result.gir) == (case.rank, case.gir)
    assert second_scorer(case.variables) == (case.rank, case.gir)
    score = scoring.aggir_score(answers)
    assert (score.value, score.label, score.details["rank"]) == (case.gir, f"GIR {case.gir}", case.rank)
    assert score.details["rule_version"] == aggir.RULE_VERSION


def test_dementia_profile_of_the_issue_was_gir_4_with_the_former_rule_and_is_gir_2_now():
    """Issue 12 item 6: the former rule combined cohérence BC and orientation CB into B."""
    case = CASES[0]
    former = dict(zip(aggir.VARIABLES, "BB" + case.variables[2:], strict=True))
    assert aggir.compute(former).gir == 4
    assert aggir.compute_from_sub_variables(case.answers()).gir == 2


def test_every_profile_of_the_ten_variables_matches_the_second_scorer():
    """All 3^10 profiles: the production algorithm and the transcription of annexe 2-2 agree on rank and GIR."""
    count = 0
    for profile in aggir.all_profiles():
        letters = "".join(profile.values())
        result = aggir.compute(profile)
        assert (result.rank, result.gir) == second_scorer(letters), letters
        count += 1
    assert count == 3**10


@pytest.mark.parametrize("variable", list(aggir.SUB_VARIABLES))
def test_every_sub_variable_combination_matches_the_guide_line(variable):
    n = len(aggir.SUB_VARIABLES[variable])
    for subs in product("ABC", repeat=n):
        assert aggir.combine(variable, subs) == guide_modality(variable, "".join(subs)), (variable, subs)


@pytest.mark.parametrize("variable", list(aggir.SUB_VARIABLES))
def test_combination_is_monotone(variable):
    """A sub-variable one step worse never makes the variable better (A < B < C)."""
    order = {"A": 0, "B": 1, "C": 2}
    n = len(aggir.SUB_VARIABLES[variable])
    for subs in product("ABC", repeat=n):
        for i, letter in enumerate(subs):
            if letter != "C":
                worse = (*subs[:i], "B" if letter == "A" else "C", *subs[i + 1 :])
                assert order[aggir.combine(variable, worse)] >= order[aggir.combine(variable, subs)]


def test_the_result_page_details_name_each_combination_rule():
    details = scoring.aggir_score(CASES[0].answers()).details
    rules = {v["variable"]: v["rule"] for v in details["variables"]}
    assert rules["coherence"] == rules["orientation"] == rules["elimination"] == aggir.RULE_TEXTS["c_dominates"]
    assert rules["alimentation"].startswith("AA → A ; CC, BC, CB → C")
    assert rules["transferts"] == ""
