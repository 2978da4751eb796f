import json

from django.core.management.base import BaseCommand, CommandError

from relais.audit.heads import HeadError, access_log_publish_head
from relais.audit.services import access_log_sequence


class Command(BaseCommand):
    help = (
        "Chaîne les entrées en attente puis signe la tête de la chaîne et l'ajoute au fichier des têtes "
        "(hors base). Dernière ligne : résumé JSON."
    )

    def handle(self, *args, **options):
        sequenced = access_log_sequence()["sequenced"]
        try:
            summary = access_log_publish_head()
        except HeadError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps({**summary, "sequenced": sequenced}))
