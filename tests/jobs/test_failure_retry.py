"""Failed tasks are kept as a registry name and JSON arguments (never a pickle) and rebuilt through huey's registry
when an operator retries them; a row naming no registered task is refused (issue 10 review)."""

import pytest
from django.contrib.messages import get_messages
from huey.contrib.djhuey import HUEY, db_task

from relais.jobs.models import JobFailure

CALLS: list[tuple] = []
SUCCEEDS: set[str] = set()


@db_task(retries=0)
def flaky(label: str, numbers: list[int], *, polite: bool = False) -> None:
    CALLS.append((label, numbers, polite))
    if label not in SUCCEEDS:
        raise RuntimeError(f"{label} not ready")


@pytest.fixture
def operator(client, django_user_model, no_2fa):
    user = django_user_model.objects.create_superuser(email="ops@exemple.test", password="y" * 12)
    client.force_login(user)
    return user


def test_a_failure_keeps_the_task_name_and_json_arguments(db):
    CALLS.clear()
    flaky("report", [1, 2], polite=True)
    failure = JobFailure.objects.get()
    assert failure.given_up and failure.task_name == "flaky"
    assert failure.task_path == "tests.jobs.test_failure_retry.flaky"
    assert (failure.args, failure.kwargs) == (["report", [1, 2]], {"polite": True})
    assert "payload" not in {field.name for field in JobFailure._meta.get_fields()}  # no serialized task at all


def test_an_operator_retry_rebuilds_the_task_from_the_registry(
    db, client, operator, django_capture_on_commit_callbacks
):
    CALLS.clear()
    flaky("invoice", [3])
    failure = JobFailure.objects.get()
    SUCCEEDS.add("invoice")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/exploitation/taches/echecs/{failure.pk}/relancer/")
    finally:
        SUCCEEDS.discard("invoice")
    assert response.status_code == 302
    assert CALLS == [("invoice", [3], False), ("invoice", [3], False)]  # run again, same arguments, and succeeded
    assert JobFailure.objects.count() == 1
    failure.refresh_from_db()
    assert failure.retried_at is not None and failure.retried_by == operator
    assert "Échecs à traiter (0)" in client.get("/exploitation/taches/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"task_path": "os.system", "args": ["touch /tmp/relais-pwned"], "kwargs": {}}, "n'existe pas"),
        ({"task_path": "", "args": None, "kwargs": None}, "n'existe pas"),  # a row of before the task's name was kept
        ({"task_path": "tests.jobs.test_failure_retry.flaky", "args": None, "kwargs": {}}, "pas été conservés"),
    ],
)
def test_a_failure_that_cannot_be_rebuilt_is_refused_with_a_message(
    db, client, operator, django_capture_on_commit_callbacks, fields, message
):
    failure = JobFailure.objects.create(task_name="inconnue", task_id="x", retries_left=0, error="E", **fields)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/exploitation/taches/echecs/{failure.pk}/relancer/")
    assert response.status_code == 302 and callbacks == []  # nothing queued
    assert any(message in str(m) for m in get_messages(response.wsgi_request))
    failure.refresh_from_db()
    assert failure.retried_at is None  # still listed for the operator
    page = client.get("/exploitation/taches/").content.decode()
    assert "Échecs à traiter (1)" in page
    assert HUEY.pending_count() == 0


def test_failures_older_than_the_retention_are_purged_by_a_daily_job(db, settings):
    from datetime import timedelta

    from django.utils import timezone

    from relais.jobs.models import JobRun
    from relais.jobs.tasks import DAILY_TASKS

    settings.RELAIS_JOB_FAILURE_RETENTION_DAYS = 90
    old, recent = (
        JobFailure.objects.create(task_name=name, task_id=name, error="E", args=[], kwargs={}) for name in "ab"
    )
    JobFailure.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=91))
    JobFailure.objects.filter(pk=recent.pk).update(at=timezone.now() - timedelta(days=89))
    DAILY_TASKS["jobs_purge"].call_local()
    assert list(JobFailure.objects.values_list("pk", flat=True)) == [recent.pk]
    assert JobRun.objects.get(name="jobs_purge").summary == {"retention_days": 90, "failures_deleted": 1}
