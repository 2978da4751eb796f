"""The form engine and the evaluation services under the care circle's policy (synthetic persons only)."""

import copy
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from relais.audit.models import AccessLogEntry
from relais.evaluations import engine
from relais.evaluations.models import FormDefinition, FormResponse
from relais.evaluations.services import evaluation_save, form_definition_load

from .answers import AGGIR_ANSWERS, SMALL_GRID


def aggir():
    return FormDefinition.objects.get(key="aggir")


def test_aggir_is_shipped(forms):
    definition = aggir()
    assert (definition.category, definition.scorer, definition.active) == ("medical", "aggir", True)
    fields = engine.parse_questionnaire(definition.questionnaire)
    link_ids = {f.link_id for f in engine.walk(fields)}
    assert {"toilette.haut", "habillage.moyen", "transferts", "communication"} <= link_ids


def test_nurse_completes_aggir_gir_is_computed_and_traced(world):
    nurse = world.subjects["health_care_team"].actor
    response = evaluation_save(actor=nurse, person=world.person, definition=aggir(), raw=AGGIR_ANSWERS, complete=True)
    assert (response.status, response.score, response.score_label) == ("completed", 2, "GIR 2")
    assert response.score_details["rank"] == 7
    assert [s["group"] for s in response.score_details["steps"]] == ["A", "B", "C", "D"]
    document = response.response
    assert document["subject"] == {"reference": f"Patient/{world.person.pk}"}
    assert document["questionnaire"] == "urn:relais:questionnaire:aggir|2008"
    score = document["extension"][0]
    assert {"url": "value", "valueInteger": 2} in score["extension"]
    entry = AccessLogEntry.objects.filter(
        object_type="evaluations.formresponse", object_id=str(response.pk), action="create"
    ).get()
    assert (entry.ground, entry.subject) == ("care_team", f"persons.person:{world.person.pk}")
    assert entry.user_id == nurse.user.pk and "GIR 2" not in entry.detail  # the access history is no medical channel
    event = world.record.events.get(kind="evaluation")
    assert (event.category, event.body) == ("medical", "Résultat : GIR 2")


def test_completed_grid_requires_every_required_answer_named(world):
    nurse = world.subjects["health_care_team"].actor
    answers = {k: v for k, v in AGGIR_ANSWERS.items() if k not in ("toilette.bas", "transferts")}
    with pytest.raises(ValidationError) as exc:
        evaluation_save(actor=nurse, person=world.person, definition=aggir(), raw=answers, complete=True)
    assert set(exc.value.message_dict) == {"toilette.bas", "transferts"}
    assert "Toilette — bas" in exc.value.message_dict["toilette.bas"][0]
    assert not FormResponse.objects.exists()


def test_draft_can_be_incomplete_then_completed_once(world):
    nurse = world.subjects["health_care_team"].actor
    draft = evaluation_save(
        actor=nurse, person=world.person, definition=aggir(), raw={"toilette.haut": "B"}, complete=False
    )
    assert (draft.status, draft.score) == ("in-progress", None)
    done = evaluation_save(
        actor=nurse, person=world.person, definition=aggir(), raw=AGGIR_ANSWERS, complete=True, response=draft
    )
    assert done.pk == draft.pk and done.score == 2
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        evaluation_save(
            actor=nurse, person=world.person, definition=aggir(), raw=AGGIR_ANSWERS, complete=True, response=done
        )


@pytest.mark.parametrize("subject", ["social_care_team", "other_consent", "trusted_person", "outsider"])
def test_who_may_not_write_medical_data_cannot_save_aggir(world, subject):
    actor = world.subjects[subject].actor
    with pytest.raises(PermissionDenied):
        evaluation_save(actor=actor, person=world.person, definition=aggir(), raw=AGGIR_ANSWERS, complete=True)
    assert not FormResponse.objects.exists()


def test_bad_choice_is_named(world):
    nurse = world.subjects["health_care_team"].actor
    with pytest.raises(ValidationError) as exc:
        evaluation_save(
            actor=nurse,
            person=world.person,
            definition=aggir(),
            raw={**AGGIR_ANSWERS, "transferts": "D"},
            complete=True,
        )
    assert exc.value.message_dict["transferts"] == [
        "« Transferts : se lever, se coucher, s'asseoir » : choisissez une des réponses proposées."
    ]


def test_second_grid_added_without_code(world, tmp_path):
    path = tmp_path / "chutes.json"
    path.write_text(json.dumps(SMALL_GRID), encoding="utf-8")
    call_command("load_forms", str(path))
    definition = FormDefinition.objects.get(key="reperage-chutes")
    assert (definition.category, definition.scorer) == ("social", "")
    educator = world.subjects["social_care_team"].actor
    # enableWhen: "nombre" is required only when "chute" is true.
    with pytest.raises(ValidationError) as exc:
        evaluation_save(
            actor=educator, person=world.person, definition=definition, raw={"chute": "true"}, complete=True
        )
    assert list(exc.value.message_dict) == ["nombre"]
    response = evaluation_save(
        actor=educator,
        person=world.person,
        definition=definition,
        raw={"chute": "false", "nombre": "3", "derniere": "2026-10-01", "aide": "Canne", "note": "RAS"},
        complete=True,
    )
    items = {i["linkId"]: i["answer"][0] for i in response.response["item"]}
    assert items == {
        "chute": {"valueBoolean": False},
        "derniere": {"valueDate": "2026-10-01"},
        "aide": {"valueString": "Canne"},
        "note": {"valueString": "RAS"},
    }  # "nombre" dropped: its condition is false
    assert response.score is None


def test_integer_and_date_errors(world):
    form_definition_load(questionnaire=SMALL_GRID)
    educator = world.subjects["social_care_team"].actor
    with pytest.raises(ValidationError) as exc:
        evaluation_save(
            actor=educator,
            person=world.person,
            definition=FormDefinition.objects.get(key="reperage-chutes"),
            raw={"chute": "true", "nombre": "trois", "derniere": "01/10/2026"},
            complete=False,
        )
    assert "nombre entier" in exc.value.message_dict["nombre"][0]
    assert "AAAA-MM-JJ" in exc.value.message_dict["derniere"][0]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda q: q.update(resourceType="Patient"), "resourceType"),
        (lambda q: q.update(extension=[]), "extension"),
        (lambda q: q["item"][0].update(type="quantity"), "item[0].type"),
        (lambda q: q["item"][1]["enableWhen"][0].update(question="inconnue"), "item[1].enableWhen[0].question"),
        (lambda q: q["item"][3].update(answerOption=[]), "item[3].answerOption"),
        (lambda q: q["item"][4].update(linkId="chute"), "item[4].linkId"),
    ],
)
def test_bad_questionnaire_is_refused_naming_the_path(forms, change, path):
    questionnaire = copy.deepcopy(SMALL_GRID)
    change(questionnaire)
    with pytest.raises(ValidationError) as exc:
        form_definition_load(questionnaire=questionnaire)
    assert exc.value.messages[0].startswith(f"{path} :")
    assert not FormDefinition.objects.filter(key="reperage-chutes").exists()


def test_load_forms_names_the_bad_file(forms, tmp_path):
    path = tmp_path / "cassee.json"
    path.write_text("{pas du json", encoding="utf-8")
    with pytest.raises(CommandError, match=r"cassee\.json"):
        call_command("load_forms", str(path))
    call_command("load_forms")  # the shipped grids reload without change
    assert FormDefinition.objects.filter(key="aggir").count() == 1
