"""`manage.py import_finess PATH [--dry-run]`: import a FINESS file (etalab CSV or FINESS+ JSON)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from relais.offer.finess import FinessError, finess_import, summary_counts, summary_lines


class Command(BaseCommand):
    help = (
        "Importe un fichier FINESS : extrait etalab (CSV latin-1, lignes structureet/geolocalisation) ou "
        "FINESS+ (JSON structures), format détecté. Idempotent ; tout ou rien. La dernière ligne affichée est "
        "le bilan en JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Chemin du fichier FINESS (CSV etalab ou JSON FINESS+).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Tout vérifier et calculer, puis tout annuler (rien n'est écrit)."
        )

    def handle(self, *args, path, dry_run=False, verbosity=1, **options):
        stream = getattr(self.stderr, "_out", sys.stderr)

        def progress(description, total, unit):
            return tqdm(total=total, desc=description, unit=unit, file=stream, disable=verbosity < 1, mininterval=0.5)

        try:
            report = finess_import(path, dry_run=dry_run, progress=progress)
        except FinessError as error:
            raise CommandError(f"Fichier FINESS refusé, rien n'a été importé. {error}") from error
        if verbosity >= 1:
            for line in summary_lines(report):
                self.stdout.write(line)
        self.stdout.write(json.dumps(summary_counts(report)))
