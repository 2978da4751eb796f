"""The evaluation screens, logged in as subjects of the synthetic circle: list, fill, result, refusals as 404."""

import re

import pytest
from django.urls import reverse

from relais.audit.models import AccessLogEntry
from relais.evaluations.models import FormResponse

from .answers import AGGIR_ANSWERS


def login(client, world, subject):
    client.force_login(world.subjects[subject].user)
    return client


def post_data(answers, action="complete"):
    return {**{f"q-{k}": v for k, v in answers.items()}, "action": action}


def test_nurse_fills_aggir_and_gp_of_another_organisation_reads_the_gir(client, world):
    person = world.person
    login(client, world, "health_care_team")
    page = client.get(reverse("evaluations:person", args=[person.pk]))
    assert page.status_code == 200
    fill_url = reverse("evaluations:fill", args=[person.pk, "aggir"])
    assert fill_url in page.content.decode()
    form = client.get(fill_url)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="q-toilette.haut"' in html and "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (strict CSP)
    response = client.post(fill_url, post_data(AGGIR_ANSWERS))
    evaluation = FormResponse.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("evaluations:detail", args=[evaluation.pk])

    client.logout()
    login(client, world, "health_consent")  # the GP, another organisation, consent covering medical data
    detail = client.get(reverse("evaluations:detail", args=[evaluation.pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert re.search(r'id="score">GIR 2<', text)
    assert "rang 7" in text and 'id="groups"' in text
    gp = world.subjects["health_consent"].user
    assert AccessLogEntry.objects.filter(
        user_id=gp.pk, action="read", object_type="evaluations.formresponse", object_id=str(evaluation.pk)
    ).exists()


def test_errors_are_shown_by_question_and_nothing_saved(client, world):
    login(client, world, "health_care_team")
    answers = {k: v for k, v in AGGIR_ANSWERS.items() if k != "transferts"}
    response = client.post(reverse("evaluations:fill", args=[world.person.pk, "aggir"]), post_data(answers))
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#q-transferts"' in text and "réponse obligatoire" in text
    assert 'value="C" checked' in text  # what was typed is kept
    assert not FormResponse.objects.exists()


def test_draft_then_continue(client, world):
    login(client, world, "health_care_team")
    url = reverse("evaluations:fill", args=[world.person.pk, "aggir"])
    response = client.post(url, post_data({"toilette.haut": "B"}, action="draft"))
    draft = FormResponse.objects.get()
    assert draft.status == "in-progress"
    assert response["Location"] == f"{url}?brouillon={draft.pk}"
    page = client.get(response["Location"])
    assert 'name="q-toilette.haut" value="B" checked' in page.content.decode()
    client.post(response["Location"], post_data(AGGIR_ANSWERS))
    draft.refresh_from_db()
    assert (draft.status, draft.score) == ("completed", 2)


@pytest.mark.parametrize("subject", ["outsider", "analyst"])
def test_outside_the_circle_everything_is_404(client, world, subject):
    nurse = world.subjects["health_care_team"].actor
    from relais.evaluations.models import FormDefinition
    from relais.evaluations.services import evaluation_save

    evaluation = evaluation_save(
        actor=nurse,
        person=world.person,
        definition=FormDefinition.objects.get(key="aggir"),
        raw=AGGIR_ANSWERS,
        complete=True,
    )
    login(client, world, subject)
    for url in (
        reverse("evaluations:person", args=[world.person.pk]),
        reverse("evaluations:fill", args=[world.person.pk, "aggir"]),
        reverse("evaluations:detail", args=[evaluation.pk]),
        reverse("evaluations:detail", args=[evaluation.pk + 1000]),
    ):
        assert client.get(url).status_code == 404, url


def test_social_worker_sees_the_refusal_not_the_gir(client, world):
    from relais.evaluations.models import FormDefinition
    from relais.evaluations.services import evaluation_save

    evaluation = evaluation_save(
        actor=world.subjects["health_care_team"].actor,
        person=world.person,
        definition=FormDefinition.objects.get(key="aggir"),
        raw=AGGIR_ANSWERS,
        complete=True,
    )
    login(client, world, "social_care_team")
    page = client.get(reverse("evaluations:person", args=[world.person.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "GIR 2" not in text and "réservées aux professionnels de santé" in text
    assert reverse("evaluations:fill", args=[world.person.pk, "aggir"]) not in text
    assert client.get(reverse("evaluations:detail", args=[evaluation.pk])).status_code == 404
    assert client.get(reverse("evaluations:fill", args=[world.person.pk, "aggir"])).status_code == 404
