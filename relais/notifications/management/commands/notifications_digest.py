"""Send the daily digest e-mails (run once a day, after orientation_tick). Idempotent per user and day."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from relais.notifications.services import notifications_digest_send


class Command(BaseCommand):
    help = "Envoie à chaque utilisateur·rice qui l'a choisi le récapitulatif quotidien de ses notifications."

    def add_arguments(self, parser):
        parser.add_argument(
            "--day", help="Jour du récapitulatif (AAAA-MM-JJ), par défaut aujourd'hui dans le fuseau de chacun·e."
        )

    def handle(self, *args, day=None, **options):
        try:
            when = date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError(f"--day : date invalide « {day} », format attendu AAAA-MM-JJ.") from None
        self.stdout.write(json.dumps(notifications_digest_send(day=when), ensure_ascii=False))
