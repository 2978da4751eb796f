"""`manage.py import_sdo_notification FILE [--organisation ID]`: an SI-SDO notification Bundle read in.

Creates (or finds back) the person, the orientation decision and one admission request per ESMS, all or nothing,
on behalf of an orientation organisation (MDPH, DAC, département). The last line printed is the JSON summary.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from relais.accounts.actor import system_actor
from relais.accounts.models import Organisation
from relais.fhir.errors import FhirError
from relais.orientation.fhir.notification import bundle_parse, sdo_notification_import
from relais.orientation.requests.services import ORIENTATION_KINDS


class Command(BaseCommand):
    help = (
        "Importe une notification SI-SDO (Bundle FHIR de Task SDOTask) : personne, décision d'orientation et une "
        "demande d'admission par ESMS. Idempotent ; tout ou rien. La dernière ligne est le bilan en JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier JSON du Bundle.")
        parser.add_argument(
            "--organisation",
            type=int,
            help="N° de l'organisation d'orientation émettrice (par défaut : la seule MDPH active).",
        )
        parser.add_argument(
            "--confirm-new-person",
            action="store_true",
            help="Identitovigilance : les personnes proches signalées lors d'un premier essai ont été vérifiées, "
            "aucune n'est la personne de la notification ; la créer.",
        )

    def handle(self, *args, file, organisation=None, confirm_new_person=False, **options):
        actor = system_actor(self._organisation(organisation))
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Lecture de {file} impossible : {error}") from error
        try:
            summary = sdo_notification_import(
                actor=actor, bundle=bundle_parse(data), confirm_new_person=confirm_new_person
            )
        except FhirError as error:
            if error.after_rollback is not None:
                error.after_rollback()  # the candidates reported stay in the access log
            details = " ; ".join(issue.diagnostics for issue in error.issues)
            if error.status == 409:
                details += " Après vérification, relancez avec --confirm-new-person pour créer la personne."
            raise CommandError(f"Notification refusée, rien n'a été écrit. {details}") from error
        except (ValidationError, PermissionDenied) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))
            raise CommandError(f"Notification refusée, rien n'a été écrit. {message}") from error
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _organisation(self, pk):
        if pk is not None:
            organisation = Organisation.objects.filter(pk=pk, kind__in=ORIENTATION_KINDS).first()
            if organisation is None:
                raise CommandError(f"--organisation {pk} : aucune organisation d'orientation (MDPH, DAC, département).")
            return organisation
        candidates = list(Organisation.objects.filter(kind="mdph", is_active=True)[:2])
        if len(candidates) != 1:
            raise CommandError("Précisez --organisation : il n'y a pas exactement une MDPH active.")
        return candidates[0]
