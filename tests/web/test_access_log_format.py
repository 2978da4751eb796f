"""gunicorn's access log (config/gunicorn.py) names the method, path and protocol, never the query string: searches
carry persons' names and INS there (issue 10 review)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_access_log_leaves_the_query_string_out(tmp_path):
    port, log = free_port(), tmp_path / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "RELAIS_TESTING": "1",
        "RELAIS_BIND": f"127.0.0.1:{port}",
        "RELAIS_ACCESS_LOG": str(log),
        "WEB_CONCURRENCY": "1",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/healthz?nom=Synthetique&ins=1234567890123"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                urllib.request.urlopen(url, timeout=10).close()
            except urllib.error.HTTPError:
                pass  # any answer is logged
            except OSError:
                time.sleep(0.2)
                continue
            break
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "/healthz" not in (log.read_text() if log.exists() else ""):
            time.sleep(0.1)
    finally:
        server.terminate()
        _out, errors = server.communicate(timeout=30)
    text = log.read_text()
    assert '"GET /healthz HTTP/1.1"' in text, errors.decode()[-2000:]
    assert "Synthetique" not in text and "1234567890123" not in text and "?" not in text
