"""Background jobs: side effects after commit, a real worker draining the SQLite queue, the daily schedule, failures
retried with back-off and shown to operators."""

import io
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from huey.contrib.djhuey import HUEY

from relais.accounts.roles import OrganisationKind, Role
from relais.jobs.models import JobFailure, JobRun
from relais.jobs.schedule import DAILY_JOBS
from relais.jobs.services import retry_delay
from relais.jobs.tasks import DAILY_TASKS, email_send
from relais.notifications.models import Notification
from relais.notifications.registry import NotificationKind, register
from relais.notifications.services import notification_send

register(NotificationKind(code="tests.jobs", label="Test des tâches", default_roles=frozenset({Role.DIRECTOR})))


@pytest.fixture
def director(make_organisation, make_member):
    organisation = make_organisation(kind=OrganisationKind.ESMS)
    user, _actor = make_member(organisation, role=Role.DIRECTOR)
    return organisation, user


def notify(organisation, key):
    return notification_send(
        kind="tests.jobs", organisation=organisation, subject="Sujet", body="Corps", link="/x/", dedup_key=key
    )


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_sends_nothing_and_a_committed_one_sends(director, mailoutbox):
    organisation, user = director
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(organisation, "rolled-back")
        raise RuntimeError("the business write failed after the notification")
    assert mailoutbox == [] and not Notification.objects.exists()
    with transaction.atomic():
        notify(organisation, "committed")
        assert mailoutbox == []  # not inside the transaction
    assert [m.to for m in mailoutbox] == [[user.email]]
    assert Notification.objects.get().emailed_at is not None


@pytest.fixture
def real_queue():
    """The worker's real storage (SQLite file) instead of the tests' immediate mode, emptied before and after."""
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_drains_the_queue(director, mailoutbox, real_queue):
    organisation, user = director
    notify(organisation, "queued")
    assert real_queue.pending_count() == 1 and mailoutbox == []  # waiting in var/, not sent by the web process
    consumer = real_queue.create_consumer(workers=1, periodic=False, check_worker_health=False)
    thread = threading.Thread(target=consumer.start, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not mailoutbox and time.monotonic() < deadline:
        time.sleep(0.05)
    consumer.stop(graceful=True)
    assert [m.to for m in mailoutbox] == [[user.email]]
    assert real_queue.pending_count() == 0
    assert Notification.objects.get().emailed_at is not None


def test_daily_jobs_are_due_at_their_paris_time():
    assert HUEY.utc is False  # schedules read in TIME_ZONE (Django sets the process's TZ)
    for job in DAILY_JOBS:
        due = {task.name for task in HUEY.read_periodic(datetime(2026, 12, 4, job.hour, job.minute))}
        assert f"daily.{job.command}" in due
        later = {task.name for task in HUEY.read_periodic(datetime(2026, 12, 4, job.hour, (job.minute + 1) % 60))}
        assert f"daily.{job.command}" not in later
    assert {task.name for task in HUEY.read_periodic(datetime(2026, 12, 4, 12, 0))} & set(DAILY_TASKS) == set()


def test_a_daily_job_run_is_recorded_with_its_summary(db):
    DAILY_TASKS["pathway_tick"].call_local()
    run = JobRun.objects.get(name="pathway_tick")
    assert run.ok and run.finished_at and isinstance(run.summary, dict) and run.summary
    out = io.StringIO()
    call_command("jobs_status", stdout=out)
    status = json.loads(out.getvalue().splitlines()[-1])
    assert status["daily"]["pathway_tick"]["last_ok"] is True
    assert status["daily"]["orientation_tick"]["last_started"] is None


def test_retry_delays_double_then_cap():
    assert [retry_delay(attempts_made=n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(attempts_made=30) == 6 * 3600


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    HUEY.flush()
    yield settings
    HUEY.flush()


def test_a_failing_email_is_retried_with_growing_delays_then_given_up_and_retried_by_an_operator(
    db, failing_mail, client, django_user_model, no_2fa, django_capture_on_commit_callbacks
):
    email_send("Objet", "Corps", ["destinataire@exemple.test"])
    etas = []
    for _ in range(email_send.task_class.default_retries):
        (task,) = HUEY.scheduled()
        etas.append(task.eta)
        HUEY.storage.flush_schedule()
        task.eta = None  # the worker's next attempt, run now rather than at its time
        HUEY.execute(task)
    assert HUEY.scheduled() == []  # given up
    gaps = [round((later - earlier).total_seconds()) for earlier, later in itertools.pairwise(etas)]
    assert all(b > a for a, b in itertools.pairwise(gaps))  # each wait longer than the previous
    failures = JobFailure.objects.order_by("pk")
    assert failures.count() == email_send.task_class.default_retries + 1 and failures.last().given_up

    # Visible to operators only.
    professional = django_user_model.objects.create_user(email="pro@exemple.test", password="x" * 12)
    client.force_login(professional)
    assert client.get("/exploitation/taches/").status_code == 404
    operator = django_user_model.objects.create_superuser(email="ops@exemple.test", password="y" * 12)
    client.force_login(operator)
    page = client.get("/exploitation/taches/")
    assert page.status_code == 200
    assert "Échecs à traiter (1)" in page.content.decode() and "email_send" in page.content.decode()

    failing_mail.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/exploitation/taches/echecs/{failures.last().pk}/relancer/")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["destinataire@exemple.test"]]
    assert "Échecs à traiter (0)" in client.get("/exploitation/taches/").content.decode()


def test_a_fresh_process_knows_every_task():
    """A web process (not only the worker) must resolve every task by name, e.g. to retry a failure."""
    code = (
        "import django; django.setup()\n"
        "from huey.contrib.djhuey import HUEY\n"
        "print('\\n'.join(sorted(HUEY._registry._registry)))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "RELAIS_TESTING": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    names = set(done.stdout.split())
    expected = {"relais.jobs.tasks.email_send", "relais.notifications.tasks.notification_email"}
    expected.add("relais.accounts.tasks.invitation_email")
    expected |= {f"relais.jobs.tasks.daily.{job.command}" for job in DAILY_JOBS}
    assert expected <= names
