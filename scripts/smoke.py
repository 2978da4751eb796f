"""Smoke test of what `make run` serves: start `make serve` (gunicorn + huey worker, DEBUG off) on a spare port of the
loopback (chosen by the system; SMOKE_PORT to impose one), then check as a user would: the public directory, a static
file through whitenoise, Relais's own 404 page for a refused access (never Django's technical page), and a queued e-mail
delivered by the worker. Stops everything.

Run after `make setup` (CI does: .ci/run). Exit code 0 when every check passed; each failure is printed.
Standard library only.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nothing listens on now, chosen by the system (SMOKE_PORT to impose one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = int(os.environ.get("SMOKE_PORT") or free_port())
BASE = f"http://127.0.0.1:{PORT}"
MAIL_DIR = ROOT / "var" / "smoke-mail"
DEMO_LOGIN, DEMO_PASSWORD = "admissions.esms@demo.relais.test", "relais-demo-2026"
failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def get(path: str, data: dict | None = None) -> tuple[int, str, dict]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(BASE + path, data=body, headers={"Referer": BASE + "/"})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)


def wait_until_up(process: subprocess.Popen, seconds: int = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if get("/healthz")[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def main() -> int:
    MAIL_DIR.mkdir(parents=True, exist_ok=True)
    for old in MAIL_DIR.iterdir():
        old.unlink()
    env = {**os.environ, "PORT": str(PORT), "EMAIL_FILE_PATH": str(MAIL_DIR)}
    server = subprocess.Popen(["make", "--no-print-directory", "serve"], cwd=ROOT, env=env, start_new_session=True)
    try:
        check(wait_until_up(server), f"make serve answers on {BASE}/healthz")
        if failures:
            return 1
        status, html, headers = get("/offre/")
        check(status == 200 and "Relais" in html, "public directory /offre/ answers 200")
        check("gunicorn" in headers.get("Server", ""), "served by gunicorn")
        css = re.search(r'href="(/static/[^"]+\.css)"', html)
        check(css is not None, "the page links a stylesheet under /static/")
        if css:
            status, _, headers = get(css.group(1))
            check(status == 200 and "max-age" in headers.get("Cache-Control", ""), "static file served by whitenoise")
        status, html, _ = get("/nulle-part/")
        check(status == 404 and "Erreur 404" in html, "unknown page: Relais's own 404")
        check("URLconf" not in html and "Traceback" not in html, "no Django technical page (DEBUG is off)")

        status, html, _ = get("/compte/connexion/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        check(status == 200 and token is not None, "login page")
        if token:
            form = {"csrfmiddlewaretoken": token.group(1), "username": DEMO_LOGIN, "password": DEMO_PASSWORD}
            status, _, _ = get("/compte/connexion/", form)
            check(status == 302, f"demo login {DEMO_LOGIN}")
            # The ESMS admission officer is in no care circle: a coordination record is refused as a 404 by design.
            status, html, _ = get("/parcours/personnes/1/")
            check(status == 404 and "Erreur 404" in html and "URLconf" not in html, "refused access: Relais's own 404")

        queued = subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", "shell", "-c",
             "from relais.jobs.tasks import email_send; email_send('Essai', 'Corps', ['ops@exemple.test'])"],
            cwd=ROOT, env={**env, "DEBUG": "false", "HTTPS": "false"}, capture_output=True, text=True, check=False,
        )  # fmt: skip
        check(
            queued.returncode == 0,
            "an e-mail queued from another process" + (f": {queued.stderr}" * bool(queued.returncode)),
        )
        deadline = time.monotonic() + 30
        while not any(MAIL_DIR.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.5)
        check(any(MAIL_DIR.iterdir()), "the worker sent the queued e-mail (var/smoke-mail/)")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    print(f"smoke: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
