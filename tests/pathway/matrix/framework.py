"""The access matrix framework: the expectation tables, ``expected()``, ``Endpoint`` and the call builders.

The expectation is computed from the explicit tables below (RIGHTS, SUBJECTS, SITUATIONS, the endpoint's extra rule),
never by calling ``policy.decide``; each cell performs the real access (HTTP for FHIR and the web views, the function
for the plan Task mapping and the policy rows) and compares. A denied read must be a 404 (or the login page for the
anonymous visitor) and a denied search must total 0.

A row that writes (a form post, a FHIR create, any "write" row but the policy rows) carries an ``Effect``: the cell
reads its state before and after the call, and an allowed cell must find the write in the database (one more row
matching what the request sent, or the field it changes at its new value), a refused cell the same state as before.
The answer (status, message) alone never counts as "done".

To add rows: create ``rows_<tool>.py`` in this package exporting ``ENDPOINTS: list[Endpoint]`` (and optionally
``prepare(world)``, called once when the shared world is built, to add the objects your rows need). The collector in
``test_access_matrix.py`` finds every ``rows_*`` module by itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.contrib.messages import constants as levels
from django.contrib.messages import get_messages
from django.db.models import QuerySet
from django.shortcuts import resolve_url

from relais.fhir.errors import FhirError
from relais.pathway.policy import decide

# --- The expectation tables (docs/decisions/0019-care-circle-policy.md, written out again on purpose) ------------

# What each profile may do with each category: "r" read, "w" write (write implies read).
_HEALTH = {"identity": "rw", "social": "rw", "medical": "rw", "documents": "rw", "messages": "rw", "plan": "rw"}
_SOCIAL = {"identity": "rw", "social": "rw", "medical": "", "documents": "rw", "messages": "rw", "plan": "rw"}
_OTHER = {"identity": "r", "social": "", "medical": "", "documents": "", "messages": "rw", "plan": "r"}
_GUARDIAN = {"identity": "r", "social": "r", "medical": "r", "documents": "r", "messages": "rw", "plan": "r"}
_CLOSE = {"identity": "r", "social": "", "medical": "", "documents": "", "messages": "rw", "plan": "r"}
RIGHTS = {"health": _HEALTH, "social": _SOCIAL, "other": _OTHER, "guardian": _GUARDIAN, "close": _CLOSE}

# Subject -> (profile, ground, role in the circle); None: not in the circle.
SUBJECTS: dict[str, tuple[str | None, str | None, str | None]] = {
    "referent": ("social", "care_team", "referent"),
    "health_care_team": ("health", "care_team", "member"),
    "social_care_team": ("social", "care_team", "member"),
    "other_consent": ("other", "consent", "member"),
    "health_consent": ("health", "consent", "member"),
    "trusted_person": ("close", "legal", "proxy"),
    "legal_guardian": ("guardian", "legal", "proxy"),
    "carer": ("close", "legal", "proxy"),
    "outsider": (None, None, None),
    "analyst": (None, None, None),
    "anonymous": (None, None, None),
}
SUBJECT_LABELS = {
    "referent": "référent·e (coordination, équipe de soins)",
    "health_care_team": "pro. de santé, équipe de soins",
    "social_care_team": "pro. social, équipe de soins",
    "other_consent": "autre pro. (secrétariat), consentement complet",
    "health_consent": "pro. de santé, consentement",
    "trusted_person": "personne de confiance",
    "legal_guardian": "représentant·e légal·e",
    "carer": "aidant·e",
    "outsider": "pro. hors du cercle",
    "analyst": "analyste (ARS)",
    "anonymous": "anonyme",
}

# Situation -> (categories the consent covers, objection: None, "team" or "member" (the subject's own membership),
# or "ended": the subject's own membership ended yesterday).
SITUATIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "baseline": (frozenset({"identity", "medical", "plan"}), None),
    "consent_narrow": (frozenset({"identity"}), None),
    "consent_revoked": (frozenset(), None),
    "objection_team": (frozenset({"identity", "medical", "plan"}), "team"),
    "objection_member": (frozenset({"identity", "medical", "plan"}), "member"),
    "membership_ended": (frozenset({"identity", "medical", "plan"}), "ended"),
}
SITUATION_LABELS = {
    "baseline": "Cercle constitué (consentement du médecin : identité, médical, plan)",
    "consent_narrow": "Consentement du médecin réduit à l'identité",
    "consent_revoked": "Consentement du médecin retiré",
    "objection_team": "La personne s'oppose au partage avec toute l'équipe de soins",
    "objection_member": "La personne s'oppose au partage avec le membre concerné",
    "membership_ended": "La participation du membre concerné au cercle a pris fin hier",
}
# The consents the situations change (the GP's); the secretary's consent covers every category and is never changed.
SITUATED_CONSENTS = {"health_consent"}
MANAGERS = {"referent", "coordinator"}
RULES = {"policy", "manager", "log", "assignee"}


def expected(subject: str, situation: str, endpoint: Endpoint) -> bool:
    profile, ground, role = SUBJECTS[subject]
    if profile is None:
        return False
    if endpoint.action[0] not in RIGHTS[profile][endpoint.category]:
        return False
    scope, objection = SITUATIONS[situation]
    if objection == "ended":
        return False  # only active memberships count, whatever the ground
    # An objection ends care-team sharing at once (L1110-12); it does not touch other grounds. An objection to the
    # whole team spares the referent, who records it and may lift it; one naming the member applies to anyone.
    if ground == "care_team" and (objection == "member" or (objection == "team" and role != "referent")):
        return False
    if subject in SITUATED_CONSENTS and endpoint.category not in scope:
        return False
    if endpoint.rule == "manager":
        return role in MANAGERS
    if endpoint.rule == "log":
        return role in MANAGERS or role == "proxy"
    if endpoint.rule == "assignee":
        return subject == ASSIGNEE
    return True


# The subject the plan task of the shared world is assigned to (rule "assignee": "Mes tâches" lists it to them only).
ASSIGNEE = "health_care_team"


@dataclass(frozen=True)
class Effect:
    """What a write leaves in the database: ``state(world)`` read before and after the call; ``done(world, before,
    after)`` tells whether the write happened. A refused write must leave ``state`` unchanged."""

    state: Callable[[SimpleNamespace], object]
    done: Callable[[SimpleNamespace, object, object], bool]
    label: str

    def check(self, world: SimpleNamespace, before: object, *, allowed: bool) -> None:
        after = self.state(world)
        if allowed:
            assert self.done(world, before, after), f"allowed, but not written: {self.label} ({before!r} -> {after!r})"
        else:
            assert after == before, f"refused, but written: {self.label} ({before!r} -> {after!r})"


def creates(rows: Callable[[SimpleNamespace], QuerySet], label: str) -> Effect:
    """The write adds one row matching ``rows`` (filtered on the unique values the request sends; a row another
    write updates to match counts too)."""
    return Effect(lambda w: rows(w).count(), lambda w, before, after: after == before + 1, label)


def sets(value: Callable[[SimpleNamespace], object], target: Callable[[SimpleNamespace], object], label: str) -> Effect:
    """The write changes a field (read fresh from the database by ``value``) from anything else to ``target``."""
    return Effect(value, lambda w, before, after: before != target(w) and after == target(w), label)


@dataclass(frozen=True)
class Endpoint:
    name: str
    category: str
    action: str  # "read" or "write"
    call: Callable[[SimpleNamespace, str], bool]  # (ctx, subject key) -> access granted?
    # "policy"; "manager": referents and coordinators only; "log": managers and proxies; "assignee": policy, and
    # only the member the task is assigned to.
    rule: str = "policy"
    effect: Effect | None = None  # required for every row that writes (see ``writes``)

    @property
    def writes(self) -> bool:
        """Posts and creates write, whatever their category's action; so do "write" rows, but the policy rows."""
        return getattr(self.call, "writes", self.action == "write")


# --- The call builders: each returns call(ctx, subject) -> bool, and fails the cell on any unexpected answer --------


def _fhir_read(path: Callable[[SimpleNamespace], str]):
    def call(ctx, subject):
        response = ctx.login(subject).get(path(ctx.world))
        assert response.status_code in (200, 401, 404), response.content[:500]
        return response.status_code == 200

    return call


def _check_total(bundle: dict) -> None:
    """The total counts what the pages show: the entries, or more only when a next page is announced."""
    shown = len(bundle.get("entry", []))
    if bundle["total"] != shown:
        assert shown > 0 and bundle["total"] > shown, "the total counts what the page shows"
        assert any(link["relation"] == "next" for link in bundle.get("link", [])), "a larger total has a next page"


def _fhir_search(path: Callable[[SimpleNamespace], str]):
    def call(ctx, subject):
        response = ctx.login(subject).get(path(ctx.world))
        if response.status_code == 401:
            return False
        assert response.status_code == 200, response.content[:500]
        bundle = json.loads(response.content)
        _check_total(bundle)
        return bundle["total"] > 0

    return call


def fhir_search_finds(path: Callable[[SimpleNamespace], str], resource_id: Callable[[SimpleNamespace], object]):
    """A FHIR search granted when it returns one given resource (other rows' objects may match the same search)."""

    def call(ctx, subject):
        response = ctx.login(subject).get(path(ctx.world))
        if response.status_code == 401:
            return False
        assert response.status_code == 200, response.content[:500]
        bundle = json.loads(response.content)
        entries = bundle.get("entry", [])
        _check_total(bundle)
        return str(resource_id(ctx.world)) in {entry["resource"]["id"] for entry in entries}

    return call


def _fhir_create(type_name: str, body: Callable[[SimpleNamespace], dict]):
    def call(ctx, subject):
        client = ctx.login(subject)
        response = client.post(f"/fhir/{type_name}", data=json.dumps(body(ctx.world)), content_type="application/json")
        assert response.status_code in (201, 401, 403, 404), response.content[:500]
        return response.status_code == 201

    call.writes = True
    return call


def _function(function):
    def call(ctx, subject):
        actor = ctx.world.subjects[subject].actor
        try:
            return bool(function(actor, ctx.world))
        except FhirError as error:
            assert error.status in (403, 404), error.issues[0].diagnostics
            return False

    return call


def _policy(category: str, action: str):
    def call(ctx, subject):
        actor = ctx.world.subjects[subject].actor
        return decide(
            user=actor.user if actor else None,
            organisation=actor.organisation if actor else None,
            person=ctx.world.person,
            category=category,
            action=action,
        ).allowed

    call.writes = False  # the policy function itself: nothing to write
    return call


def _to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def web_get(path: Callable[[SimpleNamespace], str], shows: Callable[[SimpleNamespace], str] | None = None):
    """A Django page: 200 (or a redirect elsewhere than the login page) = served, 404 or the login page = refused.
    With ``shows``, a page served to everyone counts as granted only when it contains that text (a list)."""

    def call(ctx, subject):
        response = ctx.login(subject).get(path(ctx.world))
        if response.status_code == 404 or _to_login(response):
            return False
        assert response.status_code in (200, 302), (response.status_code, response.content[:500])
        if shows is None:
            return True
        assert response.status_code == 200, response.status_code
        return shows(ctx.world) in response.content.decode()

    return call


def web_post(path: Callable[[SimpleNamespace], str], data: Callable[[SimpleNamespace], dict] | None = None):
    """A Django form post (valid data): 404 or the login page = refused; a redirect carrying the view's success
    message = granted; a redirect carrying an error message = refused by the policy (its sentence is shown). Anything
    else, or a redirect without a message, fails the cell. Whether it wrote is the row's ``Effect``."""

    def call(ctx, subject):
        response = ctx.login(subject).post(path(ctx.world), data=data(ctx.world) if data else {})
        if response.status_code == 404 or _to_login(response):
            return False
        assert response.status_code == 302, (response.status_code, response.content[:500])
        shown = [(message.level, message.message) for message in get_messages(response.wsgi_request)]
        assert len(shown) >= 1, "a post answers with a message"
        if all(level == levels.SUCCESS for level, _text in shown):
            return True
        assert all(level == levels.ERROR for level, _text in shown), shown
        return False

    call.writes = True
    return call
