"""`manage.py reference_check`: the reference folder is exactly what reference/provenance.json lists."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relais.operations.reference import ReferenceError, manifest_read, reference_check


class Command(BaseCommand):
    help = "Vérifie les données de référence (reference/) contre leur manifeste (sommes SHA-256)."

    def handle(self, *args, **options):
        try:
            problems = reference_check()
            sets = manifest_read()["sets"]
        except ReferenceError as error:
            raise CommandError(str(error)) from None
        for problem in problems:
            self.stderr.write(problem)
        files = sum(len(entry["files"]) for entry in sets.values())
        summary = {"folder": str(settings.REFERENCE_DIR), "sets": len(sets), "files": files, "problems": len(problems)}
        self.stdout.write(json.dumps(summary))
        if problems:
            raise CommandError(f"{len(problems)} problème(s) dans les données de référence.")
