"""The coordination record screens: 404 for whoever may not open, hidden sections with the policy's sentence,
no leak through lists or counts, my tasks, overdue tasks, downloads, and the access history."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from relais.accounts.roles import Role
from relais.audit.models import AccessLogEntry
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, Consent, CoordinationRecord, Ground, ProxyRole
from relais.pathway.circle.services import objection_record
from relais.pathway.record import services as rs
from relais.pathway.record.models import PlanTask

from .conftest import PDF

MEDICAL_SENTENCE = "Les données médicales sont réservées aux professionnels de santé du cercle de soins."


def normalised(page: str, path: str) -> str:
    """The page without what differs between two renders anyway: the path asked and the CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.replace(path, "PATH"))


def login(client, actor):
    client.force_login(actor.user)
    return client


def url(name, *args):
    return reverse(f"pathway:{name}", args=args)


@pytest.fixture
def content(circle):
    """A social and a medical event, a medical document, a plan with an overdue task for the nurse."""
    rs.event_post(actor=circle.nurse, person=circle.person, kind="home_visit", title="Visite du lundi")
    rs.event_post(
        actor=circle.gp, person=circle.person, kind="hospital_stay", title="Séjour en cardiologie", category=m.MEDICAL
    )
    rs.document_upload(
        actor=circle.gp,
        person=circle.person,
        upload=SimpleUploadedFile("cr-sortie.pdf", PDF),
        title="Compte rendu de sortie",
        category=m.MEDICAL,
    )
    late = rs.plan_task_add(
        actor=circle.coordinator,
        person=circle.person,
        title="Renouveler l'ordonnance de soins",
        assignee_member=circle.nurse_member,
        due_date=timezone.localdate() - timedelta(days=3),
    )
    later = rs.plan_task_add(
        actor=circle.coordinator,
        person=circle.person,
        title="Bilan de chute",
        assignee_organisation=circle.nursing,
        due_date=timezone.localdate() + timedelta(days=10),
    )
    return late, later


def test_outsider_and_missing_record_are_the_same_404(client, circle, content):
    login(client, circle.outsider)
    missing = CoordinationRecord.objects.order_by("-pk").first().pk + 100
    document = circle.record.documents.get()
    for name, args in [
        ("record", (circle.record.pk,)),
        ("plan", (circle.record.pk,)),
        ("access_history", (circle.record.pk,)),
        ("record_by_person", (circle.person.pk,)),
        ("document", (document.pk,)),
    ]:
        response = client.get(url(name, *args))
        assert response.status_code == 404, name
        assert "Morvan" not in response.content.decode() and "MORVAN" not in response.content.decode()
    refused = client.get(url("record", circle.record.pk)).content.decode()
    absent = client.get(url("record", missing)).content.decode()
    assert normalised(refused, url("record", circle.record.pk)) == normalised(absent, url("record", missing))
    assert client.post(url("event_add", circle.record.pk), {"kind": "note"}).status_code == 404
    assert "Morvan" not in client.get(url("records")).content.decode().replace("MORVAN", "Morvan")


def test_educator_sees_the_record_without_medical_events_and_counts_do_not_leak(client, circle, content):
    page = login(client, circle.educator).get(url("record", circle.record.pk)).content.decode()
    assert "Visite du lundi" in page
    assert "Séjour en cardiologie" not in page and "Compte rendu de sortie" not in page
    assert MEDICAL_SENTENCE in page
    assert "1 événement que vous pouvez consulter" in page
    assert "Aucun document que vous puissiez consulter" in page
    # The nurse, a health professional of the same team, sees both.
    page = login(client, circle.nurse).get(url("record", circle.record.pk)).content.decode()
    assert "Séjour en cardiologie" in page and "2 événements que vous pouvez consulter" in page
    assert MEDICAL_SENTENCE not in page


def test_timeline_filter_by_kind(client, circle, content):
    page = login(client, circle.nurse).get(url("record", circle.record.pk), {"nature": "hospital_stay"})
    text = page.content.decode()
    assert "Séjour en cardiologie" in text and "Visite du lundi" not in text


def test_the_gp_consent_scope_hides_social_data_with_its_sentence(client, circle, content):
    page = login(client, circle.gp).get(url("record", circle.record.pk)).content.decode()
    assert "Séjour en cardiologie" in page and "Visite du lundi" not in page
    assert "Le consentement recueilli ne couvre pas les données sociales." in page


def test_each_page_view_is_traced_once_with_its_ground(client, circle, content):
    before = AccessLogEntry.objects.values_list("id", flat=True).last() or 0
    login(client, circle.nurse).get(url("record", circle.record.pk))
    entries = list(AccessLogEntry.objects.filter(id__gt=before))
    assert len(entries) == 1
    assert entries[0].action == "read" and entries[0].ground == "care_team"
    assert entries[0].subject == f"persons.person:{circle.person.pk}"
    login(client, circle.gp).get(url("plan", circle.record.pk))
    assert AccessLogEntry.objects.filter(id__gt=before).last().ground == "consent"


def test_objection_makes_the_record_a_404_and_tasks_disappear(client, circle, content):
    login(client, circle.nurse)
    assert client.get(url("record", circle.record.pk)).status_code == 200
    assert "Renouveler" in client.get(url("my_tasks")).content.decode()
    objection_record(actor=circle.coordinator, person=circle.person, expressed_by="la personne")
    assert client.get(url("record", circle.record.pk)).status_code == 404
    assert client.get(url("plan", circle.record.pk)).status_code == 404
    tasks = client.get(url("my_tasks")).content.decode()
    assert "Renouveler" not in tasks and "Bilan de chute" not in tasks and "0 action à mener" in tasks
    assert "Morvan".upper() not in client.get(url("records")).content.decode()
    task = PlanTask.objects.first()
    assert client.post(url("task_status", task.pk), {"status": "done"}).status_code == 404


def test_my_tasks_lists_mine_and_my_organisations_overdue_first(client, circle, content):
    late, later = content
    page = login(client, circle.nurse).get(url("my_tasks")).content.decode()
    assert page.index("Renouveler") < page.index("Bilan de chute")
    assert page.count("En retard") == 1 and "dont 1 en retard" in page
    assert f'id="action-{late.pk}" class="pathway-overdue"' in page
    assert f'id="action-{later.pk}" class="pathway-overdue"' not in page
    # The educator, of the same organisation, sees the organisation's task but not the nurse's own.
    page = login(client, circle.educator).get(url("my_tasks")).content.decode()
    assert "Bilan de chute" in page and "Renouveler" not in page


def test_plan_page_highlights_overdue_and_lets_the_assignee_close_the_task(client, circle, content):
    late, _later = content
    login(client, circle.nurse)
    page = client.get(url("plan", circle.record.pk)).content.decode()
    assert f'id="action-{late.pk}" class="pathway-overdue"' in page and "En retard" in page
    response = client.post(url("task_status", late.pk), {"status": "done", "from": "mes-taches"})
    assert response.status_code == 302 and response["Location"] == url("my_tasks")
    late.refresh_from_db()
    assert late.status == "done"
    client.post(url("task_comment", late.pk), {"body": "Ordonnance renouvelée."})
    assert "Ordonnance renouvelée." in client.get(url("plan", circle.record.pk)).content.decode()


def test_document_download_headers_and_policy(client, circle, content):
    document = circle.record.documents.get()
    response = login(client, circle.gp).get(url("document", document.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("attachment;") and "cr-sortie.pdf" in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    assert AccessLogEntry.objects.filter(object_type="pathway.document", action="read", ground="consent").exists()
    assert login(client, circle.educator).get(url("document", document.pk)).status_code == 404


def test_upload_through_the_view_refuses_a_fake_pdf_with_a_french_message(client, circle):
    login(client, circle.nurse)
    fake = SimpleUploadedFile("cr.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf")
    response = client.post(
        url("document_add", circle.record.pk),
        {"title": "CR", "doc_type": "report", "category": m.DOCUMENTS, "upload": fake},
        follow=True,
    )
    text = response.content.decode()
    assert "Type de fichier refusé" in text
    assert not circle.record.documents.exists()
    # Shown where the user is: in the documents section the redirect scrolls to, not at the top of the page.
    assert response.redirect_chain[-1][0].endswith("#documents")
    documents = text[text.index('id="documents"') :]
    assert "Type de fichier refusé" in documents[: documents.index("</section>")]
    assert "Type de fichier refusé" not in text[: text.index('id="documents"')]


def test_access_history_lists_reads_for_managers_and_proxies_only(client, circle, content, make_member):
    login(client, circle.nurse).get(url("record", circle.record.pk))
    assert client.get(url("access_history", circle.record.pk)).status_code == 404  # not a manager
    page = login(client, circle.coordinator).get(url("access_history", circle.record.pk)).content.decode()
    assert circle.nurse.user.get_full_name() in page and "Équipe de soins (CSP L1110-12)" in page
    assert circle.nurse.user.email not in page  # the name, never the address (decision 0054)
    # Issue 13: every filter label above its field (some sat inline), as on the organisation's log.
    assert '<form method="get" class="stacked" role="search" aria-labelledby="filters-title">' in page
    assert page.count('<div class="field">') == 4 and "pathway-filters" not in page
    # Words, not codes (decision 0038): the log's action, subject and ground read in French, the codes in tooltips.
    assert re.search(r">Consultation</abbr> : <abbr [^>]*>dossier de coordination</abbr>", page)
    assert 'title="Fondement enregistré au journal : care_team"' in page and ">care_team<" not in page
    # A legal guardian with an account sees the history too, without any organisation.
    guardian = make_member(circle.dac, role=Role.MEMBER)[0]
    guardian.memberships.all().delete()
    CircleMember.objects.create(
        record=circle.record,
        kind="proxy",
        user=guardian,
        proxy_role=ProxyRole.LEGAL_GUARDIAN,
        ground=Ground.LEGAL,
        start=timezone.localdate(),
        added_by="test",
    )
    client.force_login(guardian)
    response = client.get(url("access_history", circle.record.pk))
    assert response.status_code == 200 and "Qui a consulté ce dossier" in response.content.decode()


def test_manager_adds_a_gp_with_consent_and_a_nurse_of_the_same_team(client, circle, make_organisation, make_member):
    practice = make_organisation(name="Cabinet des Remparts")
    gp_user, _gp = make_member(practice, role=Role.CARE_PROFESSIONAL, professional_category="physician")
    login(client, circle.coordinator)
    membership = gp_user.memberships.get()
    back = url("record", circle.record.pk) + "#cercle"
    response = client.post(
        url("professional_add", circle.record.pk), {"membership": membership.pk, "ground": "consent"}
    )
    assert response.status_code == 302 and response["Location"] == back
    assert not CircleMember.objects.filter(user=gp_user).exists()  # the consent's fields were missing
    response = client.post(
        url("professional_add", circle.record.pk),
        {
            "membership": membership.pk,
            "circle_role": "member",
            "ground": "consent",
            "scope": [m.IDENTITY, m.MEDICAL],
            "method": "oral",
            "given_by": "la personne",
        },
    )
    member = CircleMember.objects.get(user=gp_user)
    consent = Consent.objects.get(member=member)
    assert consent.scope == [m.IDENTITY, m.MEDICAL] and consent.collected_by == circle.coordinator.public_label
    # A non-manager may open the record but not manage its circle.
    assert login(client, circle.nurse).post(url("objection_add", circle.record.pk), {}).status_code == 404


def test_manager_records_an_objection_and_revokes_a_consent(client, circle):
    login(client, circle.coordinator)
    consent = circle.gp_member.consents.get()
    client.post(url("consent_revoke", circle.record.pk, consent.pk), {"revoked_by": "la personne"})
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    client.post(
        url("objection_add", circle.record.pk), {"member": circle.educator_member.pk, "expressed_by": "la personne"}
    )
    assert login(client, circle.educator).get(url("record", circle.record.pk)).status_code == 404
    assert login(client, circle.gp).get(url("record", circle.record.pk)).status_code == 404
    assert login(client, circle.nurse).get(url("record", circle.record.pk)).status_code == 200


def test_the_circle_shows_what_each_consent_covers(client, circle):
    page = login(client, circle.coordinator).get(url("record", circle.record.pk)).content.decode()
    circle_part = page[page.index('id="cercle"') :]
    assert "pour : identité, données médicales, plan personnalisé de coordination" in circle_part


def test_manager_lifts_an_objection_from_the_circle_and_sharing_resumes(client, circle):
    from relais.pathway.circle.models import Objection

    login(client, circle.coordinator)
    client.post(
        url("objection_add", circle.record.pk), {"member": circle.educator_member.pk, "expressed_by": "la personne"}
    )
    objection = Objection.objects.get(record=circle.record)
    assert login(client, circle.educator).get(url("record", circle.record.pk)).status_code == 404
    # The educator cannot lift it (not a manager of the circle): a 404 like any action out of reach.
    lift = url("objection_withdraw", circle.record.pk, objection.pk)
    assert client.post(lift, {"withdrawn_by": "la personne"}).status_code == 404
    page = login(client, circle.coordinator).get(url("record", circle.record.pk)).content.decode()
    assert "Lever cette opposition" in page and lift in page
    response = client.post(lift, {"withdrawn_by": "la personne"}, follow=True)
    assert "opposition est levée" in response.content.decode()
    objection.refresh_from_db()
    assert objection.withdrawn_at is not None
    assert "Lever cette opposition" not in client.get(url("record", circle.record.pk)).content.decode()
    assert login(client, circle.educator).get(url("record", circle.record.pk)).status_code == 200
    # Lifting twice: the objection is no longer open, 404.
    assert login(client, circle.coordinator).post(lift, {"withdrawn_by": "x"}).status_code == 404


def test_open_a_record_for_a_new_person(client, make_organisation, make_member, settings):
    settings.RELAIS_REQUIRE_2FA = False
    dac = make_organisation(kind="dac", name="DAC Émeraude")
    _u, coordinator = make_member(dac, role=Role.COORDINATOR, professional_category="coordination_staff")
    login(client, coordinator)
    page = client.get(url("records")).content.decode()
    assert "Ouvrir un dossier" in page
    # Issue 13: the URL typed or bookmarked (a GET) leads to the forms that post to it, not to an error page.
    typed = client.get(url("record_open"))
    assert (typed.status_code, typed["Location"]) == (302, url("records") + "#open-title")
    assert 'id="open-title"' in client.get(typed["Location"]).content.decode()
    assert client.put(url("record_open")).status_code == 405
    response = client.post(
        url("record_open"),
        {
            "family_name": "Le Goff",
            "first_names": "Maël",
            "birth_date": "1950-05-02",
            "sex": "M",
            "informed_at": "2026-01-05T10:00",
        },
    )
    record = CoordinationRecord.objects.get(person__family_name="Le Goff")
    assert response["Location"] == url("record", record.pk)
    assert "LE GOFF" in client.get(url("records")).content.decode()


def test_lists_trace_one_read_per_person_shown(client, circle, content):
    before = AccessLogEntry.objects.values_list("id", flat=True).last() or 0
    login(client, circle.nurse)
    client.get(url("records"))
    client.get(url("my_tasks"))
    details = list(AccessLogEntry.objects.filter(id__gt=before).values_list("detail", "ground", "subject"))
    subject = f"persons.person:{circle.person.pk}"
    assert details == [
        ("liste « Mes dossiers »", "care_team", subject),
        ("liste « Mes tâches »", "care_team", subject),
    ]


def test_a_refused_write_shows_the_policy_sentence_and_writes_nothing(client, circle):
    login(client, circle.educator)
    response = client.post(
        url("event_add", circle.record.pk),
        {"kind": "evaluation", "category": m.MEDICAL, "occurred_at": "2026-11-02T09:30", "title": "Bilan"},
        follow=True,
    )
    assert "ne peut pas modifier : données médicales" in response.content.decode()
    assert not circle.record.events.exists()
    client.post(
        url("event_add", circle.record.pk),
        {"kind": "home_visit", "category": m.SOCIAL, "occurred_at": "2026-11-02T09:30", "title": "Visite"},
    )
    assert circle.record.events.get().author_organisation == circle.nursing


def test_plan_forms_through_the_views(client, circle):
    login(client, circle.coordinator)
    client.post(url("need_add", circle.record.pk), {"domain": "Logement", "description": "Adapter la salle de bain"})
    need = circle.record.plan.needs.get()
    client.post(url("goal_add", circle.record.pk), {"description": "Douche sans risque", "need": need.pk})
    goal = circle.record.plan.goals.get()
    client.post(
        url("task_add", circle.record.pk),
        {"title": "Visite d'ergothérapie", "assignee": f"o:{circle.nursing.pk}", "goal": goal.pk},
    )
    task = circle.record.plan.tasks.get()
    assert task.assignee_organisation == circle.nursing and task.goal == goal
    response = client.post(url("task_add", circle.record.pk), {"title": "X", "assignee": "o:999999"}, follow=True)
    assert "Confiée à" in response.content.decode()  # the field is named in the error
    assert circle.record.plan.tasks.count() == 1


def test_proxy_and_end_of_membership_through_the_views(client, circle):
    login(client, circle.coordinator)
    response = client.post(
        url("proxy_add", circle.record.pk),
        {
            "proxy_role": ProxyRole.TRUSTED_PERSON,
            "given_name": "Gwen",
            "family_name": "Morvan",
            "email": "inconnu@exemple.test",
        },
        follow=True,
    )
    assert "Aucun compte Relais actif n&#x27;a cette adresse." in response.content.decode()
    client.post(
        url("proxy_add", circle.record.pk),
        {"proxy_role": ProxyRole.TRUSTED_PERSON, "given_name": "Gwen", "family_name": "Morvan"},
    )
    assert circle.record.members.filter(kind="proxy", display_name="Gwen Morvan").exists()
    member = circle.educator_member
    member.start = timezone.localdate() - timedelta(days=30)
    member.save(update_fields=["start"])
    client.post(url("member_end", circle.record.pk, member.pk))
    assert login(client, circle.educator).get(url("record", circle.record.pk)).status_code == 404


def test_the_record_links_to_the_circle_tools(client, circle, content):
    page = login(client, circle.nurse).get(url("record", circle.record.pk)).content.decode()
    assert reverse("messaging:threads", args=[circle.record.pk]) in page
    assert reverse("evaluations:person", args=[circle.person.pk]) in page
    assert reverse("agenda:book", args=[circle.person.pk]) in page


def test_consent_sentences_are_correct_french_for_every_category(circle):
    """ "au partage de ses données d'identité", never "ses identité" (issue 13 item 9)."""
    from relais.pathway.policy import decide

    gp = circle.gp

    def message(category):
        return decide(user=gp.user, organisation=gp.organisation, person=circle.person, category=category).message

    assert "au partage de ses données d'identité avec vous" in message(m.IDENTITY)
    assert "au partage de son plan personnalisé de coordination avec vous" in message(m.PLAN)
    assert "ne couvre pas les données sociales." in message(m.SOCIAL)
    assert "ne couvre pas les documents." in message(m.DOCUMENTS)
    for category in m.CATEGORIES:
        assert "ses identité" not in message(category) and "les plan" not in message(category)


def test_a_member_without_a_full_name_is_never_shown_by_e_mail(client, circle):
    """Found with issue 13 (the meeting page): the circle table fell back to ``User.__str__``, the e-mail address;
    every "who" follows ``Actor.public_label``, here the circle and the referent on « Mes personnes »."""
    nurse, coordinator = circle.nurse.user, circle.coordinator.user
    type(nurse).objects.filter(pk__in=[nurse.pk, coordinator.pk]).update(first_name="", last_name="")
    record = login(client, circle.coordinator).get(url("record", circle.record.pk)).content.decode()
    assert nurse.email not in record and f"utilisateur·rice n° {nurse.pk}" in record
    board = login(client, circle.nurse).get(url("dashboard")).content.decode()
    assert coordinator.email not in board and f"utilisateur·rice n° {coordinator.pk}" in board
