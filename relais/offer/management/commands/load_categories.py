"""`manage.py load_categories [PATH]`: labels and domains of FINESS categories from the CNSA table."""

import json

from django.core.management.base import BaseCommand, CommandError

from relais.offer.finess import FinessError
from relais.offer.finess.categories import DEFAULT_PATH, categories_load


class Command(BaseCommand):
    help = (
        "Charge ou met à jour les libellés et domaines des catégories FINESS médico-sociales depuis la table "
        "de correspondance de la CNSA (CSV UTF-8, « ; »). Idempotent ; tout ou rien. La dernière ligne "
        "affichée est le bilan en JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help=f"Table CNSA (par défaut : {DEFAULT_PATH}).")

    def handle(self, *args, path=None, verbosity=1, **options):
        try:
            report = categories_load(path)
        except FinessError as error:
            raise CommandError(f"Table des catégories refusée, rien n'a été écrit. {error}") from error
        if verbosity >= 1:
            counts = report["categories"]
            self.stdout.write(
                f"Catégories ({report['path']}) : {counts['created']} créée(s), {counts['updated']} mise(s) à jour, "
                f"{counts['unchanged']} inchangée(s)."
            )
            for disagreement in report["domain_disagreements"]:
                self.stdout.write(f"Avertissement — domaine CNSA différent de codes.py, non appliqué : {disagreement}")
        self.stdout.write(json.dumps(report, ensure_ascii=False))
