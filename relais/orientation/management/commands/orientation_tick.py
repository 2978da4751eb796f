"""The daily automatic follow-up of admission requests (run once a day, e.g. from cron, before the digest)."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from relais.orientation.follow_up.services import orientation_tick


class Command(BaseCommand):
    help = (
        "Suivi automatique des demandes d'admission : clôture des demandes des personnes admises ailleurs (motif 119), "
        "relances des ESMS sans réponse depuis 10 jours, expiration des décisions. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Date du jour à simuler (AAAA-MM-JJ), par défaut aujourd'hui.")
        parser.add_argument("--dry-run", action="store_true", help="Compter ce qui serait fait, sans rien écrire.")

    def handle(self, *args, today=None, dry_run=False, **options):
        try:
            when = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(f"--today : date invalide « {today} », format attendu AAAA-MM-JJ.") from None
        summary = orientation_tick(today=when, dry_run=dry_run)
        for error in summary["errors"]:
            self.stderr.write(f"{error['step']} n° {error['id']} : {error['message']}")
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
