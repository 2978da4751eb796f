"""Writes of the jobs app: enqueue after commit, record scheduled runs and failed attempts, retry a failure."""

from __future__ import annotations

import io
import json
import logging
import traceback

from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from .models import JobFailure, JobRun

logger = logging.getLogger(__name__)

# Back-off of a failing task: 1 min, 2, 4, 8, 16, 32… capped at 6 hours.
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 3600


class NotRetryable(Exception):
    """A failure that cannot be put back in the queue; the message is for the operator."""


def after_commit(task, /, *args, **kwargs) -> None:
    """Queue ``task(*args, **kwargs)`` (a huey task) once the current transaction commits: a rolled-back write sends
    nothing. Outside a transaction (autocommit), Django runs it at once. Never raises: a queue that cannot be reached
    (Redis down) is logged and recorded as a given-up JobFailure, which an operator sees and can retry."""
    _enqueue_after_commit(task.s(*args, **kwargs))


def _enqueue_after_commit(queued) -> None:
    from huey.contrib.djhuey import HUEY

    def enqueue():
        try:
            HUEY.enqueue(queued)
        except Exception as error:
            logger.exception("Task %s could not be queued; recorded as a failure for the operators", queued.name)
            job_failure_record(task=queued, error=error, retries_left=0, prefix="Mise en file impossible : ")

    # robust: should even the failure record fail (database gone too), Django logs it and the request still succeeds.
    transaction.on_commit(enqueue, robust=True)


def retry_delay(*, attempts_made: int) -> int:
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts_made - 1, 0), RETRY_MAX_SECONDS)


def _json_or_none(value):
    """``value`` as it will come back from the JSON column, or None when JSON cannot hold it."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return None


def job_failure_record(*, task, error: BaseException, retries_left: int | None = None, prefix: str = "") -> JobFailure:
    from huey.contrib.djhuey import HUEY

    text = prefix + "".join(traceback.format_exception_only(type(error), error)).strip()
    kwargs = {key: value for key, value in task.kwargs.items() if key != "task"}  # huey's context argument
    return JobFailure.objects.create(
        task_name=task.name,
        task_path=HUEY._registry.task_to_string(type(task)),
        task_id=task.id,
        retries_left=task.retries if retries_left is None else retries_left,
        error=text[:2000],
        args=_json_or_none(list(task.args)),
        kwargs=_json_or_none(kwargs),
    )


def _task_rebuilt(failure: JobFailure):
    """A fresh task (fresh series of attempts) from the recorded name and JSON arguments, through huey's registry:
    nothing of the row is deserialised as code."""
    from huey.contrib.djhuey import HUEY

    task_class = HUEY._registry._registry.get(failure.task_path) if failure.task_path else None
    if task_class is None:
        raise NotRetryable(
            f"La tâche « {failure.task_name} » n'existe pas (ou plus) dans cette version de Relais : "
            "elle ne peut pas être relancée."
        )
    if failure.args is None or failure.kwargs is None:
        raise NotRetryable(
            f"Les paramètres de la tâche « {failure.task_name} » n'ont pas été conservés : elle ne peut pas être "
            "relancée."
        )
    return task_class(args=tuple(failure.args), kwargs=dict(failure.kwargs))


def job_failure_retry(*, user, failure: JobFailure) -> JobFailure:
    """An operator puts a given-up task back in the queue (once); NotRetryable when it cannot be rebuilt."""
    if not (user and user.is_superuser):
        raise PermissionDenied("Réservé à l'exploitation de la plateforme.")
    with transaction.atomic():
        failure = JobFailure.objects.select_for_update().get(pk=failure.pk)
        if failure.retried_at is not None or not failure.given_up:
            return failure
        task = _task_rebuilt(failure)
        failure.retried_at, failure.retried_by = timezone.now(), user
        failure.save(update_fields=["retried_at", "retried_by"])
        _enqueue_after_commit(task)
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
