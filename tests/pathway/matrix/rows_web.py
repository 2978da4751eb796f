"""Matrix rows of the coordination record's web views (``relais/pathway/urls.py``).

Pages are served (200, or a redirect for the stable person link) or a 404 / the login page; list rows count as
granted only when the listed object appears. Form posts carry valid data: the view answers with its success message,
or with the policy's sentence, or a 404 for whoever may not open the record or manage the circle; each post's
``Effect`` then finds its row (by the unique title or text it sent) or field, or finds nothing written.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relais.accounts.roles import Role
from relais.accounts.services import membership_add, user_create
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, Consent, Ground, Objection
from relais.pathway.circle.services import circle_professional_add
from relais.pathway.record import services as rs
from relais.pathway.record.models import Document, PlanGoal, PlanNeed, PlanTask, TaskComment, TimelineEvent

from .framework import Endpoint, creates, sets, web_get, web_post

SOCIAL_EVENT, MEDICAL_EVENT = "Matrice : visite du mardi", "Matrice : séjour en cardiologie"


def prepare(world) -> None:
    """A social and a medical event, a document of each category, a kinésithérapeute in the circle on consent
    (whose consent and membership the circle rows end) and a professional outside it (whom a row adds)."""
    nurse = world.subjects["health_care_team"].actor
    person = world.person
    rs.event_post(actor=nurse, person=person, kind="home_visit", title=SOCIAL_EVENT)
    rs.event_post(actor=nurse, person=person, kind="hospital_stay", title=MEDICAL_EVENT, category=m.MEDICAL)
    world.web_document = rs.document_upload(
        actor=nurse, person=person, upload=SimpleUploadedFile("bilan.txt", b"Bilan social.\n"), title="Bilan"
    )
    world.web_medical_document = rs.document_upload(
        actor=nurse,
        person=person,
        upload=SimpleUploadedFile("cr.txt", b"Compte rendu.\n"),
        title="Compte rendu",
        category=m.MEDICAL,
    )
    users = {}
    for key, category in (("physio", "physiotherapist"), ("newcomer", "nurse")):
        users[key] = user_create(
            email=f"matrice-web-{key}@exemple.test",
            first_name="Gwen",
            last_name=f"Matrice {key}",
            password="x-42-y-42-z",
            professional_category=category,
        )
    membership_add(actor=None, organisation=world.organisations.practice, user=users["physio"], role=Role.MEMBER)
    world.web_newcomer = membership_add(
        actor=None, organisation=world.organisations.ssiad, user=users["newcomer"], role=Role.MEMBER
    )
    world.web_physio = circle_professional_add(
        actor=world.referent,
        person=person,
        user=users["physio"],
        organisation=world.organisations.practice,
        ground=Ground.CONSENT,
        consent={"scope": [m.IDENTITY], "method": "oral", "given_by": "la personne"},
    )


def _url(name: str, *args) -> str:
    return reverse(f"pathway:{name}", args=args)


def _record(name: str):
    return lambda w: _url(name, w.record.pk)


def _event(kind: str, category: str):
    def data(w):
        return {"kind": kind, "category": category, "occurred_at": "2026-01-05T10:00", "title": "Matrice : ajout"}

    return data


def _document(category: str):
    def data(w):
        upload = SimpleUploadedFile("depot.txt", b"Matrice : document.\n", content_type="text/plain")
        return {"title": "Matrice : dépôt", "doc_type": "report", "category": category, "upload": upload}

    return data


def _professional(w) -> dict:
    return {
        "membership": w.web_newcomer.pk,
        "circle_role": "member",
        "ground": "care_team",
        "informed_at": "2026-01-05T10:00",
    }


def _event_written(category: str):
    return creates(
        lambda w: TimelineEvent.objects.filter(record=w.record, title="Matrice : ajout", category=category),
        f"{category} event « Matrice : ajout »",
    )


def _document_written(category: str):
    return creates(
        lambda w: Document.objects.filter(record=w.record, title="Matrice : dépôt", category=category),
        f"{category} document « Matrice : dépôt »",
    )


def _physio_consent(w) -> Consent:
    return Consent.objects.get(member=w.web_physio)


ENDPOINTS: list[Endpoint] = [
    # Reads
    Endpoint(
        "Web record list (the record appears)",
        "identity",
        "read",
        web_get(lambda w: _url("records"), shows=lambda w: f'href="{_url("record", w.record.pk)}"'),
    ),
    Endpoint("Web record page", "identity", "read", web_get(_record("record"))),
    Endpoint("Web record by person", "identity", "read", web_get(lambda w: _url("record_by_person", w.person.pk))),
    Endpoint(
        "Web timeline filter (social event)",
        "social",
        "read",
        web_get(lambda w: _url("record", w.record.pk) + "?nature=home_visit", shows=lambda w: SOCIAL_EVENT),
    ),
    Endpoint(
        "Web timeline (medical event)", "medical", "read", web_get(_record("record"), shows=lambda w: MEDICAL_EVENT)
    ),
    Endpoint(
        "Web documents list (document)",
        "documents",
        "read",
        web_get(_record("record"), shows=lambda w: f'href="{_url("document", w.web_document.pk)}"'),
    ),
    Endpoint(
        "Web documents list (medical document)",
        "medical",
        "read",
        web_get(_record("record"), shows=lambda w: f'href="{_url("document", w.web_medical_document.pk)}"'),
    ),
    Endpoint("Web document download", "documents", "read", web_get(lambda w: _url("document", w.web_document.pk))),
    Endpoint(
        "Web document download (medical)",
        "medical",
        "read",
        web_get(lambda w: _url("document", w.web_medical_document.pk)),
    ),
    Endpoint("Web plan page", "plan", "read", web_get(_record("plan"))),
    Endpoint(
        "Web my tasks (the task appears)",
        "plan",
        "read",
        web_get(lambda w: _url("my_tasks"), shows=lambda w: f'#action-{w.task.pk}"'),
        rule="assignee",
    ),
    Endpoint("Web access history", "identity", "read", web_get(_record("access_history")), rule="log"),
    # Writes of the record's content
    Endpoint(
        "Web event add (social)",
        "social",
        "write",
        web_post(_record("event_add"), _event("home_visit", "social")),
        effect=_event_written("social"),
    ),
    Endpoint(
        "Web event add (medical)",
        "medical",
        "write",
        web_post(_record("event_add"), _event("hospital_stay", "medical")),
        effect=_event_written("medical"),
    ),
    Endpoint(
        "Web document add",
        "documents",
        "write",
        web_post(_record("document_add"), _document("documents")),
        effect=_document_written("documents"),
    ),
    Endpoint(
        "Web document add (medical)",
        "medical",
        "write",
        web_post(_record("document_add"), _document("medical")),
        effect=_document_written("medical"),
    ),
    Endpoint(
        "Web need add",
        "plan",
        "write",
        web_post(_record("need_add"), lambda w: {"domain": "Autonomie", "description": "Matrice : besoin"}),
        effect=creates(lambda w: PlanNeed.objects.filter(plan=w.plan, description="Matrice : besoin"), "need"),
    ),
    Endpoint(
        "Web goal add",
        "plan",
        "write",
        web_post(_record("goal_add"), lambda w: {"description": "Matrice : objectif", "need": w.need.pk}),
        effect=creates(
            lambda w: PlanGoal.objects.filter(plan=w.plan, need=w.need, description="Matrice : objectif"), "goal"
        ),
    ),
    Endpoint(
        "Web task add",
        "plan",
        "write",
        web_post(
            _record("task_add"), lambda w: {"title": "Matrice : action", "assignee": f"m:{w.members['nurse'].pk}"}
        ),
        effect=creates(
            lambda w: PlanTask.objects.filter(
                plan=w.plan, title="Matrice : action", assignee_member=w.members["nurse"]
            ),
            "task",
        ),
    ),
    Endpoint(
        "Web task status",
        "plan",
        "write",
        web_post(lambda w: _url("task_status", w.task.pk), lambda w: {"status": "in_progress"}),
        effect=sets(
            lambda w: PlanTask.objects.values_list("status", flat=True).get(pk=w.task.pk),
            lambda w: "in_progress",
            "the task's status",
        ),
    ),
    Endpoint(
        "Web task comment",
        "plan",
        "write",
        web_post(lambda w: _url("task_comment", w.task.pk), lambda w: {"body": "Matrice : commentaire"}),
        effect=creates(lambda w: TaskComment.objects.filter(task=w.task, body="Matrice : commentaire"), "comment"),
    ),
    # Circle management: referents and coordinators only, a 404 for anyone else
    Endpoint(
        "Web circle professional add",
        "identity",
        "write",
        web_post(_record("professional_add"), _professional),
        rule="manager",
        effect=creates(
            lambda w: CircleMember.objects.filter(
                record=w.record, user=w.web_newcomer.user, organisation=w.organisations.ssiad, end__isnull=True
            ),
            "the newcomer's membership",
        ),
    ),
    Endpoint(
        "Web circle proxy add",
        "identity",
        "write",
        web_post(
            _record("proxy_add"), lambda w: {"proxy_role": "carer", "given_name": "Loïc", "family_name": "Matrice"}
        ),
        rule="manager",
        effect=creates(
            lambda w: CircleMember.objects.filter(record=w.record, proxy_role="carer", display_name="Loïc Matrice"),
            "the proxy's membership",
        ),
    ),
    Endpoint(
        "Web circle objection add",
        "identity",
        "write",
        web_post(
            _record("objection_add"), lambda w: {"member": w.members["educator"].pk, "expressed_by": "la personne"}
        ),
        rule="manager",
        effect=creates(
            lambda w: Objection.objects.filter(
                record=w.record, member=w.members["educator"], withdrawn_at__isnull=True
            ),
            "objection to the educator",
        ),
    ),
    Endpoint(
        "Web circle consent revoke",
        "identity",
        "write",
        web_post(
            lambda w: _url("consent_revoke", w.record.pk, w.web_physio.consents.get().pk),
            lambda w: {"revoked_by": "la personne"},
        ),
        rule="manager",
        effect=sets(lambda w: _physio_consent(w).revoked_by, lambda w: "la personne", "the consent's withdrawal"),
    ),
    Endpoint(
        "Web circle member end",
        "identity",
        "write",
        web_post(lambda w: _url("member_end", w.record.pk, w.web_physio.pk)),
        rule="manager",
        effect=sets(
            lambda w: CircleMember.objects.get(pk=w.web_physio.pk).end is not None,
            lambda w: True,
            "the membership's end",
        ),
    ),
]
