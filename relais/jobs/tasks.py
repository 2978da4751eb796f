"""Tasks of the jobs app: sending an e-mail, the daily jobs on their schedule, and the failure hook.

Every task that fails is recorded (JobFailure) and retried with a doubling delay; once it has no retry left it stays
visible on the operations page (/exploitation/taches/) and in `jobs_status`, where an operator may retry it.
"""

from django.core.mail import send_mail
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, signal
from huey.signals import SIGNAL_ERROR

from .schedule import DAILY_JOBS
from .services import job_failure_record, job_run_record, retry_delay

EMAIL_RETRIES = 8  # about four hours of back-off before giving up


@db_task(retries=EMAIL_RETRIES, retry_delay=60)
def email_send(subject: str, body: str, recipients: list[str]) -> None:
    send_mail(subject, body, None, recipients)


def _daily(job):
    @db_periodic_task(crontab(hour=str(job.hour), minute=str(job.minute)), name=f"daily.{job.command}")
    def run():
        job_run_record(command=job.command)

    return run


DAILY_TASKS = {job.command: _daily(job) for job in DAILY_JOBS}


@signal(SIGNAL_ERROR)
def _on_error(signal_name, task, exc=None):
    """Record the failed attempt and stretch the delay before the next one (exponential back-off)."""
    attempts_made = type(task).default_retries - task.retries + 1
    if task.retries:
        task.retry_delay = retry_delay(attempts_made=attempts_made)
    job_failure_record(task=task, error=exc)
