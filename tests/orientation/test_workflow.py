"""The SDO state machine (pure Python), with the ASS_A32 rules read from the shared file, not retyped."""

import json
import re
from pathlib import Path

import pytest

from relais.orientation.requests import workflow as wf
from relais.orientation.requests.workflow import TransitionError, transition
from relais.orientation.terminology.sources import DEFAULT_DIR, read_terminology

TERMINOLOGY = read_terminology()
LABELS = TERMINOLOGY.labels()
CMAP = json.loads((DEFAULT_DIR / "ConceptMap-ASS-A32-StatutMotifPersonnePriseCharge.json").read_text())
RULES: dict[str, set[str]] = {}
for group in CMAP["group"]:
    for element in group["element"]:
        RULES.setdefault(element["code"], set()).update(t["code"] for t in element["target"])
DOC = Path(__file__).resolve().parents[2] / "docs" / "decisions" / "0013-sdo-workflow.md"
EDGES = [(level, s, t, actors) for level in wf.LEVELS for (s, t), actors in wf.TRANSITIONS[level].items()]


def test_statuses_are_exactly_the_value_sets():
    by_name = {vs.name[:8]: set(vs.codes) for vs in TERMINOLOGY.value_sets}
    assert wf.STATUSES[wf.ESMS] == by_name["JDV_J252"]
    assert wf.STATUSES[wf.UNIT] == by_name["JDV_J253"]


@pytest.mark.parametrize(("level", "source", "target", "actors"), EDGES)
def test_every_allowed_edge(level, source, target, actors):
    for actor in actors:
        reason = min(RULES[target], key=int) if target in RULES else None
        result = transition(source, target, actor_kind=actor, reason=reason, rules=RULES)
        assert (result.level, result.source, result.target, result.reason) == (level, source, target, reason)
    for actor in set(wf.ACTOR_KINDS) - actors:
        with pytest.raises(TransitionError) as error:
            transition(source, target, actor_kind=actor, reason=None, rules=RULES)
        assert error.value.code in ("actor", "reason_missing")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("39", "47"),
        ("39", "71"),
        ("42", "71"),
        ("48", "47"),
        ("37", "39"),
        ("71", "72"),
        ("182", "186"),
        ("188", "182"),
    ],
)
def test_forbidden_edges(source, target):
    with pytest.raises(TransitionError, match="non autorisé") as error:
        transition(source, target, actor_kind="esms", rules=RULES, labels=LABELS)
    assert error.value.code == "forbidden"
    # Messages name statuses by their label, never by code alone (the services pass the words, decision 0038).
    assert f"de « {LABELS[source]} » à « {LABELS[target]} »" in str(error.value) and source not in str(error.value)


def test_levels_do_not_mix_and_unknown_codes():
    for source, target in (("42", "183"), ("182", "72"), ("39", "999")):
        with pytest.raises(TransitionError) as error:
            transition(source, target, actor_kind="esms", rules=RULES)
        assert error.value.code == "unknown_status"
    with pytest.raises(TransitionError, match="Type d'acteur inconnu"):
        transition("39", "40", actor_kind="mdph", rules=RULES)


def test_terminal_statuses_have_no_way_out():
    assert {wf.ESMS: {"37", "48"}, wf.UNIT: {"180", "181", "188"}} == wf.TERMINAL
    for level, codes in wf.TERMINAL.items():
        for code in codes:
            assert wf.next_statuses(code, level=level) == []
    assert transition("47", "48", actor_kind="esms", rules=RULES).is_terminal
    closed = transition("42", "49", actor_kind="orientation", reason="100", rules=RULES)
    assert closed.is_closed and not closed.is_terminal
    assert wf.next_statuses("49") == ["37", "54"]
    # Filtered by who acts: only the listed actor kinds may take each edge.
    for actor_kind in ("esms", "orientation", "system"):
        expected = [t for t in wf.next_statuses("39") if actor_kind in wf.allowed_actors("39", t)]
        assert wf.next_statuses("39", actor_kind) == expected
    assert set(wf.next_statuses("39", "esms")) != set(wf.next_statuses("39"))


@pytest.mark.parametrize("status", ["45", "46", "49", "41", "180", "188"])
def test_reasons_exactly_as_ass_a32(status):
    source = next(s for (s, t) in wf.TRANSITIONS[wf.level_of(status)] if t == status)
    actor = sorted(wf.allowed_actors(source, status))[0]
    with pytest.raises(TransitionError) as missing:
        transition(source, status, actor_kind=actor, rules=RULES, labels=LABELS)
    assert missing.value.code == "reason_missing" and LABELS[status] in str(missing.value)
    for reason in RULES[status]:
        assert transition(source, status, actor_kind=actor, reason=reason, rules=RULES).reason == reason
    other = set(TERMINOLOGY.code_systems[1].concepts) - RULES[status]
    for reason in sorted(other)[:5]:
        with pytest.raises(TransitionError) as wrong:
            transition(source, status, actor_kind=actor, reason=reason, rules=RULES)
        assert wrong.value.code == "reason_not_allowed"


def test_statuses_without_rule_take_no_reason():
    assert "40" not in RULES and "47" not in RULES
    with pytest.raises(TransitionError) as error:
        transition("39", "40", actor_kind="esms", reason="119", rules=RULES)
    assert error.value.code == "reason_unexpected"
    assert transition("39", "40", actor_kind="esms", reason="", rules=RULES).reason is None


def test_actor_kinds():
    # Admitted elsewhere: the follow-up closes a pending request with reason 119 (ASS_A32 allows it on 46).
    assert transition("42", "46", actor_kind="system", reason="119", rules=RULES).target == "46"
    # Expiry of the notification: reason 98 exists only for the unit status 180 in ASS_A32.
    assert transition("182", "180", actor_kind="system", reason="98", rules=RULES).reason == "98"
    with pytest.raises(TransitionError, match="revient à : l'ESMS") as error:
        transition("72", "71", actor_kind="orientation", rules=RULES, labels=LABELS)
    assert error.value.code == "actor"
    with pytest.raises(TransitionError, match="revient à : l'orientation") as error:
        transition("45", "42", actor_kind="esms", rules=RULES)
    assert transition(None, "39", actor_kind="orientation", rules=RULES).source is None
    with pytest.raises(TransitionError, match="À la création"):
        transition(None, "47", actor_kind="esms", rules=RULES)


def test_main_path_esms_and_unit():
    path = ["39", "40", "41", "42", "72", "71", "43", "47", "48"]
    reasons = {"41": "151"}
    for source, target in zip([None, *path], path, strict=False):
        transition(
            source, target, actor_kind=min(wf.allowed_actors(source, target)), reason=reasons.get(target), rules=RULES
        )
    unit = ["182", "183", "184", "185", "186", "188"]
    for source, target in zip([None, *unit], unit, strict=False):
        transition(source, target, actor_kind="esms", reason="89" if target == "188" else None, rules=RULES)


def test_decision_doc_table_is_in_sync():
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- transitions:start -->\n(.*?)<!-- transitions:end -->", text, re.S)
    assert block, "docs/decisions/0013-sdo-workflow.md lacks the generated transition table"
    assert block.group(1) == wf.transitions_markdown(RULES, LABELS), (
        "Regenerate it: .venv/bin/python -m relais.orientation.terminology.sources --markdown"
    )
