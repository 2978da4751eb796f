"""Benchmark of the coordinator's dashboard « Mes personnes » (decision 0044) with many records (not a timed test).

    python benchmarks/coordinator_dashboard.py [--records 2000] [--rounds 5]

On PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/relais_coord_bench; created and migrated if
missing, its synthetic DAC rebuilt at each run). One coordinator in the circle of ``--records`` synthetic persons
(bulk inserted): each record has a social event, a hospital stay for one in five, two plan actions (one overdue for one
in three) and a message shared to the record for one in four. Then, ``--rounds`` times, the dashboard's first page,
its "actions en retard" filter, a name search and the team inbox, each timed (median kept) and its queries counted.
Progress goes to stderr; the last line is one JSON object
``{"records", "runs": {name: {"median_ms", "queries"}}, "target_ms": 1000, "machine"}``. Target: every median under
1 s and the same number of queries whatever ``--records``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/relais_coord_bench"
TARGET_MS = 1000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")
    sys.path.insert(0, str(ROOT))
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    log("migrate…")
    call_command("migrate", "--noinput", verbosity=0)


def build(records: int):
    from django.utils import timezone

    from relais.accounts.actor import Actor
    from relais.accounts.models import Organisation
    from relais.accounts.roles import OrganisationKind, Role
    from relais.accounts.services import membership_add, organisation_create, user_create
    from relais.messaging.models import Message, Thread
    from relais.pathway.circle.models import CircleMember, CircleRole, CoordinationRecord, Ground, MemberKind
    from relais.pathway.record.models import CarePlan, PlanTask, TimelineEvent
    from relais.persons.models import Person
    from relais.persons.names import search_key

    name = "DAC du banc d'essai"
    old = Organisation.objects.filter(name=name).first()
    if old is not None:
        log("removing the previous run's records…")
        records_qs = CoordinationRecord.objects.filter(opened_by_organisation=old)
        persons = list(records_qs.values_list("person_id", flat=True))
        PlanTask.objects.filter(plan__record__in=records_qs).delete()
        records_qs.delete()
        Person.objects.filter(pk__in=persons).delete()
    dac = old or organisation_create(kind=OrganisationKind.DAC, name=name)
    email = "coordinatrice@banc-essai.test"
    from relais.accounts.models import User

    user = User.objects.filter(email=email).first() or user_create(
        email=email,
        first_name="Lou",
        last_name="Banc",
        password="banc-essai-42",
        professional_category="coordination_staff",
    )
    if not dac.memberships.filter(user=user).exists():
        membership_add(actor=None, organisation=dac, user=user, role=Role.COORDINATOR)
    log(f"building {records} records…")
    now, today = timezone.now(), timezone.localdate()
    persons = Person.objects.bulk_create(
        Person(
            family_name=f"Banc{i:05d}",
            first_names="Jeanne",
            birth_date=date(1930, 1, 1) + timedelta(days=i * 7),
            sex="F",
            postal_code="35400",
            city="Saint-Malo",
            search_key=search_key(f"Banc{i:05d}", "", "Jeanne", ""),
        )
        for i in range(records)
    )
    recs = CoordinationRecord.objects.bulk_create(
        CoordinationRecord(person=p, opened_by_organisation=dac, opened_by="banc") for p in persons
    )
    members = CircleMember.objects.bulk_create(
        CircleMember(
            record=r,
            kind=MemberKind.PROFESSIONAL,
            user=user,
            organisation=dac,
            circle_role=CircleRole.REFERENT,
            ground=Ground.CARE_TEAM,
            person_informed_at=now,
            start=today - timedelta(days=10),
            added_by="banc",
        )
        for r in recs
    )
    plans = CarePlan.objects.bulk_create(CarePlan(record=r) for r in recs)
    PlanTask.objects.bulk_create(
        PlanTask(
            plan=plan,
            title=title,
            assignee_member=member,
            created_by="banc",
            due_date=today + timedelta(days=(-2 if i % 3 == 0 and late else 15)),
        )
        for i, (plan, member) in enumerate(zip(plans, members, strict=True))
        for title, late in (("Appeler", True), ("Bilan", False))
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            record=r,
            kind=kind,
            category="social",
            occurred_at=now - timedelta(days=i % 40),
            title="Événement",
            author="banc",
        )
        for i, r in enumerate(recs)
        for kind in (["home_visit", "hospital_stay"] if i % 5 == 0 else ["home_visit"])
    )
    threads = Thread.objects.bulk_create(
        Thread(record=r, kind="sharing", subject="Partage", created_by="autre", last_message_at=now)
        for i, r in enumerate(recs)
        if i % 4 == 0
    )
    Message.objects.bulk_create(Message(thread=t, body="Bonjour", author="autre") for t in threads)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give a live database
        cursor.execute("ANALYZE")
    return Actor(organisation=dac, role=Role.COORDINATOR, user=user)


def run(actor, rounds: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relais.pathway.record.dashboard import Filters, dashboard
    from relais.pathway.record.team_inbox import team_inbox

    who = {"user": actor.user, "organisation": actor.organisation}
    cases = {
        "first_page": lambda: dashboard(**who, filters=Filters()),
        "overdue_filter": lambda: dashboard(**who, filters=Filters(situation="retard")),
        "name_search": lambda: dashboard(**who, filters=Filters(query="banc00042")),
        "team_inbox": lambda: team_inbox(**who),
    }
    results = {}
    for name, call in cases.items():
        times, queries = [], 0
        for _ in range(rounds):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                call()
                times.append((time.perf_counter() - start) * 1000)
            queries = len(captured)
        results[name] = {"median_ms": round(statistics.median(times), 1), "queries": queries}
        log(f"{name}: {results[name]}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup(os.environ.get("DATABASE_URL", DEFAULT_URL))
    actor = build(args.records)
    runs = run(actor, args.rounds)
    print(json.dumps({"records": args.records, "runs": runs, "target_ms": TARGET_MS, "machine": machine()}))


if __name__ == "__main__":
    main()
