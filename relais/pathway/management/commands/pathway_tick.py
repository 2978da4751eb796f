"""The pathway's daily tick: notify overdue plan tasks (once per task). Idempotent; prints a JSON summary.
Run it daily before notifications_digest."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from relais.pathway.events.overdue import overdue_tasks_notify


class Command(BaseCommand):
    help = "Notifie les actions du plan en retard (une fois par action) ; résumé JSON."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="Jour du passage (AAAA-MM-JJ), par défaut aujourd'hui.")

    def handle(self, *args, day=None, **options):
        try:
            today = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"--day : date invalide « {day} », format attendu AAAA-MM-JJ.") from None
        self.stdout.write(json.dumps(overdue_tasks_notify(today=today), ensure_ascii=False))
