"""The pathway's daily tick: notify overdue plan tasks (once per task) and remind referents of PPCS versions whose
review date has come (once per version). Idempotent; prints a JSON summary. Run it daily before notifications_digest."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from relais.pathway.events.overdue import overdue_tasks_notify
from relais.pathway.record.plan_versions import plan_reviews_due_notify


class Command(BaseCommand):
    help = "Notifie les actions du plan en retard et les révisions de PPCS à faire (une fois chacune) ; résumé JSON."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="Jour du passage (AAAA-MM-JJ), par défaut aujourd'hui.")

    def handle(self, *args, day=None, **options):
        try:
            today = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"--day : date invalide « {day} », format attendu AAAA-MM-JJ.") from None
        summary = overdue_tasks_notify(today=today)
        summary["plan_reviews"] = plan_reviews_due_notify(today=today)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
