"""The demo territory: synthetic organisations and professionals on real geography.

Deterministic for a given seed and scale, idempotent (a second run creates
nothing), and fast enough for the national scale used by the benchmarks.
Every later capability extends it with its own synthetic data.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction

from relais.accounts.models import Membership, Organisation, User
from relais.accounts.professions import ProfessionalCategory as Cat
from relais.accounts.roles import OrganisationKind as Kind
from relais.accounts.roles import Role, role_allowed
from relais.territory.models import Commune, Departement

from .logins import DEMO_LOGINS, DEMO_PASSWORD, EMAIL_DOMAIN
from .names import ESMS_TYPES, FIRST_NAMES, LAST_NAMES, MANAGING_BODY_KINDS, PATRON_NAMES

SCALES = ("departement", "region", "national")
DEFAULT_DEPARTEMENT = "35"

STAFF_PROFILES = {
    Kind.ESMS: [
        (Role.CARE_PROFESSIONAL, Cat.NURSE),
        (Role.CARE_PROFESSIONAL, Cat.EDUCATOR),
        (Role.MEMBER, Cat.ESMS_STAFF),
    ],
    Kind.MANAGING_BODY: [(Role.ANALYST, Cat.ADMINISTRATIVE)],
    Kind.MDPH: [(Role.ORIENTATION_OFFICER, Cat.MDPH_TEAM), (Role.ORIENTATION_OFFICER, Cat.SOCIAL_WORKER)],
    Kind.DEPARTEMENT_COUNCIL: [(Role.ORIENTATION_OFFICER, Cat.APA_TEAM), (Role.ANALYST, Cat.ADMINISTRATIVE)],
    Kind.ARS: [(Role.ANALYST, Cat.ADMINISTRATIVE)],
    Kind.DAC: [(Role.COORDINATOR, Cat.COORDINATION_STAFF), (Role.COORDINATOR, Cat.NURSE)],
    Kind.HOSPITAL: [(Role.CARE_PROFESSIONAL, Cat.PHYSICIAN), (Role.CARE_PROFESSIONAL, Cat.SOCIAL_WORKER)],
    Kind.HEALTH_PRACTICE: [(Role.CARE_PROFESSIONAL, Cat.PHYSICIAN), (Role.CARE_PROFESSIONAL, Cat.NURSE)],
    Kind.NATIONAL: [(Role.ANALYST, Cat.ADMINISTRATIVE)],
}


@dataclass
class Plan:
    """What the generator wants to exist, keyed by natural keys so reruns are no-ops."""

    organisations: dict[tuple[str, str], dict] = field(default_factory=dict)  # (kind, name) -> fields
    users: dict[str, dict] = field(default_factory=dict)  # email -> fields
    memberships: list[tuple[str, tuple[str, str], str]] = field(default_factory=list)  # email, org key, role
    esms_categories: dict[tuple[str, str], str] = field(default_factory=dict)  # ESMS key -> FINESS category


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == "-").strip("-")


def departement_codes(scale: str, departement: str) -> list[str]:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    if scale == "departement":
        return [departement]
    if scale == "region":
        region = Departement.objects.get(code=departement).region_id
        return list(Departement.objects.filter(region_id=region).order_by("code").values_list("code", flat=True))
    return list(Departement.objects.order_by("code").values_list("code", flat=True))


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.plan = Plan()
        self.email_counter = 0
        self.finess_counter: dict[str, int] = {}

    def organisation(self, kind: str, name: str, **fields) -> tuple[str, str]:
        key = (kind, name)
        self.plan.organisations.setdefault(key, {"kind": kind, "name": name, **fields})
        return key

    def finess(self, departement: str) -> str:
        # Synthetic numbers in a range real FINESS numbers do not use ("99" after the département).
        # Overseas départements (971…976) keep their third digit, as real FINESS numbers do.
        n = self.finess_counter[departement] = self.finess_counter.get(departement, 0) + 1
        prefix = f"{departement}99"
        return f"{prefix}{n:0{9 - len(prefix)}d}"

    def staff(self, org_key: tuple[str, str], role: str, category: str) -> None:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        self.email_counter += 1
        email = f"{_ascii(first)}.{_ascii(last)}.{self.email_counter}@{EMAIL_DOMAIN}"
        self.plan.users[email] = {"first_name": first, "last_name": last, "professional_category": category}
        self.plan.memberships.append((email, org_key, role))

    def departement(self, dep: Departement, communes: list[Commune], ars_key) -> None:
        weights = [max(c.population or 1, 1) for c in communes]
        pick = lambda: self.rng.choices(communes, weights=weights)[0]  # noqa: E731
        chef_lieu = max(communes, key=lambda c: c.population or 0)
        here = {"departement_id": dep.code, "region_id": dep.region_id}
        keys = [
            self.organisation(Kind.MDPH, f"MDPH {dep.name}", parent=None, commune_id=chef_lieu.pk, **here),
            self.organisation(
                Kind.DEPARTEMENT_COUNCIL, f"Conseil départemental {dep.name}", commune_id=chef_lieu.pk, **here
            ),
            self.organisation(Kind.DAC, f"DAC {dep.name}", commune_id=chef_lieu.pk, **here),
            self.organisation(
                Kind.HOSPITAL,
                f"Centre hospitalier de {chef_lieu.name}",
                finess=self.finess(dep.code),
                commune_id=chef_lieu.pk,
                **here,
            ),
        ]
        population = sum(c.population or 0 for c in communes)
        for _ in range(max(2, min(12, population // 150_000))):
            commune = pick()
            keys.append(
                self.organisation(
                    Kind.HEALTH_PRACTICE,
                    f"Maison de santé {commune.name} {self.rng.randint(1, 99)}",
                    commune_id=commune.pk,
                    **here,
                )
            )
        n_esms = max(10, min(150, population // 25_000))
        n_bodies = max(3, n_esms // 6)
        bodies = []
        for _ in range(n_bodies):
            commune = pick()
            pattern = self.rng.choice(MANAGING_BODY_KINDS)
            name = pattern.format(name=self.rng.choice(PATRON_NAMES), commune=commune.name) + f" ({dep.code})"
            bodies.append(
                self.organisation(Kind.MANAGING_BODY, name, finess=self.finess(dep.code), commune_id=commune.pk, **here)
            )
        for i in range(n_esms):
            commune = pick()
            # Every type once, then at random.
            label, category, _places = ESMS_TYPES[i] if i < len(ESMS_TYPES) else self.rng.choice(ESMS_TYPES)
            name = f"{label} {self.rng.choice(PATRON_NAMES)} — {commune.name}"
            key = self.organisation(
                Kind.ESMS,
                name,
                finess=self.finess(dep.code),
                parent=self.rng.choice(bodies),
                commune_id=commune.pk,
                **here,
            )
            self.plan.esms_categories.setdefault(key, category)
            keys.append(key)
        keys.extend(bodies)
        for key in keys:
            for role, category in STAFF_PROFILES[key[0]]:
                self.staff(key, role, category)
        if ars_key:
            for role, category in STAFF_PROFILES[Kind.ARS]:
                self.staff(ars_key, role, category)


def build_plan(*, seed: int, scale: str, departement: str = DEFAULT_DEPARTEMENT) -> Plan:
    builder = _Builder(seed)
    codes = departement_codes(scale, departement)
    deps = Departement.objects.filter(code__in=codes).select_related("region").order_by("code")
    communes_by_dep: dict[str, list[Commune]] = {}
    for commune in (
        Commune.objects.filter(departement_id__in=codes)
        .order_by("insee_code")
        .only("insee_code", "name", "population", "departement_id")
    ):
        communes_by_dep.setdefault(commune.departement_id, []).append(commune)
    national = builder.organisation(Kind.NATIONAL, "CNSA — niveau national (démo)")
    builder.staff(national, Role.ANALYST, Cat.ADMINISTRATIVE)
    ars_done = set()
    for dep in deps:
        if dep.code not in communes_by_dep:
            continue  # overseas collectivities without communes in the reference
        ars_key = None
        if dep.region_id not in ars_done:
            ars_done.add(dep.region_id)
            ars_key = builder.organisation(Kind.ARS, f"ARS {dep.region.name}", region_id=dep.region_id)
        builder.departement(dep, communes_by_dep[dep.code], ars_key)
    first = deps.filter(code__in=communes_by_dep).first()
    if first is not None:
        _add_demo_logins(builder, first)
    return builder.plan


def _add_demo_logins(builder: _Builder, dep: Departement) -> None:
    """The named accounts printed by `make run`, one per role, in the first département."""
    orgs = builder.plan.organisations
    by_kind = {}
    for key, fields in orgs.items():
        if fields.get("departement_id") in (dep.code, None) or key[0] in {Kind.ARS, Kind.NATIONAL}:
            by_kind.setdefault(key[0], key)
    by_kind[Kind.ARS] = next(k for k, f in orgs.items() if k[0] == Kind.ARS and f["region_id"] == dep.region_id)
    # The managing body's director sees the ESMS whose staff logs in too.
    by_kind[Kind.MANAGING_BODY] = orgs[by_kind[Kind.ESMS]]["parent"]
    for login in DEMO_LOGINS:
        builder.plan.users[login.email] = {
            "first_name": login.first_name,
            "last_name": login.last_name,
            "professional_category": login.category,
        }
        for kind, role in login.memberships:
            key = by_kind[kind]
            assert role_allowed(kind, role), (kind, role)
            builder.plan.memberships.append((login.email, key, role))


# Organisations the demo offer links to a directory entry, which carries their FINESS number and managing body
# (decision 0029): the organisation keeps neither.
DIRECTORY_KINDS = frozenset({Kind.MANAGING_BODY, Kind.ESMS, Kind.HOSPITAL})


@transaction.atomic
def apply_plan(plan: Plan) -> dict[str, int]:
    """Create what is missing; never touch what exists. Returns counts of created rows."""
    existing = {(k, n): pk for k, n, pk in Organisation.objects.values_list("kind", "name", "pk")}
    finess_taken = set(Organisation.objects.exclude(finess=None).values_list("finess", flat=True))
    new_orgs = []
    for key, fields in plan.organisations.items():
        if key in existing:
            continue
        fields = dict(fields)
        parent_key = fields.pop("parent", None)
        if key[0] in DIRECTORY_KINDS:
            fields.pop("finess", None)
            parent_key = None
        if fields.get("finess") in finess_taken:
            fields["finess"] = None
        new_orgs.append((parent_key, Organisation(**fields)))
    # Parents (national, ARS, managing bodies) first, so that children can point to them.
    Organisation.objects.bulk_create([o for p, o in new_orgs if p is None], batch_size=1000)
    existing = {(k, n): pk for k, n, pk in Organisation.objects.values_list("kind", "name", "pk")}
    children = [o for p, o in new_orgs if p is not None]
    for parent_key, org in new_orgs:
        if parent_key is not None:
            org.parent_id = existing[parent_key]
    Organisation.objects.bulk_create(children, batch_size=1000)
    existing = {(k, n): pk for k, n, pk in Organisation.objects.values_list("kind", "name", "pk")}

    users_existing = set(User.objects.filter(email__in=list(plan.users)).values_list("email", flat=True))
    login_emails = {login.email for login in DEMO_LOGINS}
    new_users = []
    for email, fields in plan.users.items():
        if email in users_existing:
            continue
        user = User(email=email, **fields)
        if email in login_emails:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()  # staff accounts: no login in the demo
        new_users.append(user)
    User.objects.bulk_create(new_users, batch_size=2000)
    user_ids = dict(User.objects.filter(email__in=list(plan.users)).values_list("email", "pk"))
    members_existing = set(Membership.objects.values_list("user_id", "organisation_id"))
    new_memberships = []
    for email, org_key, role in plan.memberships:
        pair = (user_ids[email], existing[org_key])
        if pair not in members_existing:
            members_existing.add(pair)
            new_memberships.append(Membership(user_id=pair[0], organisation_id=pair[1], role=role))
    Membership.objects.bulk_create(new_memberships, batch_size=2000)
    return {"organisations": len(new_orgs), "users": len(new_users), "memberships": len(new_memberships)}
