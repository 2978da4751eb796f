"""Import a ROR Bundle (Organization, HealthcareService, Location) into the offer directory.

    python manage.py import_ror PATH [--dry-run]

The bundle (collection, searchset or transaction) is validated with the FHIR R4B models first:
an invalid one is refused whole, naming the FHIRPath of the error, and nothing is written.
Idempotent: a second run reports zero changes. The last output line is one JSON object of counts.
Precedence between FINESS and the ROR: relais/offer/fhir/ror_import.py, docs/decisions/0011-ror-fhir.md.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from relais.offer.fhir.ror_bundle import RorBundleError, load_bundle
from relais.offer.fhir.ror_import import ror_bundle_import

LABELS = {"legal_entities": "Entités juridiques", "sites": "Établissements", "units": "Unités"}
WORDS = {  # feminine plural (entités, unités), masculine plural (établissements)
    True: {"created": "créées", "updated": "mises à jour", "unchanged": "inchangées", "skipped": "ignorées"},
    False: {"created": "créés", "updated": "mis à jour", "unchanged": "inchangés", "skipped": "ignorés"},
}


class Command(BaseCommand):
    help = "Importe un Bundle FHIR au format du ROR (entités, établissements, offres, lieux et capacités)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Chemin du Bundle FHIR JSON (collection, searchset ou transaction).")
        parser.add_argument("--dry-run", action="store_true", help="Tout vérifier et compter, sans rien enregistrer.")

    def handle(self, *args, path, dry_run=False, verbosity=1, **options):
        try:
            report = ror_bundle_import(load_bundle(path), dry_run=dry_run)
        except RorBundleError as error:
            where = f" [{error.path}]" if error.path else ""
            raise CommandError(f"Bundle ROR refusé, rien n'a été importé{where} : {error}") from error
        summary = report.summary()
        if verbosity >= 1:
            for message in report.messages:
                self.stdout.write(f"  ignoré — {message}")
            for key, label in LABELS.items():
                words = WORDS[key != "sites"]
                counts = ", ".join(f"{words[word]} {n}" for word, n in summary[key].items())
                self.stdout.write(f"{label} : {counts}")
            capacities = summary["capacities"]
            self.stdout.write(
                f"Capacités : mises à jour {capacities['updated']}, inchangées {capacities['unchanged']}, "
                f"ignorées {capacities['skipped']} ; ressources non importées : {summary['ignored']}"
                + (" (essai à blanc : rien n'a été enregistré)" if dry_run else "")
            )
        self.stdout.write(json.dumps(summary))
