"""The access matrix: every endpoint × every subject × every situation, each cell a test.

The expectation is computed from the explicit tables below (RIGHTS, SUBJECTS, SITUATIONS, the endpoint's extra rule),
never by calling ``policy.decide``; each cell performs the real access (HTTP for FHIR, the function for the plan Task
mapping and the policy rows) and compares. A denied read must be a 404 and a denied search must total 0.
``docs/access-matrix.md`` is generated from the same tables; ``test_doc_is_up_to_date`` fails when it drifts
(regenerate: ``RELAIS_WRITE_DOCS=1 .venv/bin/pytest tests/pathway/test_access_matrix.py -k doc``).

To add a web view: append an ``Endpoint`` whose ``call(ctx, subject)`` logs the subject in (``ctx.login``), requests
the view and returns True when the page was served, False when it answered 404 (anything else fails the test).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone

from relais.fhir.errors import FhirError
from relais.pathway import matrix as m
from relais.pathway.fhir import task as plan_task
from relais.pathway.models import CircleMember
from relais.pathway.policy import decide
from relais.pathway.services import consent_revoke, objection_record

from .fhir.circle import build_circle, narrow_consent

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-matrix.md"

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
    "other_care_team": ("other", "care_team", "member"),
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
    "other_care_team": "autre pro., équipe de soins",
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
MANAGERS = {"referent", "coordinator"}


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
    if ground == "consent" and endpoint.category not in scope:
        return False
    if endpoint.rule == "manager":
        return role in MANAGERS
    if endpoint.rule == "log":
        return role in MANAGERS or role == "proxy"
    return True


# --- The endpoints ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    category: str
    action: str  # "read" or "write"
    call: Callable[[SimpleNamespace, str], bool]  # (ctx, subject key) -> access granted?
    rule: str = "policy"  # "policy"; "manager": referents and coordinators only; "log": managers and proxies


def _fhir_read(path: Callable[[SimpleNamespace], str]):
    def call(ctx, subject):
        response = ctx.login(subject).get(path(ctx.world))
        assert response.status_code in (200, 401, 404), response.content[:500]
        return response.status_code == 200

    return call


def _fhir_search(path: Callable[[SimpleNamespace], str]):
    def call(ctx, subject):
        response = ctx.login(subject).get(path(ctx.world))
        if response.status_code == 401:
            return False
        assert response.status_code == 200, response.content[:500]
        bundle = json.loads(response.content)
        assert bundle["total"] == len(bundle.get("entry", [])), "the total counts what the page shows"
        return bundle["total"] > 0

    return call


def _fhir_create(type_name: str, body: Callable[[SimpleNamespace], dict]):
    def call(ctx, subject):
        client = ctx.login(subject)
        response = client.post(f"/fhir/{type_name}", data=json.dumps(body(ctx.world)), content_type="application/json")
        assert response.status_code in (201, 401, 403, 404), response.content[:500]
        return response.status_code == 201

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

    return call


def _patient(w) -> dict:
    return {"reference": f"Patient/{w.person.pk}"}


def _member(w, key: str) -> dict:
    return {"identifier": {"system": "urn:relais:care-circle-member", "value": str(w.members[key].pk)}}


def _goal(w) -> dict:
    return {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "Sortir"},
        "subject": _patient(w),
    }


def _consent(w) -> dict:
    return {
        "resourceType": "Consent",
        "extension": [{"url": "urn:relais:fhir:extension:consent-method", "valueCode": "oral"}],
        "status": "active",
        "scope": {"coding": [{"code": "patient-privacy"}]},
        "category": [{"coding": [{"code": "59284-0"}]}],
        "patient": _patient(w),
        "performer": [{"display": "la personne"}],
        "provision": {
            "actor": [{"role": {"coding": [{"code": "IRCP"}]}, "reference": _member(w, "gp")}],
            "code": [{"coding": [{"system": "urn:relais:data-category", "code": "social"}]}],
        },
    }


def _related_person(w) -> dict:
    return {"resourceType": "RelatedPerson", "patient": _patient(w), "name": [{"text": "Loïc Morvan"}]}


def _care_team(w) -> dict:
    nurse = w.extra_nurse
    ground = {"url": "ground", "valueCoding": {"system": "urn:relais:care-circle-ground", "code": "care_team"}}
    informed = {"url": "personInformed", "valueDateTime": "2026-01-05T10:00:00+01:00"}
    return {
        "resourceType": "CareTeam",
        "subject": _patient(w),
        "participant": [
            {
                "extension": [{"url": "urn:relais:fhir:extension:care-circle-access", "extension": [ground, informed]}],
                "member": {"identifier": {"system": "urn:relais:user", "value": str(nurse.pk)}},
                "onBehalfOf": {"reference": f"Organization/relais-{w.organisations.ssiad.pk}"},
            }
        ],
    }


def _task(w) -> dict:
    return {"resourceType": "Task", "description": "Appeler", "for": _patient(w), "owner": _member(w, "nurse")}


def _search(path: str) -> Callable[[SimpleNamespace], str]:
    return lambda w: path.format(p=w.person.pk)


ENDPOINTS: list[Endpoint] = [
    Endpoint("FHIR Patient read", "identity", "read", _fhir_read(lambda w: f"/fhir/Patient/{w.person.pk}")),
    Endpoint("FHIR Patient search", "identity", "read", _fhir_search(_search("/fhir/Patient?_id={p}"))),
    Endpoint("FHIR CareTeam read", "identity", "read", _fhir_read(lambda w: f"/fhir/CareTeam/{w.record.pk}")),
    Endpoint("FHIR CareTeam search", "identity", "read", _fhir_search(_search("/fhir/CareTeam?patient={p}"))),
    Endpoint(
        "FHIR RelatedPerson read",
        "identity",
        "read",
        _fhir_read(lambda w: f"/fhir/RelatedPerson/{w.members['carer'].pk}"),
    ),
    Endpoint("FHIR RelatedPerson search", "identity", "read", _fhir_search(_search("/fhir/RelatedPerson?patient={p}"))),
    Endpoint("FHIR Consent read", "identity", "read", _fhir_read(lambda w: f"/fhir/Consent/{w.consent.pk}")),
    Endpoint("FHIR Consent search", "identity", "read", _fhir_search(_search("/fhir/Consent?patient={p}"))),
    Endpoint("FHIR CarePlan read", "plan", "read", _fhir_read(lambda w: f"/fhir/CarePlan/{w.plan.pk}")),
    Endpoint("FHIR CarePlan search", "plan", "read", _fhir_search(_search("/fhir/CarePlan?patient={p}"))),
    Endpoint("FHIR Goal read", "plan", "read", _fhir_read(lambda w: f"/fhir/Goal/{w.goal.pk}")),
    Endpoint("FHIR Goal search", "plan", "read", _fhir_search(_search("/fhir/Goal?patient={p}"))),
    Endpoint("FHIR Task (plan) read", "plan", "read", _function(lambda a, w: plan_task.read(a, f"plan-{w.task.pk}"))),
    Endpoint(
        "FHIR Task (plan) search",
        "plan",
        "read",
        _function(lambda a, w: plan_task.search(a, {"patient": [str(w.person.pk)]}, 0, 20)[1]),
    ),
    Endpoint(
        "FHIR AuditEvent search",
        "identity",
        "read",
        _fhir_search(_search("/fhir/AuditEvent?patient={p}")),
        rule="log",
    ),
    Endpoint("FHIR Goal create", "plan", "write", _fhir_create("Goal", _goal)),
    Endpoint("FHIR Task (plan) create", "plan", "write", _function(lambda a, w: plan_task.create(a, _task(w)))),
    Endpoint("FHIR Consent create", "identity", "write", _fhir_create("Consent", _consent), rule="manager"),
    Endpoint(
        "FHIR RelatedPerson create", "identity", "write", _fhir_create("RelatedPerson", _related_person), rule="manager"
    ),
    Endpoint("FHIR CareTeam create (ajout)", "identity", "write", _fhir_create("CareTeam", _care_team), rule="manager"),
] + [
    Endpoint(f"politique : {category} / {action}", category, action, _policy(category, action))
    for category in m.CATEGORIES
    for action in (m.READ, m.WRITE)
]
_BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}
CELLS = [
    pytest.param(situation, endpoint.name, subject, id=f"{situation}|{endpoint.name}|{subject}")
    for situation in SITUATIONS
    for endpoint in ENDPOINTS
    for subject in SUBJECTS
]


# --- The world, built once per module and rolled back after it; each cell runs in its own savepoint ------------


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_circle()
        from relais.accounts.roles import Role
        from relais.accounts.services import membership_add, user_create

        world.extra_nurse = user_create(
            email="matrice-infirmiere@exemple.test",
            first_name="Nolwenn",
            last_name="Matrice",
            password="x-42-y-42-z",
            professional_category="nurse",
        )
        membership_add(actor=None, organisation=world.organisations.ssiad, user=world.extra_nurse, role=Role.MEMBER)
        yield world
        transaction.set_rollback(True)


def _situate(world, situation: str, subject: str) -> None:
    if situation == "consent_narrow":
        narrow_consent(world)
    elif situation == "consent_revoked":
        consent_revoke(actor=world.referent, consent=world.consent, revoked_by="la personne")
    elif situation == "objection_team":
        objection_record(actor=world.referent, person=world.person, expressed_by="la personne")
    elif situation == "objection_member" and world.subjects[subject].member is not None:
        member = world.subjects[subject].member
        objection_record(actor=world.referent, person=world.person, expressed_by="la personne", member=member)
    elif situation == "membership_ended" and world.subjects[subject].member is not None:
        today = timezone.localdate()
        member = world.subjects[subject].member
        ended = {"start": today - timedelta(days=30), "end": today - timedelta(days=1)}
        CircleMember.objects.filter(pk=member.pk).update(**ended)


@pytest.mark.parametrize(("situation", "endpoint_name", "subject"), CELLS)
def test_cell(shared_world, db, settings, situation, endpoint_name, subject):
    settings.SITE_URL = "https://relais.example.org"
    settings.RELAIS_REQUIRE_2FA = False
    cache.clear()
    endpoint = _BY_NAME[endpoint_name]
    _situate(shared_world, situation, subject)
    client = Client()

    def login(key):
        client.logout()
        if shared_world.subjects[key].actor is not None:
            client.force_login(shared_world.subjects[key].user)
        return client

    ctx = SimpleNamespace(world=shared_world, login=login)
    want = expected(subject, situation, endpoint)
    assert endpoint.call(ctx, subject) is want, f"{endpoint.name} for {subject} in {situation}: expected {want}"


# --- The generated documentation ---------------------------------------------------------------------------------


def matrix_markdown() -> str:
    lines = [
        "# Access matrix of the coordination record (generated)",
        "",
        "Generated from `tests/pathway/test_access_matrix.py` (the expectation tables of the matrix test); "
        "`test_doc_is_up_to_date` fails when this file drifts. Regenerate: "
        "`RELAIS_WRITE_DOCS=1 .venv/bin/pytest tests/pathway/test_access_matrix.py -k doc`.",
        "",
        "Each cell is a test (`test_cell[<situation>|<endpoint>|<subject>]`): ✅ allowed, — refused (a 404 like a "
        "missing object, a search total of 0). Rules: docs/decisions/0019-care-circle-policy.md. Rows "
        "« politique » are the policy function itself, for the categories no endpoint serves yet (medical, social, "
        "documents, messages). Extra rules: *manager* = referents and coordinators of the circle; *log* = who may "
        "see the access log (managers and proxies).",
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
        "docs/access-matrix.md is out of date: RELAIS_WRITE_DOCS=1 .venv/bin/pytest "
        "tests/pathway/test_access_matrix.py -k doc"
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
