import json

from django.core.management.base import BaseCommand

from relais.audit.services import access_log_sequence


class Command(BaseCommand):
    help = "Chaîne les entrées du journal des accès en attente (un séquenceur à la fois). Dernière ligne : résumé JSON."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="entrées par transaction (1000)")
        parser.add_argument("--no-wait", action="store_true", help="rendre la main si un autre séquenceur tourne")

    def handle(self, *args, batch_size, no_wait, **options):
        summary = access_log_sequence(batch_size=batch_size, wait=not no_wait)
        self.stdout.write(json.dumps(summary))
