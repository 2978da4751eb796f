"""`manage.py jobs_purge`: delete the failed-attempt records older than RELAIS_JOB_FAILURE_RETENTION_DAYS (daily).

They hold task names, ids and texts of e-mails (no medical data, no token), kept long enough for an operator to see and
retry them, not forever. JSON summary last.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from relais.jobs.models import JobFailure


class Command(BaseCommand):
    help = "Supprime les échecs de tâches plus anciens que la durée de conservation."

    def handle(self, *args, **options):
        days = settings.RELAIS_JOB_FAILURE_RETENTION_DAYS
        deleted, _ = JobFailure.objects.filter(at__lt=timezone.now() - timedelta(days=days)).delete()
        self.stdout.write(json.dumps({"retention_days": days, "failures_deleted": deleted}))
