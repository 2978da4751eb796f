"""`manage.py load_sdo_terminology [DIR]`: the SI-SDO code lists (TRE_R357, TRE_R358, JDV_J250..J253, ASS_A32)."""

import json

from django.core.management.base import BaseCommand, CommandError

from relais.orientation.terminology.services import terminology_load
from relais.orientation.terminology.sources import DEFAULT_DIR, TerminologyError


class Command(BaseCommand):
    help = (
        "Charge ou met à jour les nomenclatures SI-SDO (statuts TRE_R357, motifs TRE_R358, jeux de valeurs "
        "JDV_J250 à J253, association statut → motifs ASS_A32). Idempotent ; tout ou rien. La dernière ligne "
        "affichée est le bilan en JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", help=f"Dossier des fichiers (par défaut : {DEFAULT_DIR}).")

    def handle(self, *args, directory=None, verbosity=1, **options):
        try:
            report = terminology_load(directory)
        except TerminologyError as error:
            raise CommandError(f"Nomenclatures SDO refusées, rien n'a été écrit. {error}") from error
        if verbosity >= 1:
            for table in ("code_systems", "concepts", "value_sets", "value_set_members", "rules", "aliases"):
                c = report[table]
                self.stdout.write(
                    f"{table} : {c['created']} créé(s), {c['updated']} mis à jour, {c['unchanged']} inchangé(s), "
                    f"{c['deleted']} supprimé(s)."
                )
        self.stdout.write(json.dumps(report, ensure_ascii=False))
