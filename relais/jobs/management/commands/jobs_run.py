"""`manage.py jobs_run COMMAND`: run one daily job now, recorded like a scheduled run (JSON summary last)."""

import json

from django.core.management.base import BaseCommand

from relais.jobs.schedule import JOBS_BY_COMMAND
from relais.jobs.services import job_run_record


class Command(BaseCommand):
    help = "Exécute maintenant une tâche quotidienne et l'enregistre comme une exécution planifiée."

    def add_arguments(self, parser):
        parser.add_argument("command", choices=sorted(JOBS_BY_COMMAND))

    def handle(self, *args, command, **options):
        run = job_run_record(command=command)
        self.stdout.write(json.dumps({"job": command, "ok": run.ok, "summary": run.summary}, ensure_ascii=False))
