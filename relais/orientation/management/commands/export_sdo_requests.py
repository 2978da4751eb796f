"""`manage.py export_sdo_requests FILE --organisation ID`: the requests an organisation sees, as SDO Tasks.

A FHIR ``collection`` Bundle: the Tasks exactly as ``GET /fhir/Task`` serves them (one per status change) and one
Patient per person; ``import_sdo_requests`` reads it back into another Relais (decision 0050).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from relais.accounts.actor import system_actor
from relais.accounts.models import Organisation
from relais.orientation.fhir.round_trip import requests_export


class Command(BaseCommand):
    help = "Exporte les demandes d'admission et leurs statuts visibles d'une organisation (Bundle FHIR de Task SDO)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier JSON à écrire.")
        parser.add_argument("--organisation", type=int, required=True, help="N° de l'organisation.")

    def handle(self, *args, file, organisation, **options):
        found = Organisation.objects.filter(pk=organisation).first()
        if found is None:
            raise CommandError(f"--organisation {organisation} : organisation inconnue.")
        bundle = requests_export(system_actor(found))
        with open(file, "w", encoding="utf-8") as handle:
            json.dump(bundle, handle, ensure_ascii=False, indent=1)
        tasks = sum(1 for e in bundle["entry"] if e["resource"]["resourceType"] == "Task")
        self.stdout.write(json.dumps({"tasks": tasks, "patients": len(bundle["entry"]) - tasks}))
