"""Benchmark of appending to the access log under concurrent writers, against plain inserts (not a timed test).

    python benchmarks/audit_append.py [--writers 1,10,50] [--seconds 5] [--rounds 3] [--no-sequencer]

On PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/relais_bench; created and migrated if
missing; its access log is emptied first). For each writer count N: N processes, each with its own connection,
append for ``--seconds`` seconds, one transaction per entry, ``--rounds`` times each in alternating order (the median
is kept, the machine may be busy with other work): plain inserts of the same fields through the same
ORM into ``bench_accesslog_plain`` (``CREATE TABLE … (LIKE audit_accesslogentry INCLUDING ALL)``: same columns,
indexes and constraints, no triggers), and ``access_log_record`` into the access log, while the sequencer runs in
another process once a second as the worker would (``--no-sequencer`` leaves it out). Progress goes to stderr; the
last line printed is one JSON object ``{"runs": [{"writers", "plain_per_s", "audit_per_s", "ratio"}, ...],
"sequencer": {...}, "target_ratio": 0.8, "machine": {...}}``. Targets: ratio ≥ 0.8 at every N, and audit_per_s growing
with N.
"""

import argparse
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/relais_bench"
TARGET_RATIO = 0.8
PLAIN = "bench_accesslog_plain"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["RELAIS_AUDIT_SEQUENCE_ON_COMMIT"] = "false"  # the sequencer runs in its own process here
    files = tempfile.mkdtemp(prefix="audit-bench-")  # never the heads of another database
    os.environ["RELAIS_AUDIT_KEY_FILE"] = f"{files}/signing.key"
    os.environ["RELAIS_AUDIT_HEADS_FILE"] = f"{files}/heads.jsonl"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


class Actor:
    """The shape access_log_record reads from a real Actor (synthetic figures)."""

    def __init__(self, n: int):
        self.user = type("U", (), {"pk": 1000 + n})()
        self.api_client = None
        self.organisation = type("O", (), {"pk": 7, "__str__": lambda self: "EHPAD Les Tilleuls (synthétique)"})()
        self.label = f"Camille Bench{n} <bench{n}@exemple.test>"


def plain_model():
    from django.db import models

    from relais.audit.models import AccessLogEntry

    attrs = {
        "__module__": __name__,
        "Meta": type("Meta", (), {"app_label": "audit", "db_table": PLAIN, "managed": False}),
    }
    for field in AccessLogEntry._meta.concrete_fields:
        if field.name != "id":
            name, _path, args, kwargs = field.deconstruct()
            kwargs.pop("unique", None)  # the table's own indexes come from LIKE … INCLUDING ALL
            attrs[name] = type(field)(*args, **kwargs)
    return type("PlainEntry", (models.Model,), attrs)


def writer(kind: str, n: int, seconds: float, barrier, counts) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from relais.audit.services import access_log_record

    actor = Actor(n)
    Plain = plain_model() if kind == "plain" else None
    connection.ensure_connection()
    barrier.wait()
    deadline, done = time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline:
        with transaction.atomic():
            if Plain is None:
                access_log_record(
                    actor=actor,
                    action="read",
                    object_type="persons.person",
                    object_id=str(done),
                    subject=f"persons.person:{done}",
                    ground="care_circle",
                    detail="benchmark",
                )
            else:
                Plain(
                    at=timezone.now(),
                    user_id=actor.user.pk,
                    api_client_id=None,
                    actor_label=actor.label,
                    organisation_id=actor.organisation.pk,
                    organisation_label=str(actor.organisation),
                    action="read",
                    object_type="persons.person",
                    object_id=str(done),
                    subject=f"persons.person:{done}",
                    ground="care_circle",
                    detail="benchmark",
                ).save(force_insert=True)
        done += 1
    counts[n] = done
    connection.close()


def sequencer(stop, result) -> None:
    from django.db import connection

    from relais.audit.services import access_log_sequence

    sequenced, busy_s = 0, 0.0
    while not stop.is_set():
        started = time.perf_counter()
        sequenced += access_log_sequence(batch_size=2000)["sequenced"]
        busy_s += time.perf_counter() - started
        stop.wait(1.0)
    result["sequenced"], result["busy_s"] = sequenced, busy_s
    connection.close()


def run(kind: str, writers: int, seconds: float) -> float:
    from django.db import connections

    connections.close_all()  # no shared socket across fork
    barrier = multiprocessing.Barrier(writers)
    counts = multiprocessing.Manager().dict()
    procs = [multiprocessing.Process(target=writer, args=(kind, n, seconds, barrier, counts)) for n in range(writers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    total = sum(counts.values())
    log(f"  {kind:5} × {writers:2}: {total} entries in {seconds:.0f} s = {total / seconds:,.0f}/s")
    return total / seconds


def run_audit(writers: int, seconds: float, *, sequencer_on: bool) -> float:
    """access_log_record by `writers` processes, the sequencer chaining once a second beside them (as the worker)."""
    stop = multiprocessing.Event()
    result = multiprocessing.Manager().dict()
    seq_proc = multiprocessing.Process(target=sequencer, args=(stop, result)) if sequencer_on else None
    if seq_proc:
        seq_proc.start()
    rate = run("audit", writers, seconds)
    stop.set()
    if seq_proc:
        seq_proc.join()
        log(f"          sequencer beside them: {result['sequenced']} chained, busy {result['busy_s']:.1f} s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", default="1,10,50")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each kind per writer count (median kept)")
    parser.add_argument("--no-sequencer", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("Ce benchmark demande PostgreSQL (DATABASE_URL=postgres://…).")
    ensure_database(url)
    setup(url)
    from django.core.management import call_command
    from django.db import connection, transaction

    from relais.audit.models import AccessLogEntry
    from relais.audit.selectors import access_log_verify

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN}")
        cursor.execute(f"CREATE TABLE {PLAIN} (LIKE audit_accesslogentry INCLUDING ALL)")
    # Start from an empty log: row triggers refuse DELETE and a statement trigger TRUNCATE (migration 0004); Django's
    # flush path switches the latter off inside its own transaction, as the table's owner may.
    from relais.audit.truncate_guard import DISABLE, ENABLE

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(DISABLE)
        cursor.execute("TRUNCATE audit_accesslogentry")
        cursor.execute(ENABLE)
    runs, load_before = [], os.getloadavg()[0]
    for writers in [int(n) for n in args.writers.split(",")]:
        log(f"{writers} writer(s):")
        plain, audit = [], []
        for round_ in range(args.rounds):  # alternate the order: a noisy machine favours neither side
            for kind in ("plain", "audit") if round_ % 2 == 0 else ("audit", "plain"):
                if kind == "plain":
                    plain.append(run("plain", writers, args.seconds))
                else:
                    audit.append(run_audit(writers, args.seconds, sequencer_on=not args.no_sequencer))
        plain_rate, audit_rate = statistics.median(plain), statistics.median(audit)
        runs.append(
            {
                "writers": writers,
                "plain_per_s": round(plain_rate),
                "audit_per_s": round(audit_rate),
                "ratio": round(audit_rate / plain_rate, 3),
            }
        )
    started = time.perf_counter()
    from relais.audit.services import access_log_sequence

    tail = access_log_sequence(batch_size=5000)["sequenced"]
    tail_s = time.perf_counter() - started
    started = time.perf_counter()
    problem = access_log_verify()
    verify_s = time.perf_counter() - started
    entries = AccessLogEntry.objects.count()
    log(
        f"chained the remaining {tail} in {tail_s:.1f} s; "
        f"verified {entries} entries in {verify_s:.1f} s: {problem or 'intact'}"
    )
    rates = [r["audit_per_s"] for r in runs]
    print(
        json.dumps(
            {
                "runs": runs,
                "sequencer": {
                    "concurrent": not args.no_sequencer,
                    "left_after_runs": tail,
                    "chain_rest_s": round(tail_s, 2),
                    "entries": entries,
                    "verify_s": round(verify_s, 2),
                    "intact": problem is None,
                },
                "target_ratio": TARGET_RATIO,
                "ratio_met": all(r["ratio"] >= TARGET_RATIO for r in runs),
                "grows_with_writers": all(b > a for a, b in itertools.pairwise(rates)),
                "seconds_per_run": args.seconds,
                "rounds": args.rounds,
                "load_average_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],  # other work on the machine
                "machine": machine(),
            }
        )
    )


if __name__ == "__main__":
    main()
