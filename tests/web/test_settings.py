"""Settings come from the environment, in one place; run in subprocesses since settings load once."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RENDER_LOGIN = """
import django, os
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
print(settings.DATABASES["default"]["ENGINE"], settings.DATABASES["default"].get("OPTIONS", {}).get("transaction_mode"))
print(Client().get("/compte/connexion/").content.decode())
"""


def run(code: str, **env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"THEME", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "RELAIS_TESTING"}
    }
    base.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60)


def test_dsfr_theme_when_asked(tmp_path):
    result = run(RENDER_LOGIN, THEME="dsfr", DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert "dsfr/dist/dsfr/dsfr.min.css" in result.stdout and "fr-header" in result.stdout


def test_sqlite_is_tuned_for_a_web_server(tmp_path):
    result = run(RENDER_LOGIN, DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "django.db.backends.sqlite3 IMMEDIATE"


def test_unknown_theme_is_refused():
    result = run("import django; django.setup()", THEME="rose", DEBUG="true")
    assert result.returncode != 0 and "THEME must be 'neutral' or 'dsfr'" in result.stderr


def test_secret_key_required_in_production(tmp_path):
    missing = str(tmp_path / "no-secret")
    result = run("import django; django.setup()", DEBUG="false", SECRET_KEY_FILE=missing)
    assert result.returncode != 0 and "SECRET_KEY or SECRET_KEY_FILE must be set" in result.stderr
    ok = run("import django; django.setup(); print('ok')", DEBUG="false", SECRET_KEY="x" * 50, SECRET_KEY_FILE=missing)
    assert ok.returncode == 0 and ok.stdout.strip() == "ok"


def test_secret_key_read_from_its_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("k" * 50 + "\n")
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = run(code, DEBUG="false", SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "k" * 50
