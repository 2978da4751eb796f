"""Access-control review of the pathway tools: each test pins a leak found in review (it failed before the fix)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def forms(db):
    call_command("load_forms", stdout=io.StringIO())


def _refusal_notes(html: str) -> list[str]:
    return [line for line in html.splitlines() if "evaluations-refusal" in line]


def test_evaluation_refusals_do_not_reveal_that_refused_evaluations_exist(client, circle, forms):
    """An educator may not read medical evaluations: the page says so whether or not one exists, so that the
    notice itself does not tell them the person was evaluated (AGGIR is a medical grid)."""
    from relais.evaluations.models import FormDefinition
    from relais.evaluations.services import evaluation_save
    from tests.evaluations.answers import AGGIR_ANSWERS

    url = reverse("evaluations:person", args=[circle.person.pk])
    client.force_login(circle.educator.user)
    before = client.get(url)
    assert before.status_code == 200
    evaluation_save(
        actor=circle.nurse,
        person=circle.person,
        definition=FormDefinition.objects.get(key="aggir"),
        raw=AGGIR_ANSWERS,
        complete=True,
    )
    after = client.get(url)
    assert after.status_code == 200
    assert _refusal_notes(after.content.decode())  # the refusal is said...
    assert _refusal_notes(before.content.decode()) == _refusal_notes(after.content.decode())  # ...either way


def test_access_history_does_not_show_evaluation_results_to_non_health_managers(client, circle, forms):
    """The coordinator (circle referent, not a health professional) sees who consulted the record, not the GIR:
    the access log's detail of an evaluation must not carry its (medical) result."""
    from relais.evaluations.models import FormDefinition
    from relais.evaluations.services import evaluation_save
    from tests.evaluations.answers import AGGIR_ANSWERS

    evaluation = evaluation_save(
        actor=circle.nurse,
        person=circle.person,
        definition=FormDefinition.objects.get(key="aggir"),
        raw=AGGIR_ANSWERS,
        complete=True,
    )
    assert evaluation.score_label.startswith("GIR")
    client.force_login(circle.nurse.user)
    assert client.get(reverse("evaluations:detail", args=[evaluation.pk])).status_code == 200  # a traced read
    client.force_login(circle.coordinator.user)
    assert client.get(reverse("evaluations:detail", args=[evaluation.pk])).status_code == 404
    page = client.get(reverse("pathway:access_history", args=[circle.record.pk]))
    assert page.status_code == 200
    assert evaluation.score_label not in page.content.decode()
