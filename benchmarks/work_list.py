"""Benchmark of the MDPH work list at département scale on PostgreSQL (not a timed test).

    DATABASE_URL=postgres://…/relais_bench_worklist python benchmarks/work_list.py [--persons 200000] [--rebuild]

Builds once, then reuses, synthetic persons followed by one MDPH (``--persons``, plus a tenth as many of another
MDPH's, out of scope): a decision each (dates over five years, ends over the next three), an admission file for
half (urgency 0–3), requests for a third (statuses spread over the SI-SDO workflow, a transition each). Then times
``follow_up.work_list.work_page`` (count + one page of 50 with its figures) for the page without filter, each filter,
several searches (one name, two words, a birth date, a postcode) and page 100, and prints the PostgreSQL plan of the
slowest query. Progress on stderr; the last line is one JSON object: persons, per case the median ms of 3 runs,
slowest case and its plan's top lines, machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parent.parent
FAMILY = "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia "
FAMILY += "David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François"
FIRST = "Jean Marie Anne Pierre Louise Paul Jeanne Michel Nathalie Isabelle Yann Gwen Sophie Claire Luc Hugo Emma"


def setup(persons: int, rebuild: bool) -> None:
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("This benchmark measures PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    from relais.persons.models import Person

    if rebuild or Person.objects.count() < persons:
        build(persons)


def build(n: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from relais.accounts.roles import OrganisationKind
    from relais.accounts.services import organisation_create
    from relais.offer.models import LegalEntity, Site
    from relais.orientation.admission.models import AdmissionFile
    from relais.orientation.decisions.models import DecisionKind, OrientationDecision
    from relais.orientation.requests import statuses as st
    from relais.orientation.requests.models import AdmissionRequest, StatusTransition
    from relais.persons.models import Person
    from relais.persons.names import search_key
    from relais.territory.models import Commune, Departement, PostalCode, Region

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE orientation_statustransition, orientation_unitrequeststatus, orientation_admissionrequest,"
            " orientation_admissionfile, orientation_orientationdecision, persons_person CASCADE"
        )
    rng = random.Random(1)
    region = Region.objects.get_or_create(code="53", defaults={"name": "Bretagne"})[0]
    Departement.objects.get_or_create(code="29", defaults={"name": "Finistère", "region": region})
    communes = []
    for i in range(40):
        commune = Commune.objects.get_or_create(
            insee_code=f"29{i:03d}", defaults={"name": f"Commune {i}", "departement_id": "29", "population": 1000}
        )[0]
        PostalCode.objects.get_or_create(code=f"29{i:03d}", commune=commune)
        communes.append(commune)
    mdph = organisation_create(kind=OrganisationKind.MDPH, name="MDPH du Finistère (banc)", departement_id="29")
    other = organisation_create(kind=OrganisationKind.MDPH, name="Autre MDPH (banc)")
    body = organisation_create(kind=OrganisationKind.MANAGING_BODY, name="Gestionnaire (banc)")
    entity = LegalEntity.objects.get_or_create(finess="290009999", defaults={"name": "Banc", "organisation": body})[0]
    sites = [
        Site.objects.get_or_create(finess=f"2900{i:05d}", defaults={"name": f"ESMS {i}", "legal_entity": entity})[0]
        for i in range(60)
    ]
    families, firsts = FAMILY.split(), FIRST.split()
    today = timezone.localdate()
    statuses = [*st.ESMS_AWAITING_ANSWER, *st.ESMS_ON_WAITING_LIST, st.ADMITTED, st.ENTERED, st.LEFT]
    total = n + n // 10
    for start in range(0, total, 20_000):
        batch = []
        for _ in range(start, min(start + 20_000, total)):
            family = rng.choice(families) + ("" if rng.random() < 0.6 else f"-{rng.choice(families)}")
            first = " ".join(rng.sample(firsts, rng.choice((1, 2))))
            batch.append(
                Person(
                    family_name=family,
                    first_names=first,
                    birth_date=date(1930, 1, 1) + timedelta(days=rng.randrange(30_000)),
                    sex=rng.choice("MF"),
                    postal_code=f"29{rng.randrange(40):03d}",
                    search_key=search_key(family, "", first, ""),
                )
            )
        people = Person.objects.bulk_create(batch)
        decisions, files, requests = [], [], []
        for person in people:
            mine = len(decisions) + start < n
            decided = today - timedelta(days=rng.randrange(300, 1800))
            decisions.append(
                OrientationDecision(
                    person=person,
                    kind=DecisionKind.MDPH,
                    mdph_decision_id=f"B-{person.pk}",
                    decision_date=decided,
                    validity_start=decided,
                    validity_end=today + timedelta(days=rng.randrange(-200, 1100)),
                    organisation=mdph if mine else other,
                    status="valid",
                )
            )
            if rng.random() < 0.5:
                files.append(
                    AdmissionFile(
                        person=person,
                        urgency=rng.choice((0, 0, 0, 1, 2, 3)),
                        urgency_reason="banc",
                        commune=rng.choice(communes),
                    )
                )
            if rng.random() < 0.33:
                requests.append(
                    AdmissionRequest(
                        person=person,
                        site=rng.choice(sites),
                        wish_rank=1,
                        status=rng.choice(statuses),
                        created_by="banc",
                        created_by_organisation=mdph if mine else other,
                    )
                )
        OrientationDecision.objects.bulk_create(decisions)
        AdmissionFile.objects.bulk_create(files)
        made = AdmissionRequest.objects.bulk_create(requests)
        StatusTransition.objects.bulk_create(
            StatusTransition(
                request=r,
                level="esms",
                to_status=r.status,
                actor_kind="orientation",
                actor_label="banc",
                at=f"{today - timedelta(days=rng.randrange(60))}T10:00:00+00:00",
                source="system",
            )
            for r in made
        )
        print(f"{start + len(batch)} persons", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    setup(args.persons, args.rebuild)
    from relais.accounts.actor import Actor
    from relais.accounts.models import Membership, Organisation, User
    from relais.accounts.roles import Role
    from relais.orientation.follow_up import work_list
    from relais.persons.models import Person

    organisation = Organisation.objects.filter(name="MDPH du Finistère (banc)").order_by("-pk").first()
    user = User.objects.filter(email="banc@exemple.test").first()
    if user is None:
        user = User.objects.create(email="banc@exemple.test", first_name="Banc", last_name="Officier")
        Membership.objects.create(user=user, organisation=organisation, role=Role.ORIENTATION_OFFICER)
    actor = Actor(organisation=organisation, role=Role.ORIENTATION_OFFICER, user=user)
    sample = Person.objects.order_by("pk")[1000]
    cases = {
        "tout": {},
        "page 100": {"page": 100},
        "expire 90 j": {"expiring": True},
        "sans solution": {"without_solution": True},
        "urgent": {"urgent": True},
        "sans demande": {"no_request": True},
        "sans réponse 10 j": {"unread": True},
        "nom": {"query": "lefe"},
        "deux mots": {"query": "martin jean"},
        "date de naissance": {"query": sample.birth_date.strftime("%d/%m/%Y")},
        "code postal + nom": {"query": "29007 dub"},
        "sans solution + urgent + recherche": {"without_solution": True, "urgent": True, "query": "mar"},
    }
    timings, plans = {}, {}
    for label, fields in cases.items():
        filters = work_list.WorkFilters(**fields)
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            page = work_list.work_page(actor, filters)
            runs.append((time.perf_counter() - started) * 1000)
        timings[label] = {"median_ms": round(statistics.median(runs), 1), "total": page.total}
        print(label, timings[label], file=sys.stderr)
        plans[label] = work_list.filtered(actor, filters)[:50].explain(analyze=True).splitlines()
    slowest = max(timings, key=lambda k: timings[k]["median_ms"])
    print(json.dumps({
        "persons": Person.objects.count(),
        "cases": timings,
        "slowest": slowest,
        "slowest_plan": plans[slowest][:25],
        "machine": machine(),
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
