"""Matrix rows of the pathway FHIR API (issue #5): reads, searches and creates, under the policy. Each create's
``Effect`` finds the row it adds (by the text or the participant it sends), or finds nothing written."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from relais.accounts.roles import Role
from relais.accounts.services import membership_add, user_create
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, Consent
from relais.pathway.fhir import task as plan_task
from relais.pathway.fhir.events import KIND_SYSTEM
from relais.pathway.record import services as rs
from relais.pathway.record.models import PlanGoal, PlanTask, TimelineEvent

from .framework import Endpoint, _fhir_create, _fhir_read, _fhir_search, _function, creates, fhir_search_finds


def prepare(world) -> None:
    """A nurse of the SSIAD outside the circle, whom the CareTeam create row adds."""
    world.extra_nurse = user_create(
        email="matrice-infirmiere@exemple.test",
        first_name="Nolwenn",
        last_name="Matrice",
        password="x-42-y-42-z",
        professional_category="nurse",
    )
    membership_add(actor=None, organisation=world.organisations.ssiad, user=world.extra_nurse, role=Role.MEMBER)
    # One encounter per category, of kinds no other row uses, so that a search by type finds one category only.
    nurse = world.subjects["health_care_team"].actor
    world.social_encounter = rs.event_post(actor=nurse, person=world.person, kind="evaluation", title="Évaluation")
    world.medical_encounter = rs.event_post(
        actor=nurse, person=world.person, kind="admission", title="Admission", category=m.MEDICAL
    )


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


def _encounter(category: str):
    def body(w) -> dict:
        return {
            "resourceType": "Encounter",
            "meta": {"security": [{"system": "urn:relais:data-category", "code": category}]},
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HH"},
            "type": [{"coding": [{"system": KIND_SYSTEM, "code": "home_visit"}], "text": "Passage"}],
            "subject": _patient(w),
            "period": {"start": "2026-02-10T09:30:00+01:00"},
        }

    return body


def _search(path: str) -> Callable[[SimpleNamespace], str]:
    return lambda w: path.format(p=w.person.pk)


def _encounter_written(category: str):
    return creates(
        lambda w: TimelineEvent.objects.filter(record=w.record, title="Passage", category=category, source="fhir"),
        f"{category} event « Passage » received by FHIR",
    )


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
    Endpoint(
        "FHIR Goal create",
        "plan",
        "write",
        _fhir_create("Goal", _goal),
        effect=creates(lambda w: PlanGoal.objects.filter(plan=w.plan, description="Sortir"), "goal « Sortir »"),
    ),
    Endpoint(
        "FHIR Task (plan) create",
        "plan",
        "write",
        _function(lambda a, w: plan_task.create(a, _task(w))),
        effect=creates(
            lambda w: PlanTask.objects.filter(plan=w.plan, title="Appeler", assignee_member=w.members["nurse"]),
            "task « Appeler »",
        ),
    ),
    Endpoint(
        "FHIR Consent create",
        "identity",
        "write",
        _fhir_create("Consent", _consent),
        rule="manager",
        effect=creates(
            lambda w: Consent.objects.filter(member=w.members["gp"], revoked_at__isnull=True), "the GP's live consent"
        ),
    ),
    Endpoint(
        "FHIR RelatedPerson create",
        "identity",
        "write",
        _fhir_create("RelatedPerson", _related_person),
        rule="manager",
        effect=creates(
            lambda w: CircleMember.objects.filter(record=w.record, kind="proxy", display_name="Loïc Morvan"),
            "proxy « Loïc Morvan »",
        ),
    ),
    Endpoint(
        "FHIR CareTeam create (ajout)",
        "identity",
        "write",
        _fhir_create("CareTeam", _care_team),
        rule="manager",
        effect=creates(
            lambda w: CircleMember.objects.filter(
                record=w.record, user=w.extra_nurse, organisation=w.organisations.ssiad, end__isnull=True
            ),
            "the extra nurse's membership",
        ),
    ),
    Endpoint(
        "FHIR Encounter read (social)",
        "social",
        "read",
        _fhir_read(lambda w: f"/fhir/Encounter/{w.social_encounter.pk}"),
    ),
    Endpoint(
        "FHIR Encounter read (medical)",
        "medical",
        "read",
        _fhir_read(lambda w: f"/fhir/Encounter/{w.medical_encounter.pk}"),
    ),
    Endpoint(
        "FHIR Encounter search (social)",
        "social",
        "read",
        fhir_search_finds(_search("/fhir/Encounter?patient={p}&type=evaluation"), lambda w: w.social_encounter.pk),
    ),
    Endpoint(
        "FHIR Encounter search (medical)",
        "medical",
        "read",
        fhir_search_finds(_search("/fhir/Encounter?patient={p}&type=admission"), lambda w: w.medical_encounter.pk),
    ),
    Endpoint(
        "FHIR Encounter create (social)",
        "social",
        "write",
        _fhir_create("Encounter", _encounter("social")),
        effect=_encounter_written("social"),
    ),
    Endpoint(
        "FHIR Encounter create (medical)",
        "medical",
        "write",
        _fhir_create("Encounter", _encounter("medical")),
        effect=_encounter_written("medical"),
    ),
]
