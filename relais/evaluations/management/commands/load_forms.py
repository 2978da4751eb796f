"""Load evaluation grids from FHIR Questionnaire JSON files: the shipped ones (forms/*.json) and any given path.

    manage.py load_forms                     # reload the grids shipped with Relais (AGGIR)
    manage.py load_forms ma-grille.json ...  # add or replace grids (same Questionnaire.id → replaced)

A file that is not valid stops the command with a message naming the file and the JSON path; nothing is loaded.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from relais.evaluations.services import form_definition_load

SHIPPED = Path(__file__).resolve().parents[2] / "forms"


class Command(BaseCommand):
    help = "Charge des grilles d'évaluation (Questionnaire FHIR en JSON)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="fichiers JSON (par défaut : les grilles livrées)")

    def handle(self, *args, paths, **options):
        files = [Path(p) for p in paths] or sorted(SHIPPED.glob("*.json"))
        with transaction.atomic():
            for path in files:
                try:
                    questionnaire = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{path} : lecture du JSON impossible ({exc}).") from None
                try:
                    definition = form_definition_load(questionnaire=questionnaire)
                except ValidationError as exc:
                    raise CommandError(f"{path} : {' '.join(exc.messages)}") from None
                self.stdout.write(f"{path.name} : grille « {definition.title} » chargée ({definition.key}).")
