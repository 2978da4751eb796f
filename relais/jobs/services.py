"""Writes of the jobs app: enqueue after commit, record scheduled runs and failed attempts, retry a failure."""

from __future__ import annotations

import io
import json
import traceback
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from .models import JobFailure, JobRun

# Back-off of a failing task: 1 min, 2, 4, 8, 16, 32… capped at 6 hours.
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 3600


def after_commit(enqueue: Callable[[], object]) -> None:
    """Enqueue a side effect once the current transaction commits: a rolled-back write sends nothing.
    Outside a transaction (autocommit), Django runs it at once."""
    transaction.on_commit(enqueue, robust=True)


def retry_delay(*, attempts_made: int) -> int:
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts_made - 1, 0), RETRY_MAX_SECONDS)


def job_failure_record(*, task, error: BaseException, payload: bytes) -> JobFailure:
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    return JobFailure.objects.create(
        task_name=task.name, task_id=task.id, retries_left=task.retries, error=text[:2000], payload=payload
    )


def job_failure_retry(*, user, failure: JobFailure) -> JobFailure:
    """An operator puts a given-up task back in the queue (once)."""
    from huey.contrib.djhuey import HUEY

    if not (user and user.is_superuser):
        raise PermissionDenied("Réservé à l'exploitation de la plateforme.")
    with transaction.atomic():
        failure = JobFailure.objects.select_for_update().get(pk=failure.pk)
        if failure.retried_at is not None or not failure.given_up:
            return failure
        failure.retried_at, failure.retried_by = timezone.now(), user
        failure.save(update_fields=["retried_at", "retried_by"])
        task = HUEY.deserialize_task(bytes(failure.payload))
        task.retries = type(task).default_retries  # a fresh series of attempts
    after_commit(lambda: HUEY.enqueue(task))
    return failure


def job_run_record(*, command: str) -> JobRun:
    """Run one scheduled management command and keep its JSON summary (its last line) or its error."""
    run = JobRun.objects.create(name=command, started_at=timezone.now())
    out = io.StringIO()
    try:
        call_command(command, stdout=out, stderr=io.StringIO())
    except BaseException as error:  # recorded for the operator, then raised so huey logs and counts it
        run.error = "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["error", "finished_at"])
        raise
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    try:
        summary = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        summary = {"sortie": lines[-1][:500]}
    run.summary = summary if isinstance(summary, dict) else {"résultat": summary}
    run.ok, run.finished_at = True, timezone.now()
    run.save(update_fields=["summary", "ok", "finished_at"])
    return run
