"""`manage.py reference_refresh SET FOLDER [--origin TEXT] [--dry-run]`: newer official files into reference/."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais.operations.reference import REFRESHABLE, ReferenceError, reference_refresh


class Command(BaseCommand):
    help = "Remplace un jeu de données de référence par des fichiers officiels plus récents, après validation."

    def add_arguments(self, parser):
        parser.add_argument("set", choices=sorted(REFRESHABLE), help="Jeu à actualiser.")
        parser.add_argument("folder", help="Dossier contenant les nouveaux fichiers officiels.")
        parser.add_argument("--origin", default="", help="Provenance à inscrire (dépôt@commit, URL, date…).")
        parser.add_argument("--dry-run", action="store_true", help="Valider sans rien remplacer.")

    def handle(self, *args, **options):
        try:
            summary = reference_refresh(
                name=options["set"],
                source=Path(options["folder"]),
                origin=options["origin"],
                dry_run=options["dry_run"],
            )
        except ReferenceError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
