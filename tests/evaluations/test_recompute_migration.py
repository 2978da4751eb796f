"""evaluations.0003 (decision 0035): completed AGGIR evaluations stored with the former sub-variable rule are scored
again; a changed GIR keeps what was computed at the time, and the result page says so. The migration's function runs
on rows saved by the real service, then aged back to what the former rule stored (same schema: no state to rewind)."""

import copy
import importlib

from django.apps import apps
from django.urls import reverse

from relais.evaluations import aggir
from relais.evaluations.models import FormDefinition, FormResponse
from relais.evaluations.services import evaluation_save

from .aggir_reference_cases import CASES
from .answers import AGGIR_ANSWERS

migration = importlib.import_module("relais.evaluations.migrations.0003_recompute_gir_sub_variable_rule")
DEMENTIA = {"visite.date": "2026-11-20", "visite.lieu": "Domicile", **CASES[0].answers()}


def _saved(world, raw):
    nurse = world.subjects["health_care_team"].actor
    definition = FormDefinition.objects.get(key="aggir")
    return evaluation_save(actor=nurse, person=world.person, definition=definition, raw=raw, complete=True)


def _as_stored_by_the_former_rule(response, gir, former_modalities):
    """What the former code stored: no rule version, cohérence/orientation combined to B, its GIR."""
    details = copy.deepcopy(response.score_details)
    details.pop("rule_version")
    for variable, modality in zip(details["variables"], former_modalities, strict=True):
        variable["modality"] = modality
        variable.pop("rule")
    details["gir"] = gir
    document = copy.deepcopy(response.response)
    for sub in document["extension"][0]["extension"]:
        if sub["url"] == "value":
            sub["valueInteger"] = gir
        if sub["url"] == "label":
            sub["valueString"] = f"GIR {gir}"
    FormResponse.objects.filter(pk=response.pk).update(
        score=gir, score_label=f"GIR {gir}", score_details=details, response=document
    )
    return FormResponse.objects.get(pk=response.pk)


def test_changed_gir_is_recomputed_and_keeps_the_former_result(world, client):
    changed = _as_stored_by_the_former_rule(_saved(world, DEMENTIA), 4, "BBBBABAABB")
    unchanged = _as_stored_by_the_former_rule(_saved(world, AGGIR_ANSWERS), 2, "ABBBCCBABA")
    updated_at = changed.updated_at

    migration.recompute(apps, None)

    changed.refresh_from_db()
    assert (changed.score, changed.score_label) == (2, "GIR 2")
    details = changed.score_details
    assert details["rule_version"] == aggir.RULE_VERSION and details["rank"] == 4
    assert [v["modality"] for v in details["variables"]][:2] == ["C", "C"]
    previous = details["previous"]
    assert (previous["gir"], previous["label"], previous["rule_version"]) == (4, "GIR 4", "2008-guide-v1")
    assert {"url": "value", "valueInteger": 2} in changed.response["extension"][0]["extension"]
    assert {"url": "label", "valueString": "GIR 2"} in changed.response["extension"][0]["extension"]
    assert changed.updated_at == updated_at  # the date of the evaluation is not the date of the recomputation

    unchanged.refresh_from_db()
    assert (unchanged.score, unchanged.score_details["rule_version"]) == (2, aggir.RULE_VERSION)
    assert "previous" not in unchanged.score_details

    # Idempotent: a second run changes nothing.
    migration.recompute(apps, None)
    again = FormResponse.objects.get(pk=changed.pk)
    assert again.score_details == details

    client.force_login(world.subjects["health_care_team"].user)
    page = client.get(reverse("evaluations:detail", args=[changed.pk])).content.decode()
    assert 'id="recomputed"' in page and "<strong>GIR 4</strong>" in page and 'id="score">GIR 2<' in page
    assert "au moins une C → C" in page  # the combination rule used, per variable
    other = client.get(reverse("evaluations:detail", args=[unchanged.pk])).content.decode()
    assert 'id="recomputed"' not in other


def test_drafts_and_current_scores_are_left_alone(world):
    current = _saved(world, DEMENTIA)
    nurse = world.subjects["health_care_team"].actor
    definition = FormDefinition.objects.get(key="aggir")
    draft = evaluation_save(actor=nurse, person=world.person, definition=definition, raw={}, complete=False)
    before = {r.pk: (r.score, r.score_details, r.response) for r in FormResponse.objects.all()}

    migration.recompute(apps, None)

    after = {r.pk: (r.score, r.score_details, r.response) for r in FormResponse.objects.all()}
    assert after == before
    assert before[draft.pk][0] is None and before[current.pk][0] == 2


def test_unreadable_answers_are_left_as_they_are_and_logged(world, caplog):
    stored = _as_stored_by_the_former_rule(_saved(world, DEMENTIA), 4, "BBBBABAABB")
    document = copy.deepcopy(stored.response)
    document["item"] = []  # answers lost: nothing to recompute from
    FormResponse.objects.filter(pk=stored.pk).update(response=document)

    with caplog.at_level("WARNING", logger="relais.evaluations"):
        migration.recompute(apps, None)

    stored.refresh_from_db()
    assert (stored.score, "rule_version" in stored.score_details) == (4, False)
    assert f"AGGIR evaluation {stored.pk} left unchanged" in caplog.text
