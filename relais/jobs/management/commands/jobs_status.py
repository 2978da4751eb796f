"""`manage.py jobs_status [--failures]`: the queue, the last run of each daily job and open failures, as JSON."""

import json

from django.core.management.base import BaseCommand

from relais.jobs.selectors import job_failures_open, jobs_status


class Command(BaseCommand):
    help = "État des tâches de fond : file, dernière exécution des tâches quotidiennes, échecs à traiter."

    def add_arguments(self, parser):
        parser.add_argument("--failures", action="store_true", help="Lister les échecs définitifs non relancés.")

    def handle(self, *args, failures, **options):
        if failures:
            for failure in job_failures_open()[:200]:
                self.stdout.write(f"{failure.pk}\t{failure.at:%Y-%m-%d %H:%M}\t{failure.task_name}\t{failure.error}")
        self.stdout.write(json.dumps(jobs_status(), ensure_ascii=False))
