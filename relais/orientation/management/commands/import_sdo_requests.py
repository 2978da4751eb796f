"""`manage.py import_sdo_requests FILE --organisation ID`: requests exported by ``export_sdo_requests`` written back.

Persons, decisions, requests and every status change with its date and reason, all or nothing, on behalf of an
orientation organisation (decision 0050). The directory must already hold the sites and units.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from relais.accounts.actor import system_actor
from relais.accounts.models import Organisation
from relais.fhir.errors import FhirError
from relais.orientation.fhir.notification import bundle_parse
from relais.orientation.fhir.round_trip import requests_restore
from relais.orientation.requests.services import ORIENTATION_KINDS


class Command(BaseCommand):
    help = "Importe des demandes d'admission et leurs statuts (Bundle exporté par export_sdo_requests). Tout ou rien."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier JSON du Bundle.")
        parser.add_argument("--organisation", type=int, required=True, help="N° de l'organisation d'orientation.")

    def handle(self, *args, file, organisation, **options):
        found = Organisation.objects.filter(pk=organisation, kind__in=ORIENTATION_KINDS).first()
        if found is None:
            raise CommandError(f"--organisation {organisation} : aucune organisation d'orientation.")
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Lecture de {file} impossible : {error}") from error
        try:
            summary = requests_restore(actor=system_actor(found), bundle=bundle_parse(data))
        except FhirError as error:
            details = " ; ".join(issue.diagnostics for issue in error.issues)
            raise CommandError(f"Import refusé, rien n'a été écrit. {details}") from error
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
