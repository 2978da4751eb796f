"""What the journeys benchmark (journeys.py) is built from: the recorder that counts clicks and typed fields and times
each step, the journey registry, a few stable selectors, and the server `make run` starts, on a copy of the demo."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = Path("/usr/bin/chromium")  # Debian's (scripts/ensure-chromium.sh), as the browser tests
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
RUN_DIR = ROOT / "var" / "bench" / "journeys"
TARGET_STEP_S = 1.0
STEP_TIMEOUT_MS = 30_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- What a journey records ----------------------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    seconds: float
    kind: str  # "click" or "submit"


@dataclass
class Recorder:
    """The user's actions on one page: counted, and timed until the page is ready."""

    page: object
    clicks: int = 0
    typed_fields: int = 0
    steps: list[Step] = field(default_factory=list)
    notes: dict = field(default_factory=dict)

    def type(self, locator, text: str) -> None:
        """A field typed in (counted, not timed)."""
        locator.fill(text)
        self.typed_fields += 1

    def choose(self, locator, label: str) -> None:
        """An option chosen from a list (counted as a typed field, not timed)."""
        locator.select_option(label=label)
        self.typed_fields += 1

    def click(self, name: str, locator, *, ready: Callable[[], object] | None = None, navigates: bool = True) -> None:
        """A click (link, button, form submission): timed from the click until the next page has loaded (navigates)
        and ``ready`` holds. ``navigates=False`` for a click answered in the page (htmx, a disclosure): ``ready`` then
        says what the user waits for."""
        kind = "submit" if _is_submit(locator) else "click"
        started = time.perf_counter()
        if navigates:
            with self.page.expect_navigation(wait_until="load", timeout=STEP_TIMEOUT_MS):
                locator.click()
        else:
            locator.click()
        if ready is not None:
            ready()
        seconds = time.perf_counter() - started
        self.clicks += 1
        self.steps.append(Step(name, round(seconds, 3), kind))
        log(f"  {seconds:6.3f} s  {name}")

    def result(self) -> dict:
        return {
            "clicks": self.clicks,
            "typed_fields": self.typed_fields,
            **summarise([vars(step) for step in self.steps]),
            **self.notes,
        }


def summarise(steps: list[dict]) -> dict:
    """Total seconds, the slowest step and the steps over the target."""
    slowest = max(steps, key=lambda step: step["seconds"], default=None)
    return {
        "seconds_total": round(sum(step["seconds"] for step in steps), 3),
        "slowest_step": {"name": slowest["name"], "seconds": slowest["seconds"]} if slowest else None,
        "steps_over_target": [step["name"] for step in steps if step["seconds"] > TARGET_STEP_S],
        "steps": steps,
    }


def combine(runs: list[dict]) -> dict:
    """One journey over several runs (each on a fresh copy of the demo, so the same steps): each step's median."""
    totals = [run["seconds_total"] for run in runs]
    names = [[step["name"] for step in run["steps"]] for run in runs]
    if len(runs) == 1:
        return runs[0]
    if not all(run["ok"] for run in runs) or any(other != names[0] for other in names):
        median_run = sorted(runs, key=lambda run: run["seconds_total"])[len(runs) // 2]
        return {**median_run, "seconds_total_runs": totals, "note": "the runs took different steps: the median run"}
    steps = [
        {**step, "seconds": round(statistics.median(run["steps"][n]["seconds"] for run in runs), 3)}
        for n, step in enumerate(runs[0]["steps"])
    ]
    return {**runs[0], **summarise(steps), "seconds_total_runs": totals}


def _is_submit(locator) -> bool:
    try:
        return bool(locator.evaluate("e => e.type === 'submit'", timeout=STEP_TIMEOUT_MS))
    except Exception:  # (a locator that is not an element yet: reported as a plain click)
        return False


class JourneyImpossible(Exception):
    """The data or the screens no longer allow the journey as written: update its function."""


@dataclass(frozen=True)
class Journey:
    name: str
    title: str  # the task, in the words
    role: str  # the demo user's role (relais/demo/logins.py)
    run: Callable[[Recorder], None]
    how: str  # how the task is done on today's screens


JOURNEYS: dict[str, Journey] = {}


def journey(name: str, title: str, role: str, how: str):
    def register(function: Callable[[Recorder], None]):
        JOURNEYS[name] = Journey(name, title, role, function, how)
        return function

    return register


# --- The server: what `make run` starts, on a copy of the département demo -----------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(port: int) -> dict:
    """web_load.py's environment (`make serve`'s, pointed at var/bench/), with this run's own database copy, job
    queue, mail folder and access-log signing files."""
    import web_load

    return {
        **web_load.bench_env(port),
        "DATABASE_URL": f"sqlite:///{RUN_DIR / 'relais.sqlite3'}",
        "RELAIS_JOBS_DIR": str(RUN_DIR / "jobs"),
        "EMAIL_FILE_PATH": str(RUN_DIR / "mail"),
        "MEDIA_ROOT": str(RUN_DIR / "media"),
        "RELAIS_AUDIT_KEY_FILE": str(RUN_DIR / "audit" / "signing.key"),
        "RELAIS_AUDIT_HEADS_FILE": str(RUN_DIR / "audit" / "heads.jsonl"),
    }


def prepare(port: int, rebuild: bool) -> dict:
    """The template database (built once by web_load.build), a fresh copy for this run, the static files."""
    import web_load

    web_load.build(web_load.bench_env(port), rebuild)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    for folder in (RUN_DIR, RUN_DIR / "jobs", RUN_DIR / "mail", RUN_DIR / "audit"):
        folder.mkdir(parents=True, exist_ok=True)
    (RUN_DIR / "audit").chmod(0o700)
    with (
        closing(sqlite3.connect(f"file:{web_load.DB}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(RUN_DIR / "relais.sqlite3")) as copy,
    ):
        source.backup(copy)  # consistent even with a WAL file beside the template
    env = server_env(port)
    python = str(ROOT / ".venv" / "bin" / "python")
    # As `make setup`: the copy is migrated (a template built before a new migration still serves), static collected.
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([python, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True)
    return env


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}): see {RUN_DIR / 'server.log'}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"no answer from {url}/healthz after {seconds:.0f} s")


def serve(port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        # -o: the environment is already installed (the benchmark runs in it); make would otherwise reinstall it
        # when a lock file is newer than its stamp (a fresh checkout or worktree).
        ["make", "--no-print-directory", "-o", ".venv/.installed", "-o", "node_modules/.installed", "serve"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=open(RUN_DIR / "server.log", "w"),  # noqa: SIM115
    )  # fmt: skip
    wait_until_up(f"http://127.0.0.1:{port}", server)
    return server


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


# --- Stable selectors shared by the journeys ------------------------------------------------------------------------


def heading(page, text: str | re.Pattern):
    return lambda: expect(page.get_by_role("heading", level=1)).to_have_text(text)


def status_message(page, text: str | re.Pattern):
    return lambda: expect(page.get_by_role("status").first).to_contain_text(text)


def nav(page, label: str):
    return page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name=label, exact=True)
