"""The access matrix: every endpoint × every subject × every situation, each cell a test.

Rows come from every ``rows_*.py`` module of this package (``ENDPOINTS``, optional ``prepare(world)``), collected
here by name order; the expectation tables and call builders are in ``framework.py``. ``docs/access-matrix.md`` is
generated from the same tables; ``test_doc_is_up_to_date`` fails when it drifts (regenerate:
``RELAIS_WRITE_DOCS=1 .venv/bin/pytest tests/pathway/matrix -k doc``). Run one row: ``-k "<endpoint name>"``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember
from relais.pathway.circle.services import consent_revoke, objection_record

from ..fhir.circle import build_circle, narrow_consent
from .framework import (
    RIGHTS,
    RULES,
    SITUATION_LABELS,
    SITUATIONS,
    SUBJECT_LABELS,
    SUBJECTS,
    Effect,
    Endpoint,
    expected,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "access-matrix.md"
_PACKAGE = Path(__file__).resolve().parent


def _row_modules() -> list:
    names = sorted(info.name for info in pkgutil.iter_modules([str(_PACKAGE)]) if info.name.startswith("rows_"))
    return [importlib.import_module(f"{__package__}.{name}") for name in names]


ROW_MODULES = _row_modules()
ENDPOINTS: list[Endpoint] = [endpoint for module in ROW_MODULES for endpoint in module.ENDPOINTS]
_BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}
assert len(_BY_NAME) == len(ENDPOINTS), "two rows of the matrix share a name (cell ids must be unique)"
for _e in ENDPOINTS:
    assert _e.category in m.CATEGORIES and _e.action in m.ACTIONS and _e.rule in RULES, _e
    assert _e.effect is not None or not _e.writes, f"{_e.name}: a row that writes needs an Effect (framework.py)"
# Ordered by situation, then subject: the database state a cell needs (``_state``) changes once per group.
CELLS = [
    pytest.param(situation, endpoint.name, subject, id=f"{situation}|{endpoint.name}|{subject}")
    for situation in SITUATIONS
    for subject in SUBJECTS
    for endpoint in ENDPOINTS
]


# --- The world, built once per module and rolled back after it; each cell runs in its own savepoint ------------
#
# Savepoints, outermost first: the world (module), the situation (shared by the cells that need the same one, rolled
# back when a cell needs another), the cell (pytest-django's ``db``). Every cell thus starts from the world plus its
# situation, whatever ran before it; the ``situated`` fixture runs before ``db`` so that the situation's savepoint is
# the outer one (``Situations`` checks the depth).


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("matrix-media"))  # uploaded files stay out of var/
    with django_db_blocker.unblock(), media, transaction.atomic():
        world = build_circle()
        for module in ROW_MODULES:
            if hasattr(module, "prepare"):
                module.prepare(world)
        world.sessions = _sessions(world)
        world.situations = Situations(world)
        yield world
        world.situations.leave()
        transaction.set_rollback(True)


def _sessions(world) -> dict[str, str]:
    """One session per subject with an account, opened once by ``force_login`` (a cell then only sends its cookie).

    The sessions outlive the module (their idle timeout is SESSION_COOKIE_AGE): a cell's request that saves one is
    rolled back with the cell, so each cell starts from the same freshly opened session."""
    sessions = {}
    for key, subject in world.subjects.items():
        if subject.actor is not None:
            client = Client()
            client.force_login(subject.user)
            sessions[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
    alive = timezone.now() + timedelta(days=1)
    assert Session.objects.filter(session_key__in=sessions.values()).update(expire_date=alive) == len(sessions)
    return sessions


def _state(world, situation: str, subject: str) -> tuple[str, str | None]:
    """The database state a cell needs: its situation, for the subject's own membership when the situation names it
    (without a membership, nothing is applied: the baseline)."""
    if situation in ("objection_member", "membership_ended"):
        return (situation, subject) if world.subjects[subject].member is not None else ("baseline", None)
    return (situation, None)


def _situate(world, situation: str, subject: str | None) -> None:
    if situation == "consent_narrow":
        narrow_consent(world)
    elif situation == "consent_revoked":
        consent_revoke(actor=world.referent, consent=world.consent, revoked_by="la personne")
    elif situation == "objection_team":
        objection_record(actor=world.referent, person=world.person, expressed_by="la personne")
    elif situation == "objection_member":
        member = world.subjects[subject].member
        objection_record(actor=world.referent, person=world.person, expressed_by="la personne", member=member)
    elif situation == "membership_ended":
        today = timezone.localdate()
        member = world.subjects[subject].member
        ended = {"start": today - timedelta(days=30), "end": today - timedelta(days=1)}
        CircleMember.objects.filter(pk=member.pk).update(**ended)


class Situations:
    """The situation applied above the cells, in its own savepoint: kept while cells need the same state, rolled back
    before another is applied. Only between cells: the cell's savepoint must be closed (checked by depth)."""

    def __init__(self, world):
        self.world, self.key, self._atomic = world, None, None
        self.depth = len(connection.savepoint_ids)

    def enter(self, key: tuple[str, str | None]) -> None:
        if key == self.key:
            return
        self.leave()
        assert len(connection.savepoint_ids) == self.depth, "a situation is applied outside any cell's savepoint"
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.key = key
        try:
            _situate(self.world, *key)
        except BaseException:
            self.leave()
            raise

    def leave(self) -> None:
        if self._atomic is None:
            return
        assert len(connection.savepoint_ids) == self.depth + 1, "a situation is left once its cells' savepoints closed"
        transaction.set_rollback(True)
        atomic, self._atomic, self.key = self._atomic, None, None
        atomic.__exit__(None, None, None)


@pytest.fixture
def situated(shared_world, django_db_blocker, request):
    """The world in the cell's situation (requested before ``db``: the situation's savepoint encloses the cell's)."""
    params = request.node.callspec.params
    with django_db_blocker.unblock():
        shared_world.situations.enter(_state(shared_world, params["situation"], params["subject"]))
    return shared_world


@pytest.mark.parametrize(("situation", "endpoint_name", "subject"), CELLS)
def test_cell(situated, db, settings, situation, endpoint_name, subject):
    settings.SITE_URL = "https://relais.example.org"
    settings.RELAIS_REQUIRE_2FA = False
    cache.clear()
    endpoint = _BY_NAME[endpoint_name]
    client = Client()

    def login(key):
        """What logout then force_login did: no cookie left, the subject's session (opened once) if they have one."""
        client.cookies = SimpleCookie()
        if key in situated.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = situated.sessions[key]
        return client

    ctx = SimpleNamespace(world=situated, login=login)
    want = expected(subject, situation, endpoint)
    effect = endpoint.effect
    before = effect.state(situated) if effect else None
    assert endpoint.call(ctx, subject) is want, f"{endpoint.name} for {subject} in {situation}: expected {want}"
    if effect:
        effect.check(situated, before, allowed=want)


# --- The generated documentation ---------------------------------------------------------------------------------


def matrix_markdown() -> str:
    modules = ", ".join(f"`{module.__name__.rsplit('.', 1)[1]}`" for module in ROW_MODULES)
    lines = [
        "# Access matrix of the coordination record (generated)",
        "",
        "Generated from `tests/pathway/matrix/` (the expectation tables of `framework.py`, the rows of "
        f"{modules}); `test_doc_is_up_to_date` fails when this file drifts. Regenerate: "
        "`RELAIS_WRITE_DOCS=1 .venv/bin/pytest tests/pathway/matrix -k doc`.",
        "",
        "Each cell is a test (`test_cell[<situation>|<endpoint>|<subject>]`): ✅ allowed, — refused (a 404 like a "
        "missing object, the login page for the anonymous visitor, a search total of 0, or — for a form post on a "
        "record the user may open — the policy's sentence instead of the write). A write cell also reads the database "
        "before and after: ✅ means the row was created or the field changed, — that nothing was written. Rules: "
        "docs/decisions/0019-care-circle-policy.md. Rows « politique » are the policy function itself, one per "
        "category and action. Extra rules: *manager* = referents and coordinators of the circle; *log* = who may "
        "see the access log (managers and proxies); *assignee* = the policy, and only for the member the task is "
        "assigned to (`health_care_team`).",
        "",
        "Profiles by category (r = read, w = write):",
        "",
        "| profile | " + " | ".join(m.CATEGORIES) + " |",
        "|---|" + "---|" * len(m.CATEGORIES),
    ]
    for profile, rights in RIGHTS.items():
        lines.append(f"| {profile} | " + " | ".join(rights[c] or "—" for c in m.CATEGORIES) + " |")
    lines += ["", "Subjects:", ""]
    for key, (profile, ground, role) in SUBJECTS.items():
        where = f"profile {profile}, ground {ground}, role {role}" if profile else "not in the circle"
        lines.append(f"- `{key}`: {SUBJECT_LABELS[key]} ({where})")
    header = "| endpoint | category | action | rule | " + " | ".join(f"`{s}`" for s in SUBJECTS) + " |"
    for situation, label in SITUATION_LABELS.items():
        lines += ["", f"## `{situation}` — {label}", "", header, "|---|---|---|---|" + "---|" * len(SUBJECTS)]
        for e in ENDPOINTS:
            cells = " | ".join("✅" if expected(s, situation, e) else "—" for s in SUBJECTS)
            lines.append(f"| {e.name} | {e.category} | {e.action} | {e.rule} | {cells} |")
    return "\n".join(lines) + "\n"


def test_doc_is_up_to_date():
    text = matrix_markdown()
    if os.environ.get("RELAIS_WRITE_DOCS"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.exists() and DOC.read_text(encoding="utf-8") == text, (
        "docs/access-matrix.md is out of date: RELAIS_WRITE_DOCS=1 .venv/bin/pytest tests/pathway/matrix -k doc"
    )


def test_every_profile_of_the_policy_matrix_is_covered():
    """The explicit RIGHTS table must be the deployed default: a change in matrix.py has to be reflected here."""
    mapping = {"health": m.HEALTH, "social": m.SOCIAL_PRO, "other": m.OTHER_PRO, "guardian": m.LEGAL_GUARDIAN}
    pairs = [*mapping.items(), ("close", m.TRUSTED_PERSON), ("close", m.CARER)]
    for profile, code in pairs:
        for category in m.CATEGORIES:
            assert set(RIGHTS[profile][category].replace("r", "read ").replace("w", "write ").split()) == set(
                m.allowed_actions(code, category)
            ), (profile, category)


def test_every_write_row_checks_its_effect_both_ways():
    """A write row needs an Effect; the Effect fails an allowed cell that wrote nothing and a refused one that wrote."""
    assert all(e.effect is not None for e in ENDPOINTS if e.writes)
    added = Effect(state=lambda w: w.rows, done=lambda w, before, after: after == before + 1, label="row")
    world = SimpleNamespace(rows=1)
    with pytest.raises(AssertionError, match="allowed, but not written"):
        added.check(world, 1, allowed=True)
    with pytest.raises(AssertionError, match="refused, but written"):
        added.check(world, 0, allowed=False)
    added.check(world, 0, allowed=True)
    added.check(world, 1, allowed=False)
