"""Demo persons in 2A: synthetic, valid, deterministic, idempotent, with detectable near-duplicates."""

import io
import json

import pytest
from django.core.management import call_command

from relais.demo.persons import build_person_plan
from relais.persons.duplicates import duplicate_pairs
from relais.persons.ins import ins_error
from relais.persons.models import LegalRepresentative, Person

pytestmark = pytest.mark.django_db


def run() -> dict:
    out = io.StringIO()
    call_command("demo_territory", "--scale", "departement", "--departement", "2A", "--seed", "5", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_demo_persons():
    first = run()["persons"]
    assert first["persons"] == Person.objects.count() == first["created"]["persons"] == 2000
    assert 15 <= first["near_duplicates"] <= 40
    assert not Person.objects.filter(search_key="").exists()  # bulk-loaded, yet searchable (decision 0030)
    assert first["created"]["representatives"] == LegalRepresentative.objects.count() > 100
    # Idempotent, and the plan is the same on a second build.
    again = run()["persons"]
    assert again["created"] == {"persons": 0, "representatives": 0} and Person.objects.count() == 2000
    assert build_person_plan(seed=5, codes=["2A"]).persons == build_person_plan(seed=5, codes=["2A"]).persons
    assert build_person_plan(seed=6, codes=["2A"]).persons != build_person_plan(seed=5, codes=["2A"]).persons

    insses = list(Person.objects.exclude(ins=None).values_list("ins", flat=True))
    assert len(insses) > 1000 and all(ins_error(i) is None and i[10:13] == "000" for i in insses)
    assert all(i[5:7] == "2A" for i in insses)
    assert not Person.objects.filter(identity_status="QUAL", ins=None).exists()
    # Every deliberate near-duplicate is found by the detection rules.
    plan = build_person_plan(seed=5, codes=["2A"])
    by_ref = {p.external_ref: p for p in Person.objects.all()}
    found = {frozenset((a.external_ref, m.other.external_ref)) for a, m in duplicate_pairs(by_ref.values())}
    for copy, original in plan.near_duplicates.items():
        assert frozenset((copy, original)) in found, (by_ref[copy], by_ref[original])
