"""Reads of the jobs app: the state of the queue, the last run of each daily job, the failures to look at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import JobFailure, JobRun
from .schedule import DAILY_JOBS, ScheduledJob


@dataclass
class DailyJobState:
    job: ScheduledJob
    last: JobRun | None


def daily_jobs_state() -> list[DailyJobState]:
    return [DailyJobState(job, JobRun.objects.filter(name=job.command).first()) for job in DAILY_JOBS]


def job_failures_open() -> QuerySet[JobFailure]:
    """Given-up failures not yet retried by an operator (the ones that need someone)."""
    return JobFailure.objects.filter(retries_left=0, retried_at__isnull=True)


STORAGE_LABELS = {"SqliteStorage": "SQLite", "RedisStorage": "Redis", "MemoryStorage": "mémoire (tests)"}


def jobs_status() -> dict:
    from huey.contrib.djhuey import HUEY

    storage = type(HUEY.storage).__name__
    return {
        "storage": STORAGE_LABELS.get(storage, storage),
        "pending": HUEY.pending_count(),
        "scheduled": HUEY.scheduled_count(),
        "failures_open": job_failures_open().count(),
        "failed_attempts_24h": JobFailure.objects.filter(at__gte=timezone.now() - timedelta(hours=24)).count(),
        "daily": {
            state.job.command: {
                "at": state.job.at,
                "last_started": state.last.started_at.isoformat() if state.last else None,
                "last_ok": state.last.ok if state.last else None,
            }
            for state in daily_jobs_state()
        },
    }
