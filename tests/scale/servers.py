"""Start real Relais processes for the scaling tests: gunicorn servers and a huey worker, each its own process, all on
the test's PostgreSQL database and one Redis (its own key prefix and queue name, deleted afterwards). Standard library
plus redis-py only."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
# Redis databases of these tests: the queue in 10, the cache in 11 (REDIS_URL's next one). Keys carry a per-run
# prefix and queue name, and only those keys are deleted: nothing else in these databases is touched.
REDIS_QUEUE_URL = os.environ.get("RELAIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/10")


def redis_reachable(url: str = REDIS_QUEUE_URL) -> str:
    """'' when Redis answers, else the reason."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis unreachable at {url}: {error}"
    return ""


def redis_delete_run_keys(run_id: str) -> int:
    """Delete the keys of one run (cache prefix and queue name both contain run_id) in the queue and cache databases."""
    from config.settings import redis_next_database

    deleted = 0
    for url in (REDIS_QUEUE_URL, redis_next_database(REDIS_QUEUE_URL)):
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"*{run_id}*", count=500))
        deleted += client.delete(*keys) if keys else 0
    return deleted


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    """One child process in its own session (so its gunicorn workers stop with it), output kept in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path):
        self.name, self.log = name, log_dir / f"{name}.log"
        with self.log.open("wb") as out:
            self.popen = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


def gunicorn(name: str, port: int, env: dict[str, str], log_dir: Path) -> Process:
    """The Procfile's web line, on its own port, one worker process (two threads)."""
    # Its own control socket (gunicorn 27 puts one per user in ~/.gunicorn/): two masters on one host must not share it.
    control = str(log_dir / f"{name}.ctl")
    args = [PYTHON, "-m", "gunicorn", "--config", "config/gunicorn.py", "--control-socket", control, "config.wsgi"]
    return Process(name, args, {**env, "PORT": str(port), "WEB_CONCURRENCY": "1", "RELAIS_WEB_THREADS": "2"}, log_dir)


def worker(env: dict[str, str], log_dir: Path) -> Process:
    """The Procfile's worker line (without the periodic schedule: only what is enqueued runs)."""
    return Process("worker", [PYTHON, "manage.py", "run_huey", "--flush-locks", "--no-periodic"], env, log_dir)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One client: a cookie jar shared by every server it talks to, as a browser behind a load balancer (cookies are
    per host, 127.0.0.1, not per port), and its own address."""

    def __init__(self, client_ip: str):
        # The servers read the client address from X-Real-IP, as behind the reverse proxy (RATELIMIT_IP_META_KEY).
        self.client_ip = client_ip
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, base: str, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": base + "/", "X-Real-IP": self.client_ip}
        request = urllib.request.Request(base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)

    def csrf_token(self, base: str, path: str) -> str:
        status, html, _ = self.request(base, path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert status == 200 and token, f"no form on {base}{path} ({status})"
        return token.group(1)


def wait_until_up(base: str, process: Process, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False
