"""The named SI-SDO codes and the status groups (``relais/orientation/requests/statuses.py``, decision 0028) against the
official code lists and the workflow's tables."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from relais.orientation.admission import admit as admission
from relais.orientation.follow_up import services as follow_up
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf
from relais.orientation.terminology.sources import read_terminology
from relais.orientation.waiting_list import selectors as waiting_list

TERMINOLOGY = read_terminology()
STATUS_LABELS, REASON_LABELS = (dict(cs.concepts) for cs in TERMINOLOGY.code_systems[:2])
VALUE_SETS = {vs.name[:8]: set(vs.codes) for vs in TERMINOLOGY.value_sets}
SOURCE = Path(st.__file__).read_text(encoding="utf-8")
NAMED = re.findall(r'^([A-Z_]+) = "(\d+)"  # (.+)$', SOURCE, re.MULTILINE)


def test_every_name_is_an_official_code_with_its_label():
    for kind in (True, False):  # one name per code, among reasons and among statuses
        codes = [code for name, code, _label in NAMED if name.startswith("REASON_") is kind]
        assert len(codes) == len(set(codes))
    for name, code, label in NAMED:
        labels = REASON_LABELS if name.startswith("REASON_") else STATUS_LABELS
        assert labels.get(code) == label, f"{name} = {code!r}: official label {labels.get(code)!r}"
        assert getattr(st, name) == code


def test_every_status_of_both_levels_is_named():
    assert set(st.ESMS_STATUSES) == VALUE_SETS["JDV_J252"] == wf.STATUSES[wf.ESMS]
    assert set(st.UNIT_STATUSES) == VALUE_SETS["JDV_J253"] == wf.STATUSES[wf.UNIT]
    named = {code for name, code, _label in NAMED if not name.startswith("REASON_")}
    assert named == set(STATUS_LABELS)
    assert list(st.ESMS_STATUSES) == sorted(st.ESMS_STATUSES, key=int)


def test_ended_and_open_are_the_workflows():
    assert set(st.ESMS_FINAL) == wf.TERMINAL[wf.ESMS] and set(st.UNIT_FINAL) == wf.TERMINAL[wf.UNIT]
    assert set(st.ESMS_CLOSED) == wf.CLOSED[wf.ESMS] and set(st.UNIT_CLOSED) == wf.CLOSED[wf.UNIT]
    assert set(st.ESMS_OPEN) == set(st.ESMS_STATUSES) - set(st.ESMS_ENDED)
    # Closed is reactivable (54) by the orientation; final has no way out.
    assert {s for (s, t) in wf.ESMS_TRANSITIONS if t == st.REACTIVATED} == set(st.ESMS_CLOSED)


def test_the_groups_fit_together():
    without_place = set(st.ESMS_WITHOUT_PLACE)
    assert without_place == set(st.ESMS_OPEN) - set(st.ESMS_PLACED)
    assert without_place == set(follow_up.CLOSABLE_BY_SYSTEM)  # what the follow-up may close with 46
    assert set(st.ESMS_PENDING) == without_place - {st.ADMISSION_IMPOSSIBLE_REPORTED}
    assert set(st.ESMS_SETTLED) == set(st.ESMS_PLACED) - {st.REORIENTATION_REQUESTED}
    assert set(st.ESMS_IN_PROGRESS) == set(st.ESMS_OPEN) - set(st.ESMS_HOSTED)
    assert sorted(st.ESMS_PROGRESS) == sorted(st.ESMS_OPEN) and len(set(st.ESMS_PROGRESS)) == len(st.ESMS_PROGRESS)
    # Pending: what the ESMS may still refuse and the orientation cancel before any admission.
    refusable = {s for (s, t), who in wf.ESMS_TRANSITIONS.items() if t == st.ADMISSION_IMPOSSIBLE_REPORTED}
    assert set(st.ESMS_PENDING) - {st.NOTIFIED} <= refusable
    # From 71 the undoing changes are exactly the ones that end the request.
    from_admitted = {t for s, t in wf.ESMS_TRANSITIONS if s == st.ADMITTED}
    assert set(st.ESMS_ADMISSION_UNDONE) == from_admitted - set(st.ESMS_PLACED)
    assert set(st.UNIT_PENDING) == {s for s, t in wf.UNIT_TRANSITIONS if t == st.UNIT_REMOVED}
    assert set(admission.ADMISSIBLE_FROM) == set(st.ESMS_ON_WAITING_LIST)  # admitted from the list only


def test_the_waiting_list_filter_splits_every_status_once():
    views = ("ouvertes", "toutes", *waiting_list.VIEW_GROUPS)
    groups = [codes for key, (_label, codes) in waiting_list.STATUS_GROUPS.items() if key not in views]
    flat = [code for codes in groups for code in codes]
    assert sorted(flat, key=int) == list(st.ESMS_STATUSES)
    # Words, not codes (decision 0038): the filter names each group in French, no SI-SDO code.
    assert waiting_list.STATUS_GROUPS["nouvelles"][0] == "Nouvelles"
    assert not any(char.isdigit() for label, _codes in waiting_list.STATUS_GROUPS.values() for char in label)


def test_services_no_longer_import_admission():
    """The services ↔ admission cycle is broken: admission builds on services, never the reverse."""
    tree = ast.parse(Path(wf.__file__).with_name("services.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported |= {node.module or ""} | {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    assert not {"admission", "relais.orientation.admission.admit"} & imported
