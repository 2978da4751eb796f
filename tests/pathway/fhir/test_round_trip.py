"""Round trip of a care circle with its plan (issue 14, item 4): what Relais exports as FHIR (Patient, CareTeam,
RelatedPerson, CarePlan, Goal, Task), posted as one transaction Bundle to a Relais without that person, gives the
same data. The "empty Relais" is the same database once the exported circle is rolled back (a savepoint): the
accounts and organisations stay, as they would exist on both sides (professionals are found by RPPS or user id).
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from relais.demo.pathway import _record
from relais.fhir.testing import fhir_json
from relais.pathway.circle.models import CoordinationRecord
from relais.pathway.circle.services import circle_proxy_add
from relais.pathway.record import services as rs
from relais.persons.ins import ins_with_key
from relais.persons.models import Person
from relais.persons.services import person_create

from .conftest import post

IDENTITY = {
    "family_name": "Le Bihan",
    "first_names": "Nolwenn Soizic Anne",
    "used_name": "Guillou",
    "birth_date": date(1938, 11, 4),
    "sex": "F",
    "birth_place_code": "29019",
    "birth_place_label": "Brest",
    "phone": "0298000000",
}
TYPES = ("Patient", "CareTeam", "RelatedPerson", "CarePlan", "Goal", "Task")


class RolledBack(Exception):
    pass


def _snapshot(person: Person) -> dict:
    """Everything the circle and its plan hold, without ids, creation times or who typed them."""
    record = person.coordination_record

    def member_key(member):
        if member is None:
            return None
        return (member.kind, member.user_id, member.organisation_id, member.circle_role, member.proxy_role)

    members = sorted(
        (
            *member_key(mb),
            mb.display_name,
            mb.family_name,
            mb.given_name,
            mb.phone,
            mb.ground,
            mb.person_informed_at,
            mb.start,
            mb.end,
            tuple((tuple(sorted(co.scope)), co.method, co.given_by, co.revoked_at) for co in mb.consents.all()),
        )
        for mb in record.members.all()
    )
    plan = record.plan
    need = lambda n: (n.domain, n.description) if n else None  # noqa: E731
    return {
        "person": {name: getattr(person, name) for name in (*IDENTITY, "ins", "identity_status", "used_first_name")},
        "members": members,
        "needs": sorted(need(n) for n in plan.needs.all()),
        "goals": sorted((g.description, g.status, g.target_date, need(g.need)) for g in plan.goals.all()),
        "tasks": sorted(
            (
                t.title,
                t.description,
                t.status,
                t.due_date,
                t.completed_at,
                member_key(t.assignee_member),
                t.assignee_organisation_id,
                t.goal.description if t.goal else None,
                tuple((c.author, c.body, c.at) for c in t.comments.all()),
            )
            for t in plan.tasks.all()
        ),
    }


def _export(client, person_id: int) -> list[dict]:
    resources = []
    for type_name in TYPES:
        query = f"_id={person_id}" if type_name == "Patient" else f"patient=Patient/{person_id}"
        bundle = fhir_json(client.get(f"/fhir/{type_name}?{query}&_count=200"), resource_type="Bundle")
        resources += [entry["resource"] for entry in bundle.get("entry", [])]
    return resources


def _circle(world):
    """A demo person's circle (the demo's own builder) with a proxy, a finished task and a comment."""
    coordinator = world.referent
    gp, nurse = world.subjects["health_consent"].actor, world.subjects["health_care_team"].actor
    person = person_create(actor=coordinator, ground="test", ins=ins_with_key("2381129019042"), **IDENTITY)
    Person.objects.filter(pk=person.pk).update(identity_status="VALI")
    _record(coordinator, gp, nurse, person, overdue=True)
    circle_proxy_add(
        actor=coordinator,
        person=person,
        proxy_role="trusted_person",
        given_name="Yannick",
        family_name="Le Bihan",
        phone="0611223344",
        start=timezone.localdate() - timedelta(days=3),
    )
    task = person.coordination_record.plan.tasks.order_by("pk").first()
    rs.plan_task_comment_add(actor=coordinator, task=task, body="Ordonnance de sortie reçue.")
    rs.plan_task_status_set(actor=coordinator, task=task, status="done")
    return Person.objects.get(pk=person.pk)


def test_a_circle_with_its_plan_comes_back_the_same(world, as_subject):
    client = as_subject(world.subjects["referent"])
    try:
        with transaction.atomic():
            person = _circle(world)
            before = _snapshot(person)
            exported = _export(client, person.pk)
            raise RolledBack
    except RolledBack:
        pass
    assert not Person.objects.filter(family_name="Le Bihan").exists()  # the receiving Relais does not know her
    assert {r["resourceType"] for r in exported} == set(TYPES)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": r, "request": {"method": "POST", "url": r["resourceType"]}} for r in exported],
    }
    data = fhir_json(post(client, "/fhir/", bundle), resource_type="Bundle")
    assert all(e["response"]["status"] == "201 Created" for e in data["entry"])
    after = _snapshot(CoordinationRecord.objects.get(person__family_name="Le Bihan").person)
    assert after == before
