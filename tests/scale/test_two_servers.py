"""Two web servers and a worker against one PostgreSQL and one Redis (issue 10): what one server counts, queues or
opens, the other sees.

Real processes, as the Procfile starts them: two gunicorn servers (ports A and B) and `manage.py run_huey`, with
REDIS_URL set (queue and cache on one Redis, this run's own key prefix and queue name) and DATABASE_URL pointing at
pytest's PostgreSQL test database; the data they need is committed (transaction=True) so they can see it. Shown:
1. a login rate limit used up through A refuses the next attempt on B (the count lives in the shared cache);
2. a job enqueued by A (the invitation e-mail of a member added on A) is run by the worker, and its effect is usable
   through B: the e-mailed link opens on B, the new member chooses a password there and logs in on B;
3. a session opened by logging in on A is accepted by B (sessions in the shared database, one SECRET_KEY).
The servers run with RELAIS_TESTING=1 so that the test users' fast password hashes verify and static files need no
collectstatic manifest; DEBUG stays off and every sharing setting is the production one.
"""

import os
import re
import secrets
import time
from pathlib import Path

import pytest
from django.db import connection

from relais.accounts.professions import ProfessionalCategory
from relais.accounts.roles import Role
from tests.conftest import PASSWORD

from .servers import (
    REDIS_QUEUE_URL,
    Browser,
    free_port,
    gunicorn,
    redis_delete_run_keys,
    redis_reachable,
    wait_until_up,
    worker,
)

LOGIN = "/compte/connexion/"
# Per client address and per account, per day: a window that rolls over once a day, not during these few seconds.
LOGIN_RATE = 4
NEW_PASSWORD = "Un-nouveau-mot-de-passe-2026"

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_services():
    if connection.vendor != "postgresql":
        pytest.skip("needs one PostgreSQL database shared by several server processes (run on PostgreSQL)")
    reason = redis_reachable()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES") == "1" or os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def cluster(shared_services, tmp_path):
    """Servers A and B and one worker; yields their base URLs, the processes and the e-mail folder; then stops them and
    deletes this run's Redis keys."""
    run_id = f"scale-test-{secrets.token_hex(6)}"
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@{settings_dict['HOST'] or '127.0.0.1'}"
        f":{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CACHE_URL", "DATABASE_REPLICA_URL", "PYTEST_CURRENT_TEST", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_QUEUE_URL,
        RELAIS_CACHE_PREFIX=run_id,
        RELAIS_JOBS_QUEUE=run_id,
        RELAIS_JOBS_IMMEDIATE="false",
        RELAIS_JOBS_WORKERS="1",
        RELAIS_TESTING="1",
        DEBUG="false",
        HTTPS="false",
        RELAIS_REQUIRE_2FA="false",
        SECRET_KEY=secrets.token_urlsafe(40),  # one key for every process, as in production
        RELAIS_LOGIN_RATE=f"{LOGIN_RATE}/d",
        RATELIMIT_IP_META_KEY="HTTP_X_REAL_IP",  # as behind the reverse proxy: each test client has its own address
        RELAIS_AUDIT_SEQUENCE_ON_COMMIT="false",
        RELAIS_AUDIT_KEY_FILE=str(tmp_path / "audit" / "signing.key"),
        RELAIS_AUDIT_HEADS_FILE=str(tmp_path / "audit" / "heads.jsonl"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        RELAIS_ACCESS_LOG="",
    )
    port_a, port_b = free_port(), free_port()
    env["SITE_URL"] = f"http://127.0.0.1:{port_b}"  # links in e-mails lead to B (the public address)
    processes = [
        gunicorn("server-a", port_a, env, tmp_path),
        gunicorn("server-b", port_b, env, tmp_path),
        worker(env, tmp_path),
    ]
    try:
        bases = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
        for base, process in zip(bases, processes, strict=False):
            assert wait_until_up(base, process), f"{process.name} did not start\n{process.tail()}"
        yield bases, processes, tmp_path / "mail"
    finally:
        for process in processes:
            process.stop()
        redis_delete_run_keys(run_id)


def _wait_for_mail(folder: Path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        files = sorted(folder.glob("*.log")) if folder.is_dir() else []
        if files:
            return files[0].read_text(encoding="utf-8")
        time.sleep(0.2)
    return ""


def test_two_servers_share_rate_limits_the_job_queue_and_sessions(cluster, make_organisation, make_member):
    (a, b), processes, mail_dir = cluster
    organisation = make_organisation()
    admin, _ = make_member(organisation, role=Role.ADMIN)  # committed (transaction=True): the servers see it
    organisation_page = f"/compte/organisation/{organisation.pk}/"

    def logs() -> str:
        return "\n".join(process.tail() for process in processes)

    # 3. A session opened on A works on B (same browser; the load balancer sent the next request elsewhere).
    browser = Browser("192.0.2.10")
    token = browser.csrf_token(a, LOGIN)
    credentials = {"csrfmiddlewaretoken": token, "username": admin.email, "password": PASSWORD}
    assert browser.request(a, LOGIN, credentials)[0] == 302, logs()
    status, page, _ = browser.request(b, organisation_page)
    assert status == 200 and organisation.name in page and 'name="first_name"' in page, logs()
    assert Browser("192.0.2.11").request(b, organisation_page)[0] == 302  # no session cookie: B sends to the login

    # 1. A login rate limit used up through A is enforced by B: LOGIN_RATE failed attempts from one address on A,
    # then B refuses the next one from that address, even with the right password.
    intruder = Browser("192.0.2.66")
    token = intruder.csrf_token(a, LOGIN)
    attempt = {"csrfmiddlewaretoken": token, "username": "inconnu@exemple.test", "password": "mauvais-mot-de-passe"}
    assert [intruder.request(a, LOGIN, attempt)[0] for _ in range(LOGIN_RATE)] == [200] * LOGIN_RATE
    status, page, _ = intruder.request(b, LOGIN, {**attempt, "username": admin.email, "password": PASSWORD})
    assert status == 429 and "Trop de tentatives" in page, f"B did not count A's attempts ({status})\n{logs()}"
    assert browser.request(b, organisation_page)[0] == 200  # another address is not affected

    # 2. A job enqueued by A runs on the worker and its effect is usable through B: the admin adds a member on A, the
    # invitation e-mail leaves through the Redis queue (the web processes never send it), the link opens on B.
    token = browser.csrf_token(a, organisation_page)
    invite = {
        "csrfmiddlewaretoken": token,
        "email": "nouvelle.recrue@exemple.test",
        "first_name": "Dominique",
        "last_name": "Recrue",
        "professional_category": ProfessionalCategory.choices[0][0],
        "role": Role.MEMBER,
    }
    assert browser.request(a, organisation_page, invite)[0] == 302, logs()
    message = _wait_for_mail(mail_dir)
    assert "nouvelle.recrue@exemple.test" in message, f"no invitation e-mail\n{logs()}"
    assert "relais.jobs.tasks.email_send" in processes[2].log.read_text(encoding="utf-8"), "not sent by the worker"
    link = re.search(re.escape(b) + r"(/compte/mot-de-passe/nouveau/\S+/)", message)
    assert link, message
    newcomer = Browser("192.0.2.20")
    status, _, headers = newcomer.request(b, link.group(1))  # Django keeps the token in the session, then redirects
    assert status == 302, logs()
    set_password = headers["Location"]
    token = newcomer.csrf_token(b, set_password)
    form = {"csrfmiddlewaretoken": token, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert newcomer.request(b, set_password, form)[0] == 302, logs()
    token = newcomer.csrf_token(b, LOGIN)
    login = {"csrfmiddlewaretoken": token, "username": "nouvelle.recrue@exemple.test", "password": NEW_PASSWORD}
    assert newcomer.request(b, LOGIN, login)[0] == 302, logs()
