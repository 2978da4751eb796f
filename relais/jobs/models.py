"""What operators need to see of the background jobs: each scheduled run, and each failed attempt of a task.

The queue itself lives in huey's storage (SQLite in var/ or Redis); these tables are the history, kept in the
database so that the operations page and `jobs_status` read one place whichever storage runs the queue.
"""

from django.conf import settings
from django.db import models


class JobRun(models.Model):
    """One run of a scheduled job (the daily follow-up, the digests…), with the JSON summary it printed."""

    name = models.CharField("tâche", max_length=100, db_index=True)
    started_at = models.DateTimeField("début")
    finished_at = models.DateTimeField("fin", null=True, blank=True)
    ok = models.BooleanField("réussie", default=False)
    summary = models.JSONField("résumé", default=dict, blank=True)
    error = models.TextField("erreur", blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "exécution de tâche planifiée"
        indexes = [models.Index(fields=["name", "-started_at"], name="jobrun_name_started")]

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"


class JobFailure(models.Model):
    """A task attempt that raised (or could not be queued). ``retries_left`` > 0: huey tries again later (back-off);
    0: given up, an operator may retry it. The task is kept as its registry name and JSON arguments, never in huey's
    pickled form: whoever can write this table must not be able to make the web process run code. The tasks take
    ids and texts, no medical data and no secret (links with tokens are built by the worker)."""

    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    task_name = models.CharField("tâche", max_length=200)
    task_id = models.CharField(max_length=64, db_index=True)
    retries_left = models.PositiveSmallIntegerField("essais restants", default=0)
    error = models.TextField("erreur")
    # huey's registry name ("relais.jobs.tasks.email_send"); empty for rows of before this field (not retriable).
    task_path = models.CharField(max_length=300, blank=True, editable=False)
    # The arguments as JSON; null when they were not JSON-serialisable (then the row cannot be retried).
    args = models.JSONField(null=True, editable=False)
    kwargs = models.JSONField(null=True, editable=False)
    retried_at = models.DateTimeField("relancée le", null=True, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "échec de tâche"

    def __str__(self) -> str:
        return f"{self.task_name} {self.at:%Y-%m-%d %H:%M}"

    @property
    def given_up(self) -> bool:
        return self.retries_left == 0
