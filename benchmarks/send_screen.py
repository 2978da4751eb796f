"""Benchmark of the sending screen (issue 13 item 2) on the département demo (not a timed test).

    DATABASE_URL=postgres://…/relais_x python benchmarks/send_screen.py [--persons 20]

Uses the database DATABASE_URL names, which must hold `demo_territory --scale departement` (without DATABASE_URL: a
SQLite database under var/bench/, built once). For `--persons` persons the MDPH officer of the demo follows (a valid
CDAPH decision, an address), times each step as the server answers it (Django's test client, 2FA off): the page,
three "Ajouter" clicks (htmx fragments), a move up, the widened list (every category and care mode, 100 km, 120
ESMS) and the send of three requests (rolled back). Target: no step above 1 s. The last line printed is one JSON
object: per step, p50_ms, max_ms and the queries of the slowest answer.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 1000


def setup() -> dict:
    if not os.environ.get("DATABASE_URL"):
        path = ROOT / "var" / "bench" / "send-screen-departement.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["RELAIS_REQUIRE_2FA"] = "false"
    os.environ.setdefault("DEBUG", "true")  # static files unhashed (no collectstatic needed)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from relais.persons.models import Person

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        call_command("demo_territory", scale="departement", seed=1, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return {"database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]}


def run(persons: int) -> dict:
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from relais.accounts.actor import Actor
    from relais.accounts.models import Membership
    from relais.orientation import policy
    from relais.orientation.requests import nearby

    membership = Membership.objects.select_related("organisation", "user").get(
        user__email="orientation.mdph@demo.relais.test"
    )
    actor = Actor(organisation=membership.organisation, role=membership.role, user=membership.user)
    followed = (
        policy.persons_visible_to(actor)
        .filter(orientation_decisions__status="valid", orientation_decisions__kind="mdph")
        .exclude(postal_code="")
        .annotate(n=Count("admission_requests"))
        .filter(n=0)
        .order_by("pk")
        .distinct()[:persons]
    )
    client = Client()
    client.force_login(membership.user)
    times: dict[str, list[tuple[float, int]]] = {}

    def timed(step: str, method: str, url: str, data=None, **headers):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = getattr(client, method)(url, data or {}, **headers)
            elapsed = (time.perf_counter() - started) * 1000
        times.setdefault(step, []).append((elapsed, len(queries.captured_queries)))
        return response

    htmx = {"HTTP_HX_REQUEST": "true"}
    if followed:  # a warm server: the first request imports and compiles what every later one reuses
        client.get(f"/orientation/personnes/{followed[0].pk}/demandes/")
    sent = 0
    for person in followed:
        url = f"/orientation/personnes/{person.pk}/demandes/"
        timed("page", "get", url)
        home, _problem = nearby.home_of(person)
        decision = person.orientation_decisions.filter(status="valid").order_by("-validity_start", "-pk").first()
        listing, _ = nearby.esms_for_sending(person=person, home=home, filters=nearby.Filters(decision=decision))
        ids = [c.site.pk for c in listing.candidates if not c.open_status][:3]
        for n in range(1, len(ids) + 1):
            timed("add (htmx)", "get", url, {"choix": ids[:n], "vu": f"ajout-{ids[n - 1]}"}, **htmx)
        if len(ids) == 3:
            timed("move up (htmx)", "get", url, {"choix": [ids[0], ids[2], ids[1]]}, **htmx)
        wide = {"categorie": "toutes", "mode": "toutes", "hors_decision": "1", "rayon": "100", "nombre": "120"}
        timed("widened, 120 ESMS (htmx)", "get", url, wide, **htmx)
        if ids:
            data = {"key": f"bench-{person.pk}", "decision": decision.pk, "choix": ids}
            data.update({f"rang_{pk}": str(rank) for rank, pk in enumerate(ids, start=1)})
            with transaction.atomic():
                response = timed("send", "post", url, data)
                sent += response.status_code == 302
                transaction.set_rollback(True)
    steps = {
        step: {
            "p50_ms": round(statistics.median(t for t, _ in values), 1),
            "max_ms": round(max(t for t, _ in values), 1),
            "queries_of_slowest": max(values)[1],
            "n": len(values),
        }
        for step, values in times.items()
    }
    return {"persons": len(followed), "sent": sent, "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20)
    args = parser.parse_args()
    built = setup()
    result = run(args.persons)
    worst = max(step["max_ms"] for step in result["steps"].values())
    print(json.dumps({**result, **built, "worst_ms": worst, "target_ms": TARGET_MS, "ok": worst <= TARGET_MS,
                      "machine": machine()}, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
