"""REDIS_URL is the one switch for several processes: the cache (rate limits) and the job queue move to Redis together,
in two databases so that clearing the cache never empties the queue; CACHE_URL still overrides the cache. Settings
are read at start-up, so each case is a fresh Python process with its own environment."""

import json
import os
import secrets
import subprocess
import sys

import pytest

from .servers import ROOT, redis_reachable

# Reads config/settings.py once per environment given as JSON on stdin (no Django set-up needed: it is plain Python).
SHOW = """
import importlib, json, os, sys
cases, shown = json.load(sys.stdin), []
for env in cases:
    for name in ("REDIS_URL", "CACHE_URL", "DATABASE_REPLICA_URL", "RELAIS_CACHE_PREFIX"):
        os.environ.pop(name, None)
    os.environ.update(env)
    try:
        s = importlib.reload(importlib.import_module("config.settings"))
    except Exception as error:
        shown.append({"error": str(error)})
        continue
    cache = s.CACHES["default"]
    shown.append({"cache": cache["BACKEND"].rsplit(".", 1)[-1], "location": cache.get("LOCATION"),
        "prefix": cache.get("KEY_PREFIX"), "queue": s.HUEY["huey_class"], "queue_connection": s.HUEY["connection"],
        "silenced": s.SILENCED_SYSTEM_CHECKS, "databases": sorted(s.DATABASES)})
print(json.dumps(shown))
"""


def run(code: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL", "DATABASE_REPLICA_URL"}}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", RELAIS_TESTING="1", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, input=stdin, capture_output=True, text=True, timeout=60
    )


def settings_under(*envs: dict[str, str]) -> list[dict]:
    done = run(SHOW, stdin=json.dumps(envs))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_settings_each_environment_gives():
    default, redis_only, no_number, override, refused, refused_fixed, replica = settings_under(
        {},
        {"REDIS_URL": "redis://redis.interne:6379/4"},
        {"REDIS_URL": "redis://redis.interne:6379"},
        {"REDIS_URL": "redis://file:6379/0", "CACHE_URL": "redis://cache:6379/3", "RELAIS_CACHE_PREFIX": "t1"},
        {"REDIS_URL": "redis://redis.interne:6379/15"},
        {"REDIS_URL": "redis://redis.interne:6379/15", "CACHE_URL": "redis://cache:6379/0"},
        {"DATABASE_REPLICA_URL": "postgres://lecture@replica.interne:5432/relais"},
    )
    # Unset: one process, in-process cache, queue in SQLite; the ratelimit warning is expected here and only here.
    assert default["cache"] == "LocMemCache" and default["queue"] == "huey.SqliteHuey"
    assert "django_ratelimit.E003" in default["silenced"] and default["databases"] == ["default"]
    # REDIS_URL alone: the queue in its database, the cache in the next one.
    assert redis_only["queue"] == "huey.RedisHuey"
    assert redis_only["queue_connection"] == {"url": "redis://redis.interne:6379/4"}
    assert redis_only["cache"] == "RedisCache" and redis_only["location"] == "redis://redis.interne:6379/5"
    assert redis_only["prefix"] == "relais" and redis_only["silenced"] == []
    assert no_number["location"] == "redis://redis.interne:6379/1"
    # CACHE_URL overrides the cache only.
    assert override["location"] == "redis://cache:6379/3" and override["prefix"] == "t1"
    assert override["queue_connection"] == {"url": "redis://file:6379/0"}
    # No database after 15: refused, with the fix in the message; CACHE_URL resolves it.
    assert "set CACHE_URL too" in refused["error"] and refused_fixed["location"] == "redis://cache:6379/0"
    assert replica["databases"] == ["default", "replica"]


def test_clearing_the_cache_keeps_the_queued_jobs():
    reason = redis_reachable()
    if reason:
        pytest.skip(reason)
    run_id = f"scale-settings-{secrets.token_hex(4)}"
    code = """
from django.core.cache import cache
import django
django.setup()
from huey.contrib.djhuey import HUEY
from relais.jobs.tasks import email_send
try:
    email_send("Sujet", "Corps", ["x@exemple.test"])
    cache.set("compteur", 3)
    cache.clear()  # empties the cache's whole Redis database
    print(HUEY.pending_count(), cache.get("compteur"))
finally:
    HUEY.flush()
"""
    # Databases 8 (queue) and 9 (cache) belong to this test: cache.clear() empties database 9.
    done = run(code, REDIS_URL="redis://127.0.0.1:6379/8", RELAIS_JOBS_QUEUE=run_id, RELAIS_JOBS_IMMEDIATE="false")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "None"]
