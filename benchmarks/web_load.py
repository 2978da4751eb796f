"""Load benchmark of the served application, as `make run` serves it (not a timed test).

    python benchmarks/web_load.py [--users 100] [--duration 120] [--think 1.0] [--saturation 12] [--skip-saturation]
                                  [--soak SECONDS] [--port 8790] [--rebuild]

Builds once (reused afterwards; --rebuild starts again) its own SQLite database var/bench/relais.sqlite3 with the
département demo (`migrate`, `demo_territory --seed 1 --scale departement`), its own job queue (var/bench/jobs/) and
secret, then starts `make serve` on a spare loopback port: honcho runs the Procfile, so gunicorn with
config/gunicorn.py and the huey worker, with the environment `make run` exports (DEBUG off, 2FA off).

Users: ``--users`` HTTP/1.1 keep-alive connections driven by one asyncio loop (a small client written here on
asyncio streams: the standard library only, light enough to share the server's 2 cores). Each user has its own
loopback source address (127.0.0.10, .11, …) so per-address rate limits apply as to distinct people, logs in once
with the CSRF form as one of the demo accounts (relais/demo/logins.py, round robin), discovers its own pages the way
a person would (the waiting list links its requests, "Mes dossiers" its records), then loops over its role's mix of
pages, waiting ``--think`` seconds after each answer. Pages: public search, site page, waiting list, request page,
coordination record, my tasks, FHIR search (with the session: FHIR accepts a verified browser session).

Then, unless --skip-saturation, a saturation run per page: the same users without pauses for ``--saturation``
seconds each, which gives each page's maximum throughput. ``--soak SECONDS`` replaces both by one paced run of that
length and reports the server's memory (PSS and RSS of gunicorn's master and workers and of the huey worker, from
/proc) at start and end. Everything is stopped at the end. Progress goes to stderr; the last line printed is one
JSON object. Targets: p95 ≤ 200 ms per page and 0 errors in the paced run; memory growth ≤ 10 % in the soak.
"""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
DB = BENCH / "relais.sqlite3"
PASSWORD = "relais-demo-2026"
TARGET_P95_MS = 200
TARGET_MEMORY_GROWTH = 0.10
REQUEST_TIMEOUT = 30.0
ALONE_REQUESTS = 20
ESMS = ("admin.esms", "admissions.esms", "direction.esms")
CARE = ("coordination.dac", "medecin.ville", "infirmiere.hopital")
OTHERS = ("direction.gestionnaire", "orientation.mdph", "pilotage.departement", "pilotage.ars", "pilotage.national")
LOGINS = [f"{name}@demo.relais.test" for name in (*ESMS, *CARE, *OTHERS)]
PAGES = ("public_search", "site", "waiting_list", "request", "record", "my_tasks", "fhir_search")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_env(port: int) -> dict:
    """What `make serve` gets, pointed at the benchmark's own database, job queue, secret and mail folder."""
    return {
        **os.environ,
        "DEBUG": "false",
        "HTTPS": "false",
        "RELAIS_REQUIRE_2FA": "false",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{DB}",
        "RELAIS_JOBS_DIR": str(BENCH / "jobs"),
        "SECRET_KEY_FILE": str(BENCH / "secret_key"),
        "EMAIL_FILE_PATH": str(BENCH / "mail"),
        "MEDIA_ROOT": str(BENCH / "media"),
        # The worker signs and publishes the access log's heads: this database's own key and heads file, never
        # those of the local installation (var/audit/), whose chain they would not match.
        "RELAIS_AUDIT_KEY_FILE": str(BENCH / "audit" / "signing.key"),
        "RELAIS_AUDIT_HEADS_FILE": str(BENCH / "audit" / "heads.jsonl"),
        "RELAIS_ACCESS_LOG": "",  # gunicorn's access log on a terminal would cost the shared CPUs
        # 100 people log in within seconds from one machine: the per-account login budget (10/min) is not the subject.
        "RELAIS_LOGIN_RATE": "1000/m",
    }


def build(env: dict, rebuild: bool) -> None:
    for folder in (BENCH, BENCH / "jobs", BENCH / "mail", BENCH / "audit"):
        folder.mkdir(parents=True, exist_ok=True)
    (BENCH / "audit").chmod(0o700)
    secret = BENCH / "secret_key"
    if not secret.exists():
        secret.write_text(os.urandom(32).hex(), encoding="utf-8")
        secret.chmod(0o600)
    if rebuild and DB.exists():
        for path in BENCH.glob("relais.sqlite3*"):
            path.unlink()
    if DB.exists():
        return
    # A new database starts a new access log: the signed heads of the old one would not match its chain (audit_verify
    # and audit_publish_head would report a rewritten log). Kept aside as evidence, as `make setup` does.
    heads = BENCH / "audit" / "heads.jsonl"
    if heads.exists():
        aside = heads.with_name(f"heads-{time.strftime('%Y%m%d%H%M%S')}.jsonl.old")
        heads.rename(aside)
        log(f"new database: the old one's signed heads kept aside in {aside}")
    python = str(ROOT / ".venv" / "bin" / "python")
    log(f"building {DB} (migrate, demo_territory --seed 1 --scale departement)…")
    for args in (["migrate", "--noinput"], ["demo_territory", "--seed", "1", "--scale", "departement"]):
        subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def public_targets() -> tuple[list[str], list[str]]:
    """Site numbers and postcodes from the benchmark database (public data; read-only)."""
    with sqlite3.connect(f"file:{DB}?mode=ro", uri=True) as db:
        sites = [row[0] for row in db.execute("SELECT finess FROM offer_site WHERE is_open ORDER BY finess")]
        postcodes = [row[0] for row in db.execute("SELECT DISTINCT postal_code FROM offer_site ORDER BY 1")]
    return sites, postcodes


# --- A small HTTP/1.1 client on asyncio streams --------------------------------------------------------------------


class Client:
    def __init__(self, host: str, port: int, source: str):
        self.host, self.port, self.source = host, port, source
        self.reader = self.writer = None
        self.cookies: dict[str, str] = {}

    async def _connect(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, local_addr=(self.source, 0))

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "User-Agent: relais-web-load"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in (1, 2):  # an idle keep-alive connection closed by the server is reopened once
            fresh = self.writer is None
            if fresh:
                await self._connect()
            try:
                self.writer.write(raw)
                return await asyncio.wait_for(self._response(), REQUEST_TIMEOUT)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if fresh or attempt == 2:
                    raise
            except BaseException:
                self.close()
                raise
        raise AssertionError("unreachable")

    async def _response(self):
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
            headers[name] = value
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size + 2))
            await self.reader.readuntil(b"\r\n")
            body = b"".join(c[:-2] for c in chunks)
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body.decode("utf-8", "replace")


# --- Users ---------------------------------------------------------------------------------------------------------


class User:
    def __init__(self, index: int, port: int, sites: list[str], postcodes: list[str]):
        self.email = LOGINS[index % len(LOGINS)]
        self.role = self.email.split("@")[0]
        self.client = Client("127.0.0.1", port, f"127.0.0.{10 + index % 240}")
        self.random = random.Random(index)
        self.sites, self.postcodes = sites, postcodes
        self.requests: list[str] = []
        self.records: list[str] = []

    async def login(self) -> None:
        status, _, html = await self.client.request("GET", "/compte/connexion/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or not token:
            raise RuntimeError(f"{self.email}: login page answered {status}")
        form = {"csrfmiddlewaretoken": token.group(1), "username": self.email, "password": PASSWORD}
        status, headers, _ = await self.client.request("POST", "/compte/connexion/", form, {"Referer": "/"})
        if status != 302 or "connexion" in headers.get("location", ""):
            raise RuntimeError(f"{self.email}: login answered {status} {headers.get('location')}")

    async def discover(self) -> None:
        """The user's own pages, found by following links as a person would."""
        if self.role in ESMS:
            _, _, html = await self.client.request("GET", "/orientation/esms/liste-attente/")
            self.requests = sorted(set(re.findall(r'href="(/orientation/esms/demandes/\d+/)"', html)))
        if self.role in CARE:
            _, _, html = await self.client.request("GET", "/parcours/")
            self.records = sorted(set(re.findall(r'href="(/parcours/dossiers/\d+/)"', html)))
            # Someone acting for two organisations (the DAC coordinator) switches to the other one if it has records.
            switcher = html.split('name="organisation"', 1)[-1].split("</select>", 1)[0]
            switcher = switcher if "organisation-switcher" in html else ""
            others = re.findall(r'<option value="(\d+)">', switcher)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
            if not self.records and others and token:
                form = {"csrfmiddlewaretoken": token.group(1), "organisation": others[0]}
                await self.client.request("POST", "/compte/organisation/choisir/", form, {"Referer": "/"})
                _, _, html = await self.client.request("GET", "/parcours/")
                self.records = sorted(set(re.findall(r'href="(/parcours/dossiers/\d+/)"', html)))

    def mix(self) -> list[str]:
        pages = ["public_search", "site", "fhir_search"]
        if self.requests:
            pages += ["waiting_list", "request", "request"]
        if self.role in CARE:
            pages += ["my_tasks"] + ["record"] * bool(self.records) * 2
        return pages

    def url(self, page: str) -> str:
        pick = self.random.choice
        if page == "public_search":
            query = {"lieu": pick(self.postcodes), "radius_km": pick(["10", "20", "50"])}
            query.update(pick([{}, {"domain": "pa", "age": "82"}, {"domain": "ph", "age": "30"}, {"free_only": "1"}]))
            return "/offre/?" + urllib.parse.urlencode(query)
        if page == "site":
            return f"/offre/etablissement/{pick(self.sites)}/"
        if page == "waiting_list":
            return "/orientation/esms/liste-attente/"
        if page == "request":
            return pick(self.requests)
        if page == "record":
            return pick(self.records)
        if page == "my_tasks":
            return "/parcours/mes-taches/"
        if self.requests or self.role in CARE:  # FHIR: the tasks this user may see, else the directory
            return "/fhir/Task?_count=20"
        return "/fhir/Organization?name=" + pick(["centre", "ehpad", "foyer", "sessad", "ime"])

    async def fetch(self, page: str, results: dict) -> None:
        started = time.perf_counter()
        try:
            status, headers, _ = await self.client.request("GET", self.url(page))
            ok = status == 200
            error = None if ok else f"{status} {headers.get('location', '')}".strip()
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            ok, error = False, type(exc).__name__
        elapsed = (time.perf_counter() - started) * 1000
        entry = results.setdefault(page, {"ms": [], "errors": 0, "error_kinds": {}})
        entry["ms"].append(elapsed)
        if not ok:
            entry["errors"] += 1
            entry["error_kinds"][error] = entry["error_kinds"].get(error, 0) + 1

    async def run(self, deadline: float, think: float, results: dict, only: str | None = None) -> None:
        mix = [only] if only else self.mix()
        await asyncio.sleep(self.random.uniform(0, think))  # spread the first requests
        while time.monotonic() < deadline:
            await self.fetch(self.random.choice(mix), results)
            if think:
                await asyncio.sleep(think)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(results: dict, seconds: float) -> dict:
    pages, total, errors = {}, 0, 0
    for page in PAGES:
        if page not in results:
            continue
        entry = results[page]
        ms = entry["ms"]
        pages[page] = {
            "requests": len(ms),
            "per_s": round(len(ms) / seconds, 1),
            "p50_ms": round(percentile(ms, 0.50), 1),
            "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
            "mean_ms": round(statistics.fmean(ms), 1),
            "errors": entry["errors"],
            **({"error_kinds": entry["error_kinds"]} if entry["errors"] else {}),
        }
        total += len(ms)
        errors += entry["errors"]
    return {"seconds": round(seconds, 1), "requests": total, "per_s": round(total / seconds, 1), "errors": errors,
            "pages": pages}  # fmt: skip


# --- Server ----------------------------------------------------------------------------------------------------------


def server_processes(root: int) -> list[int]:
    """gunicorn's master and workers and the huey worker: descendants of our `make serve` (honcho starts each
    process in a session of its own, so the tree is walked through parent ids)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    found = []
    for pid in tree:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        shell = cmdline.startswith((b"/bin/sh ", b"sh "))  # honcho's `sh -c` wrappers are not the server
        if (b"gunicorn" in cmdline or b"run_huey" in cmdline) and not shell:
            found.append(pid)
    return found


def memory(session: int) -> dict:
    rss = pss = 0
    pids = server_processes(session)
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return {"processes": len(pids), "rss_mib": round(rss / 1024, 1), "pss_mib": round(pss / 1024, 1)}


async def wait_until_up(client: Client, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("make serve stopped")
        try:
            if (await client.request("GET", "/healthz"))[0] == 200:
                return
        except OSError:
            client.close()
        await asyncio.sleep(0.5)
    raise RuntimeError("the server did not answer /healthz")


async def gather_limited(coroutines, limit: int) -> None:
    semaphore = asyncio.Semaphore(limit)

    async def one(coroutine):
        async with semaphore:
            await coroutine

    await asyncio.gather(*(one(c) for c in coroutines))


async def drive(args, server: subprocess.Popen) -> dict:
    sites, postcodes = public_targets()
    await wait_until_up(Client("127.0.0.1", args.port, "127.0.0.1"), server)
    users = [User(i, args.port, sites, postcodes) for i in range(args.users)]
    started = time.monotonic()
    await gather_limited([u.login() for u in users], 4)  # password hashing is slow on purpose: a few at a time
    await gather_limited([u.discover() for u in users], 4)
    report: dict = {"login_s": round(time.monotonic() - started, 1)}
    log(f"{len(users)} users logged in ({report['login_s']} s); roles: {sorted({u.role for u in users})}")
    warm: dict = {}
    await asyncio.gather(*(u.run(time.monotonic() + 10, args.think, warm) for u in users))  # not counted
    # Each page alone (one request at a time, after the warm-up): the floor under the figures of the runs below.
    alone: dict = {}
    for page in PAGES:
        user = next((u for u in users if page in u.mix()), None)
        for _ in range(ALONE_REQUESTS if user else 0):
            await user.fetch(page, alone)
    report["alone"] = {
        page: {k: r[k] for k in ("p50_ms", "p95_ms", "errors")} for page, r in summary(alone, 1)["pages"].items()
    }
    log(f"alone: {json.dumps(report['alone'])}")
    if args.soak:
        before = memory(server.pid)
        results: dict = {}
        started = time.monotonic()
        await asyncio.gather(*(u.run(started + args.soak, args.think, results) for u in users))
        after = memory(server.pid)
        growth = (after["pss_mib"] - before["pss_mib"]) / before["pss_mib"] if before["pss_mib"] else None
        report["soak"] = {**summary(results, time.monotonic() - started), "memory_start": before,
                          "memory_end": after, "memory_growth": round(growth, 3) if growth is not None else None,
                          "memory_target": TARGET_MEMORY_GROWTH}  # fmt: skip
        return report
    log(f"paced run: {args.users} users, {args.think} s between requests, {args.duration} s…")
    report["memory_start"] = memory(server.pid)
    results = {}
    started = time.monotonic()
    await asyncio.gather(*(u.run(started + args.duration, args.think, results) for u in users))
    paced = summary(results, time.monotonic() - started)
    report["paced"] = paced
    report["memory_end"] = memory(server.pid)
    log(json.dumps(paced))
    if not args.skip_saturation:
        report["saturation"] = {}
        for page in PAGES:
            able = [u for u in users if page in u.mix()]
            if not able:
                continue
            results = {}
            started = time.monotonic()
            await asyncio.gather(*(u.run(started + args.saturation, 0, results, only=page) for u in able))
            result = summary(results, time.monotonic() - started)["pages"][page]
            report["saturation"][page] = {"connections": len(able), **result}
            log(f"saturation {page}: {json.dumps(report['saturation'][page])}")
    for user in users:
        user.client.close()
    report["target_p95_ms"] = TARGET_P95_MS
    report["pages_over_target"] = sorted(p for p, r in paced["pages"].items() if r["p95_ms"] > TARGET_P95_MS)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=120, help="seconds of the paced run")
    parser.add_argument("--think", type=float, default=1.0, help="seconds each user waits after an answer")
    parser.add_argument("--saturation", type=float, default=12, help="seconds of the saturation run, per page")
    parser.add_argument("--skip-saturation", action="store_true")
    parser.add_argument("--soak", type=float, default=0, help="one paced run of SECONDS, with the memory growth")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8790")))
    parser.add_argument("--rebuild", action="store_true", help="build the benchmark database again")
    args = parser.parse_args()
    env = bench_env(args.port)
    build(env, args.rebuild)
    load_before = os.getloadavg()
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=open(BENCH / "server.log", "w"),  # noqa: SIM115
    )  # fmt: skip
    try:
        report = asyncio.run(drive(args, server))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    workers = os.environ.get("WEB_CONCURRENCY", "config/gunicorn.py default")
    threads = os.environ.get("RELAIS_WEB_THREADS", "config/gunicorn.py default")
    report.update(
        users=args.users, think_s=args.think, server={"workers": workers, "threads": threads, "database": "sqlite"},
        load_average_before=[round(x, 2) for x in load_before],
        load_average_after=[round(x, 2) for x in os.getloadavg()],
        machine=machine(),
    )  # fmt: skip
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
