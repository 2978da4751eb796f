"""Synthetic persons for the demo territory: identities, contact, legal representatives, and a few
deliberate near-duplicates (typo, lost accents, swapped names) for the duplicate screens.

Deterministic: each département draws from its own random stream (seed, code), so person n of a
département is the same at every scale. Idempotent: persons carry `external_ref` "demo:<seed>:<dep>:<n>".
Nothing here is real: names are drawn from `names.py`; INS numbers are well-formed with a valid key but
use the order number 000, which INSEE never assigns (order numbers run 001–999), so they cannot be a real
NIR; phone numbers are in 06 39 98, a range ARCEP reserves for fiction; e-mails end in .test.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from relais.persons.ins import IdentityStatus as Status
from relais.persons.ins import ins_with_key
from relais.persons.models import LegalRepresentative, Person
from relais.persons.names import search_key

from .names import FIRST_NAMES, LAST_NAMES
from .offer import _communes

MIN_PER_DEPARTEMENT = 2_000
INHABITANTS_PER_PERSON = 170  # ~400,000 persons for the whole country
NEAR_DUPLICATE_RATE = 0.01
REFERENCE_DATE = date(2026, 1, 1)  # ages are drawn against a fixed date, so reruns are identical
BATCH = 5_000
COUNTRIES = (("99350", "Maroc"), ("99352", "Algérie"), ("99351", "Tunisie"), ("99139", "Portugal"))
STREETS = ("rue de la Mairie", "avenue de la République", "chemin des Vignes", "place de l'Église", "rue du Port")


@dataclass
class PersonPlan:
    persons: dict[str, dict] = field(default_factory=dict)  # external_ref -> fields
    representatives: dict[str, list[dict]] = field(default_factory=dict)  # external_ref -> representatives
    near_duplicates: dict[str, str] = field(default_factory=dict)  # ref of the copy -> ref of the original


def persons_for(population: int) -> int:
    return max(MIN_PER_DEPARTEMENT, population // INHABITANTS_PER_PERSON)


def _strip_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class _Departement:
    def __init__(self, plan: PersonPlan, seed: int, code: str, communes):
        self.plan, self.seed, self.code = plan, seed, code
        self.rng = random.Random(f"{seed}:persons:{code}")
        self.communes = communes
        self.cumulative = []
        total = 0
        for c in communes:
            total += max(c.population, 1)
            self.cumulative.append(total)
        self.ins_taken: set[str] = set()
        self.refs: list[str] = []

    def ref(self, n: int) -> str:
        return f"demo:{self.seed}:{self.code}:{n:06d}"

    def ins(self, sex: str, birth: date, place: str) -> str | None:
        if place.startswith("99"):
            return None  # born abroad: the number would not depend on the département, so could repeat across them
        number = ins_with_key(f"{1 if sex == 'M' else 2}{birth:%y%m}{place}000")
        if number in self.ins_taken:
            return None  # same sex, month and birth place: only one gets the synthetic INS
        self.ins_taken.add(number)
        return number

    def person(self, n: int) -> None:
        rng = self.rng
        if n and rng.random() < NEAR_DUPLICATE_RATE:
            self.near_duplicate(n, self.refs[rng.randrange(n)])
            return
        draw = rng.random()
        sex = "F" if draw < 0.495 else "M" if draw < 0.99 else "I"
        elderly = rng.random() < 0.4
        days = rng.randint(60 * 365, 100 * 365) if elderly else rng.randint(0, 59 * 365)
        birth = REFERENCE_DATE - timedelta(days=days)
        age = (REFERENCE_DATE - birth).days // 365
        family = rng.choice(LAST_NAMES)
        used = rng.choice(LAST_NAMES) if sex == "F" and age > 25 and rng.random() < 0.4 else ""
        firsts = " ".join(rng.sample(FIRST_NAMES, rng.choice((1, 1, 2, 3))))
        commune = self.communes[rng.choices(range(len(self.communes)), cum_weights=self.cumulative)[0]]
        if rng.random() < 0.1:
            place, label = rng.choice(COUNTRIES)
        else:
            place, label = commune.code, commune.name
        draw = rng.random()
        status = Status.QUALIFIED if draw < 0.6 else Status.RECOVERED if draw < 0.7 else Status.VALIDATED
        status = Status.PROVISIONAL if draw >= 0.85 or sex == "I" else status
        ins = self.ins(sex, birth, place) if status in (Status.QUALIFIED, Status.RECOVERED) else None
        if ins is None and status in (Status.QUALIFIED, Status.RECOVERED):
            status = Status.VALIDATED
        ref = self.ref(n)
        self.refs.append(ref)
        self.plan.persons[ref] = {
            "family_name": family,
            "used_name": used,
            "first_names": firsts,
            "birth_date": birth,
            "birth_place_code": place,
            "birth_place_label": label,
            "sex": sex,
            "ins": ins,
            "identity_status": status,
            "ins_from_national_service": ins is not None,
            "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            "postal_code": commune.postal_code,
            "city": commune.name,
            "phone": f"06 39 98 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}",
            "email": f"personne.{self.code.lower()}.{n}@exemple.test" if rng.random() < 0.3 else "",
        }
        if age < 18 or rng.random() < 0.06:
            role = "parent" if age < 18 else rng.choice(("tutelle", "curatelle", "habilitation"))
            name = f"{rng.choice(FIRST_NAMES)} {family if role == 'parent' else rng.choice(LAST_NAMES)}"
            org = "Association tutélaire (démo)" if role in ("tutelle", "curatelle") and rng.random() < 0.5 else ""
            self.plan.representatives[ref] = [{"name": name, "role": role, "organisation_name": org}]

    def near_duplicate(self, n: int, original_ref: str) -> None:
        """A second record of an earlier person, as a hurried admission would create it: no INS."""
        rng, fields = self.rng, dict(self.plan.persons[original_ref])
        kind = rng.choice(("typo", "accents", "swap"))
        family = fields["family_name"]
        if kind == "swap" and fields["used_name"]:
            fields["family_name"], fields["used_name"] = fields["used_name"], family
        elif kind == "typo" and len(family) >= 5:
            i = rng.randrange(1, len(family) - 1)
            fields["family_name"] = family[:i] + family[i + 1] + family[i] + family[i + 2 :]
        else:
            fields["family_name"] = _strip_accents(family).upper()
            fields["first_names"] = _strip_accents(fields["first_names"]).replace(" ", "-")
        fields.update(ins=None, identity_status=Status.PROVISIONAL, ins_from_national_service=False, email="")
        ref = self.ref(n)
        self.refs.append(ref)
        self.plan.persons[ref] = fields
        self.plan.near_duplicates[ref] = original_ref


def build_person_plan(*, seed: int, codes: list[str]) -> PersonPlan:
    plan = PersonPlan()
    communes = _communes(codes)
    for code in codes:
        if not communes.get(code):
            continue
        dep = _Departement(plan, seed, code, communes[code])
        for n in range(persons_for(sum(c.population for c in communes[code]))):
            dep.person(n)
    return plan


@transaction.atomic
def apply_person_plan(plan: PersonPlan) -> dict[str, int]:
    """Create the missing persons (set-up work: no actor, no access-log entry). Returns created counts."""
    prefixes = {ref.rsplit(":", 1)[0] + ":" for ref in plan.persons}
    existing: set[str] = set()
    for prefix in prefixes:
        existing.update(Person.objects.filter(external_ref__startswith=prefix).values_list("external_ref", flat=True))
    live_ins = set(Person.objects.filter(merged_into=None).exclude(ins=None).values_list("ins", flat=True))
    new = []
    for ref, fields in plan.persons.items():
        if ref in existing:
            continue
        if fields["ins"] in live_ins:  # taken by a person created outside the demo
            fields = {**fields, "ins": None, "identity_status": Status.VALIDATED, "ins_from_national_service": False}
        person = Person(external_ref=ref, **fields)
        # bulk_create skips save(): the search key is filled here. The one bulk creation outside identity vigilance
        # (allow-listed in tests/persons/test_one_flow.py): synthetic set-up, its near-duplicates are on purpose.
        person.search_key = search_key(person.family_name, person.used_name, person.first_names, person.used_first_name)
        new.append(person)
    Person.objects.bulk_create(new, batch_size=BATCH)
    new_refs = {p.external_ref for p in new}
    ids = {}
    for prefix in prefixes:
        ids.update(Person.objects.filter(external_ref__startswith=prefix).values_list("external_ref", "pk"))
    representatives = [
        LegalRepresentative(person_id=ids[ref], **fields)
        for ref, items in plan.representatives.items()
        if ref in new_refs
        for fields in items
    ]
    LegalRepresentative.objects.bulk_create(representatives, batch_size=BATCH)
    return {"persons": len(new), "representatives": len(representatives)}
