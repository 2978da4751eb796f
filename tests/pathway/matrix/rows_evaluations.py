"""Matrix rows of the evaluations (``relais/evaluations``): the screens and the FHIR QuestionnaireResponse.

The shared world gets one completed AGGIR grid (data category "medical", GIR 2) filled by the SSIAD nurse. The
person's evaluation page is an identity read; the GIR in it, the result page and the FHIR reads are medical reads;
filling the grid (web and FHIR create) is a medical write.
"""

from __future__ import annotations

import io

from django.core.management import call_command
from django.urls import reverse

from relais.evaluations.models import FormDefinition, FormResponse
from relais.evaluations.services import evaluation_save
from tests.evaluations.answers import AGGIR_ANSWERS

from .framework import Endpoint, _fhir_create, _fhir_read, _fhir_search, creates, web_get, web_post


def prepare(world) -> None:
    call_command("load_forms", stdout=io.StringIO())  # AGGIR, also after a flush by a transactional test
    world.evaluation = evaluation_save(
        actor=world.subjects["health_care_team"].actor,
        person=world.person,
        definition=FormDefinition.objects.get(key="aggir"),
        raw=AGGIR_ANSWERS,
        complete=True,
    )


def _post_data(world) -> dict:
    return {**{f"q-{k}": v for k, v in AGGIR_ANSWERS.items()}, "action": "complete"}


def _fhir_body(world) -> dict:
    items = []
    for link_id, value in AGGIR_ANSWERS.items():
        if link_id == "visite.date":
            answer = {"valueDate": value}
        elif len(value) == 1:
            answer = {"valueCoding": {"system": "urn:relais:aggir-modality", "code": value}}
        else:
            answer = {"valueString": value}
        items.append({"linkId": link_id, "answer": [answer]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "Questionnaire/aggir",
        "status": "completed",
        "subject": {"reference": f"Patient/{world.person.pk}"},
        "item": items,
    }


# Both writes (web and FHIR) add one completed AGGIR grid of the person.
_GRID_COMPLETED = creates(
    lambda w: FormResponse.objects.filter(person=w.person, definition__key="aggir", status="completed"),
    "completed AGGIR grid",
)

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "Évaluations : page de la personne",
        "identity",
        "read",
        web_get(lambda w: reverse("evaluations:person", args=[w.person.pk])),
    ),
    Endpoint(
        "Évaluations : GIR dans la liste",
        "medical",
        "read",
        web_get(lambda w: reverse("evaluations:person", args=[w.person.pk]), shows=lambda w: "GIR 2"),
    ),
    Endpoint(
        "Évaluations : résultat AGGIR",
        "medical",
        "read",
        web_get(lambda w: reverse("evaluations:detail", args=[w.evaluation.pk])),
    ),
    Endpoint(
        "Évaluations : remplir AGGIR",
        "medical",
        "write",
        web_post(lambda w: reverse("evaluations:fill", args=[w.person.pk, "aggir"]), _post_data),
        effect=_GRID_COMPLETED,
    ),
    Endpoint(
        "FHIR QuestionnaireResponse read",
        "medical",
        "read",
        _fhir_read(lambda w: f"/fhir/QuestionnaireResponse/{w.evaluation.pk}"),
    ),
    Endpoint(
        "FHIR QuestionnaireResponse search",
        "medical",
        "read",
        _fhir_search(lambda w: f"/fhir/QuestionnaireResponse?patient=Patient/{w.person.pk}"),
    ),
    Endpoint(
        "FHIR QuestionnaireResponse create",
        "medical",
        "write",
        _fhir_create("QuestionnaireResponse", _fhir_body),
        effect=_GRID_COMPLETED,
    ),
]
