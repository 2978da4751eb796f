"""Benchmark of the type-ahead picker of persons at a million persons (decision 0047; not a timed test).

    python benchmarks/person_picker.py [--persons 1000000] [--scoped 0.2] [--professionals 100000] [--repeat 7]

On PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/relais_picker_bench; created and migrated
if missing). When the database holds fewer persons than ``--persons``, its persons are replaced: synthetic names
from ``identity_duplicates.pools`` (syllables plus common French names with accents, particles, apostrophes),
birth dates 1920–2010, written with COPY (the trigram index is dropped first and rebuilt after, its build time is
reported); an MDPH then gets an orientation decision for a share (``--scoped``) of them, so that its scope
(``orientation.policy.persons_visible_to``) holds about 200,000 persons. Then ``persons.picker.person_pick`` runs for
typical queries (a common name's start, a rare name, two words, a first name, a name and a birth date, two letters),
over every live person (identity vigilance's scope) and over the MDPH's scope: the median of ``--repeat`` runs
after one warm-up, the number of SQL queries, the rows found, and the indexes PostgreSQL's plan uses (EXPLAIN).
The care circle's professional picker (``pathway.circle.selectors.circle_candidates``, decision 0031) is measured the
same way over ``--professionals`` users, each a care professional of one of 300 organisations (hospitals, practices,
ESMS), for a record of the MDPH's first person. Progress on stderr; the last line is one JSON object: persons,
scoped, professionals, queries [{query, scope, median_ms, max_ms, sql_queries, rows, more, indexes}],
professional_queries [{query, median_ms, max_ms, sql_queries, rows, indexes}], machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from identity_duplicates import pools, synthetic_name
from machine import machine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/relais_picker_bench"
TRGM = "persons_person_search_key_trgm"
COLUMNS = (
    "family_name, used_name, first_names, used_first_name, birth_date, birth_place_code, birth_place_label, sex, "
    "identity_status, ins_from_national_service, address, postal_code, city, phone, email, search_key, created_at, "
    "updated_at"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    files = tempfile.mkdtemp(prefix="picker-bench-")
    os.environ["RELAIS_AUDIT_KEY_FILE"] = f"{files}/signing.key"
    os.environ["RELAIS_AUDIT_HEADS_FILE"] = f"{files}/heads.jsonl"
    os.environ.setdefault("DEBUG", "true")  # a local benchmark, like `make run`
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


def rows(count: int, seed: int):
    """Tab-separated lines for COPY: synthetic persons, a used name for a tenth of them."""
    from relais.persons.names import search_key

    rng = random.Random(seed)
    families, firsts = pools(rng)
    start, span = date(1920, 1, 1), (date(2010, 12, 31) - date(1920, 1, 1)).days
    for _ in range(count):
        family = rng.choice(families)
        first = " ".join(rng.choice(firsts) for _ in range(rng.choice((1, 1, 2))))
        used = synthetic_name(rng) if rng.random() < 0.1 else ""
        born = start + timedelta(days=rng.randrange(span))
        key = search_key(family, used, first, "")
        yield (
            f"{family}\t{used}\t{first}\t\t{born.isoformat()}\t\t\t{rng.choice('FM')}\tPROV\tf\t\t\t\t\t\t"
            f"{key}\tnow\tnow\n"
        )


def build(persons: int, scoped: float, seed: int) -> dict:
    from django.db import connection

    from relais.accounts.roles import OrganisationKind
    from relais.accounts.services import organisation_create

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM persons_person")
        present = cursor.fetchone()[0]
    figures = {"persons_present": present}
    if present < persons:
        log(f"writing {persons} persons")
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE persons_person CASCADE")
            cursor.execute(f"DROP INDEX IF EXISTS {TRGM}")
        started = time.perf_counter()
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(f"COPY persons_person ({COLUMNS}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for number, line in enumerate(rows(persons, seed), start=1):
                buffer.write(line)
                if number % 50_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
                    log(f"  {number}")
            copy.write(buffer.getvalue())
        raw.commit()
        figures["copy_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {TRGM} ON persons_person USING gin (search_key gin_trgm_ops)")
        figures["trigram_index_build_s"] = round(time.perf_counter() - started, 1)
    from relais.accounts.models import Organisation

    mdph = Organisation.objects.filter(kind=OrganisationKind.MDPH, name="MDPH du banc d'essai").first()
    if mdph is None:
        mdph = organisation_create(kind=OrganisationKind.MDPH, name="MDPH du banc d'essai")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orientation_orientationdecision WHERE organisation_id = %s", [mdph.pk])
        if cursor.fetchone()[0] == 0:
            log(f"orientation decisions for {scoped:.0%} of the persons")
            modulo = max(1, round(1 / scoped))
            cursor.execute(
                "INSERT INTO orientation_orientationdecision (person_id, kind, mdph_decision_id, categories, "
                "care_types, rights, organisation_id, status, validity_start, validity_end, created_at, updated_at) "
                "SELECT id, 'mdph', 'BENCH-' || id, '[]', '[]', '[]', %s, 'valid', current_date, current_date + 1825, "
                "now(), now() FROM persons_person "
                "WHERE id %% %s = 0",
                [mdph.pk, modulo],
            )
        cursor.execute("ANALYZE persons_person; ANALYZE orientation_orientationdecision")
        cursor.execute("SELECT count(*) FROM persons_person")
        figures["persons"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM orientation_orientationdecision WHERE organisation_id = %s", [mdph.pk])
        figures["scoped"] = cursor.fetchone()[0]
    figures["mdph"] = mdph
    return figures


def queries_to_try() -> list[str]:
    """Queries a user types, from the data itself (a common name, a rare one, a first name, a date)."""
    from relais.persons.models import Person

    rare = Person.objects.filter(family_name__startswith="Qu").order_by("pk").values("family_name").first()
    someone = Person.objects.order_by("pk").values("family_name", "first_names", "birth_date")[500]
    return [
        "mar",
        "martin",
        (rare or {"family_name": "Quéré"})["family_name"][:6].lower(),
        "martin jean",
        "loïc",
        f"{someone['family_name'][:4]} {someone['birth_date']:%d/%m/%Y}",
        f"{someone['first_names'].split()[0]} {someone['family_name']}",
        "le",
    ]


def indexes_used(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    found = re.findall(r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) (\w+)", plan)
    return sorted(set(found)) + (["seq scan"] if "Seq Scan" in plan else [])


def measure(query: str, scope_name: str, queryset, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relais.persons.picker import person_pick

    person_pick(queryset=queryset, query=query)  # warm-up
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            found, more = person_pick(queryset=queryset, query=query)
            times.append((time.perf_counter() - started) * 1000)
    row = {
        "query": query,
        "scope": scope_name,
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "sql_queries": len(captured.captured_queries),
        "rows": len(found),
        "more": more,
        "indexes": [indexes_used(q["sql"]) for q in captured.captured_queries],
    }
    log(f"  {scope_name:>5} {query!r:28} {row['median_ms']:7.1f} ms {row['sql_queries']} q {row['rows']:3} rows")
    return row


CATEGORIES = ["nurse", "physician", "care_assistant", "social_worker", "physiotherapist", "educator", "psychologist"]
KINDS = ["hospital", "health_practice", "esms"]


def build_professionals(count: int, seed: int) -> int:
    """``count`` users (synthetic names), each a care professional of one of 300 organisations; kept when present."""
    from django.db import connection

    from relais.accounts.models import Organisation
    from relais.accounts.services import organisation_create

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_user WHERE email LIKE '%%@banc.test'")
        if cursor.fetchone()[0] >= count:
            return count
    log(f"writing {count} professionals")
    organisations = list(Organisation.objects.filter(name__startswith="Banc ").values_list("pk", flat=True))
    for n in range(len(organisations), 300):
        organisations.append(organisation_create(kind=KINDS[n % 3], name=f"Banc {n:03}").pk)
    rng = random.Random(seed)
    families, firsts = pools(rng)
    buffer = io.StringIO()
    for n in range(count):
        category = CATEGORIES[n % len(CATEGORIES)]
        buffer.write(
            f"!\tf\t{rng.choice(firsts)}\t{rng.choice(families)}\tf\tt\tnow\tpro{n}@banc.test\t{category}\t\t\n"
        )
    raw = connection.connection
    columns = (
        "password, is_superuser, first_name, last_name, is_staff, is_active, date_joined, email, "
        "professional_category, rpps, phone"
    )
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY accounts_user ({columns}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cursor.execute(
            "INSERT INTO accounts_membership (user_id, organisation_id, role, is_active, created_at) "
            "SELECT id, (%s::bigint[])[1 + id %% 300], 'care_professional', true, now() FROM accounts_user "
            "WHERE email LIKE %s",
            [organisations, "%@banc.test"],
        )
        cursor.execute("ANALYZE accounts_user; ANALYZE accounts_membership")
    raw.commit()
    return count


def measure_professionals(record, query: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relais.pathway.circle.selectors import circle_candidates

    circle_candidates(record=record, ground="care_team", query=query)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            found = circle_candidates(record=record, ground="care_team", query=query)
            times.append((time.perf_counter() - started) * 1000)
    row = {
        "query": query,
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "sql_queries": len(captured.captured_queries),
        "rows": len(found),
        "indexes": [indexes_used(q["sql"]) for q in captured.captured_queries if q["sql"].startswith("SELECT")],
    }
    log(f"  pro {query!r:28} {row['median_ms']:7.1f} ms {row['sql_queries']} q {row['rows']:3} rows")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--scoped", type=float, default=0.2)
    parser.add_argument("--professionals", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("PostgreSQL only (DATABASE_URL=postgres://…): the trigram index is what is measured.")
    ensure_database(url)
    setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from relais.accounts.actor import Actor
    from relais.accounts.roles import Role
    from relais.orientation.policy import persons_visible_to
    from relais.persons.models import Person

    figures = build(args.persons, args.scoped, args.seed)
    mdph = figures.pop("mdph")
    actor = Actor(organisation=mdph, role=Role.ORIENTATION_OFFICER)
    scopes = {
        "all": Person.objects.filter(merged_into__isnull=True),
        "mdph": persons_visible_to(actor).filter(merged_into__isnull=True),
    }
    results = [
        measure(query, name, queryset, args.repeat) for query in queries_to_try() for name, queryset in scopes.items()
    ]
    from relais.pathway.circle.models import CoordinationRecord

    figures["professionals"] = build_professionals(args.professionals, args.seed)
    person = persons_visible_to(actor).order_by("pk").first()
    record = CoordinationRecord.objects.filter(person=person).first() or CoordinationRecord.objects.create(
        person=person, opened_by_organisation=mdph, opened_by="banc d'essai"
    )
    professional = [measure_professionals(record, q, args.repeat) for q in ("ma", "tang", "le go", "marie quer")]
    print(
        json.dumps(
            {**figures, "queries": results, "professional_queries": professional, "machine": machine()},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
