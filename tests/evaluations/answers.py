"""Answers and grids shared by the evaluations tests, the access matrix rows and the browser test."""

# A filled AGGIR grid: combined modalities A B B B C C B A B A → GIR 2 (rank 7, group D: see test_aggir).
AGGIR_ANSWERS = {
    "visite.date": "2026-11-20",
    "visite.lieu": "Domicile",
    "coherence.communication": "A",
    "coherence.comportement": "A",
    "orientation.temps": "A",
    "orientation.espace": "B",
    "toilette.haut": "A",
    "toilette.bas": "C",
    "habillage.haut": "A",
    "habillage.moyen": "B",
    "habillage.bas": "C",
    "alimentation.se_servir": "B",
    "alimentation.manger": "C",
    "elimination.urinaire": "C",
    "elimination.fecale": "A",
    "transferts": "B",
    "deplacements_interieur": "A",
    "deplacements_exterieur": "B",
    "communication": "A",
}

SMALL_GRID = {
    "resourceType": "Questionnaire",
    "id": "reperage-chutes",
    "url": "urn:test:questionnaire:reperage-chutes",
    "version": "1",
    "title": "Repérage du risque de chute",
    "status": "active",
    "extension": [{"url": "urn:relais:fhir:extension:data-category", "valueCode": "social"}],
    "item": [
        {"linkId": "chute", "text": "Chute dans les six derniers mois", "type": "boolean", "required": True},
        {
            "linkId": "nombre",
            "text": "Nombre de chutes",
            "type": "integer",
            "required": True,
            "enableWhen": [{"question": "chute", "operator": "=", "answerBoolean": True}],
        },
        {"linkId": "derniere", "text": "Date de la dernière chute", "type": "date"},
        {
            "linkId": "aide",
            "text": "Aide technique",
            "type": "choice",
            "answerOption": [{"valueString": "Aucune"}, {"valueString": "Canne"}, {"valueString": "Déambulateur"}],
        },
        {"linkId": "note", "text": "Remarque", "type": "string"},
    ],
}
