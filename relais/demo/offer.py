"""The demo offer directory: legal entities, sites, units and capacities on real geography.

Each demo managing body gets its legal entity and each demo ESMS (and hospital) its site, linked to the
organisation and sharing its FINESS number; many more unlinked entries fill the directory to a realistic
density (about one site per 450 inhabitants, 250 to 1,500 per département: over 100,000 sites and
150,000 units nationally). Deterministic per seed and département (one random stream per département,
so a département is the same at every scale), idempotent (keys: FINESS numbers, and unit names within a
site), inserted in bulk. Units, capacities and history: relais/demo/offer_units.py.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction

from relais.accounts.models import Organisation
from relais.accounts.roles import OrganisationKind as Kind
from relais.offer.codes import current_category
from relais.offer.models import CapacityUpdate, Category, LegalEntity, Site, Source, Unit
from relais.offer.services import category_ensure_reference
from relais.territory.models import Commune, PostalCode

from .names import MANAGING_BODY_KINDS, PATRON_NAMES
from .offer_profiles import (
    CATEGORIES,
    EXTRA_CATEGORIES,
    HEALTH_STATUSES,
    HOSPITAL_CATEGORY,
    LEGAL_STATUSES,
    PHARMACY_STATUSES,
    STREETS,
)
from .offer_units import UnitMaker

SITES_PER_INHABITANT = 1 / 450
SITES_MIN, SITES_MAX = 250, 1500
CLOSED_SHARE, UNLOCATED_SHARE, AT_CENTROID_SHARE = 0.03, 0.01, 0.25
OWN_LEGAL_ENTITY_SHARE = 0.45  # the other unlinked sites belong to a few large bodies of the département
BATCH = 2000
PHONE = "01 99 00 {:02d} {:02d}"  # numbers reserved for fiction by the ARCEP: they reach nobody


def offer_finess(departement: str, n: int) -> str:
    """Synthetic FINESS numbers: the département, "99" (unused by real numbers, as for the demo
    organisations), then a counter starting half-way up its range, above the organisations' counter."""
    prefix = f"{departement}99"
    width = 9 - len(prefix)
    number = 5 * 10 ** (width - 1) + n
    if number >= 10**width:
        raise ValueError(f"Trop d'entrées de démonstration pour le département {departement}.")
    return f"{prefix}{number}"


@dataclass
class OfferPlan:
    """Keyed by natural keys (FINESS numbers; unit names within a site) so that reruns create nothing."""

    legal_entities: dict[str, dict] = field(default_factory=dict)  # finess -> fields
    sites: dict[str, dict] = field(default_factory=dict)  # finess -> fields ("legal_entity": its finess)
    units: dict[str, list[dict]] = field(default_factory=dict)  # site finess -> unit fields ("history": …)


@dataclass
class _Commune:
    code: str
    name: str
    population: int
    latitude: float | None
    longitude: float | None
    postal_code: str


class _Departement:
    """One département's offer, from its own random stream."""

    def __init__(self, plan: OfferPlan, seed: int, code: str, communes: list[_Commune], now: datetime):
        self.plan, self.code, self.now = plan, code, now
        self.rng = random.Random(f"relais-offer:{seed}:{code}")
        self.counter = 0
        self.located = [c for c in communes if c.latitude is not None]
        self.cum = list(_accumulate(max(c.population, 1) for c in self.located))
        self.units = UnitMaker(self.rng, self.located, now)

    def pick_commune(self) -> _Commune:
        return self.located[bisect.bisect_right(self.cum, self.rng.random() * self.cum[-1])]

    def next_finess(self) -> str:
        self.counter += 1
        return offer_finess(self.code, self.counter)

    def address(self, commune: _Commune) -> dict:
        return {
            "address_line": f"{self.rng.randint(1, 120)} {self.rng.choice(STREETS)}",
            "postal_code": commune.postal_code,
            "city": commune.name.upper(),
            "commune_id": commune.code,
            "phone": PHONE.format(self.rng.randint(0, 99), self.rng.randint(0, 99)),
        }

    def legal_entity(self, name: str, commune: _Commune, status: str, finess=None, organisation=None) -> str:
        finess = finess or self.next_finess()
        opened = date(1950, 1, 1) + timedelta(days=self.rng.randint(0, 25_000))
        self.plan.legal_entities.setdefault(
            finess,
            {
                "name": name[:200],
                "legal_status": status,
                "opened_on": opened,
                "organisation_key": organisation,
                **self.address(commune),
            },
        )
        return finess

    def site(self, category: str, commune: _Commune, legal_entity: str, name="", finess=None, organisation=None):
        finess = finess or self.next_finess()
        label = CATEGORIES.get(category, ("Établissement", 0))[0]
        name = name or f"{label} {self.rng.choice(PATRON_NAMES)} — {commune.name}"
        closed = organisation is None and self.rng.random() < CLOSED_SHARE
        roll = self.rng.random()
        if organisation is None and roll < UNLOCATED_SHARE:
            latitude = longitude = None
            source = ""
        elif roll < UNLOCATED_SHARE + AT_CENTROID_SHARE:
            latitude, longitude, source = commune.latitude, commune.longitude, "centre de la commune (démo)"
        else:
            # A small jitter, wider in large towns, so that sites spread over the commune.
            spread = 0.008 * (1 + max(0.0, _log10(commune.population / 5000)))
            latitude = round(commune.latitude + self.rng.uniform(-spread, spread), 6)
            longitude = round(commune.longitude + self.rng.uniform(-spread, spread) * 1.4, 6)
            source = "adresse géocodée (démo)"
        opened = date(1960, 1, 1) + timedelta(days=self.rng.randint(0, 22_000))
        update_days = self.rng.choices((7, 14, 3, 30), weights=(70, 15, 5, 10))[0]
        self.plan.sites[finess] = {
            "name": name[:200],
            "legal_entity": legal_entity,
            "category_id": category,
            "organisation_key": organisation,
            "is_open": not closed,
            "opened_on": opened,
            "closed_on": opened + timedelta(days=self.rng.randint(365, 20_000)) if closed else None,
            "latitude": latitude,
            "longitude": longitude,
            "coordinates_source": source,
            "capacity_update_days": update_days,
            "email": f"contact-{finess.lower()}@demo.relais.test",
            **self.address(commune),
        }
        self.plan.units[finess] = self.units.for_site(category, commune, open_site=not closed, days=update_days)
        return finess

    def fill(self, linked: list[tuple[str, dict, str]], categories: dict, bodies_of: dict) -> None:
        """Linked entries first (demo organisations), then unlinked ones up to the density."""
        by_code = {c.code: c for c in self.located}
        fallback = max(self.located, key=lambda c: c.population)
        body_le = {}
        for kind, fields, key in linked:
            if kind != Kind.MANAGING_BODY:
                continue
            commune = by_code.get(fields.get("commune_id"), fallback)
            status = self.rng.choice(LEGAL_STATUSES[:6])
            body_le[key] = self.legal_entity(key[1], commune, status, fields.get("finess"), organisation=key)
        for kind, fields, key in linked:
            commune = by_code.get(fields.get("commune_id"), fallback)
            if kind == Kind.ESMS and bodies_of.get(key) in body_le:
                category = current_category(categories.get(key, "500"))
                self.site(category, commune, body_le[bodies_of[key]], key[1], fields.get("finess"), organisation=key)
            elif kind == Kind.HOSPITAL:
                le = self.legal_entity(key[1], commune, HEALTH_STATUSES[0])
                self.site(HOSPITAL_CATEGORY, commune, le, key[1], fields.get("finess"), organisation=key)
        population = sum(c.population for c in self.located)
        n_sites = max(SITES_MIN, min(SITES_MAX, round(population * SITES_PER_INHABITANT)))
        codes = list(CATEGORIES)
        category_cum = list(_accumulate(CATEGORIES[c][1] for c in codes))
        pool = []
        for _ in range(max(3, n_sites // 40)):
            commune = self.pick_commune()
            pattern = self.rng.choice(MANAGING_BODY_KINDS)
            name = pattern.format(name=self.rng.choice(PATRON_NAMES), commune=commune.name)
            pool.append(self.legal_entity(name, commune, self.rng.choice(LEGAL_STATUSES[:6])))
        for _ in range(n_sites):
            category = codes[bisect.bisect_right(category_cum, self.rng.random() * category_cum[-1])]
            commune = self.pick_commune()
            if category in {"620", "611"}:
                le = self.legal_entity(
                    f"{CATEGORIES[category][0]} {self.rng.choice(PATRON_NAMES)}",
                    commune,
                    self.rng.choice(PHARMACY_STATUSES),
                )
            elif EXTRA_CATEGORIES.get(category, ("", ""))[1] == "health" or self.rng.random() < OWN_LEGAL_ENTITY_SHARE:
                name = f"{CATEGORIES[category][0]} {self.rng.choice(PATRON_NAMES)} ({commune.name})"
                status = self.rng.choice(HEALTH_STATUSES if category in EXTRA_CATEGORIES else LEGAL_STATUSES)
                le = self.legal_entity(name, commune, status)
            else:
                le = self.rng.choice(pool)
            self.site(category, commune, le)


def _accumulate(values):
    total = 0
    for value in values:
        total += value
        yield total


def _log10(x: float) -> float:
    return math.log10(x) if x > 0 else 0.0


def _communes(codes: list[str]) -> dict[str, list[_Commune]]:
    postal: dict[str, str] = {}
    for commune_id, code in PostalCode.objects.filter(commune__departement_id__in=codes).values_list(
        "commune_id", "code"
    ):
        if commune_id not in postal or code < postal[commune_id]:
            postal[commune_id] = code
    by_dep: dict[str, list[_Commune]] = {}
    rows = (
        Commune.objects.filter(departement_id__in=codes)
        .order_by("insee_code")
        .values_list("insee_code", "name", "departement_id", "population", "latitude", "longitude")
    )
    for code, name, dep, population, lat, lon in rows:
        by_dep.setdefault(dep, []).append(_Commune(code, name, population or 0, lat, lon, postal.get(code, "")))
    return by_dep


def build_offer_plan(*, seed: int, codes: list[str], organisations, now: datetime) -> OfferPlan:
    """The offer of the départements `codes`; `organisations` is the accounts Plan of the same run."""
    plan = OfferPlan()
    communes = _communes(codes)
    db = {
        (kind, name): pk
        for kind, name, pk in Organisation.objects.filter(
            kind__in=[Kind.MANAGING_BODY, Kind.ESMS, Kind.HOSPITAL]
        ).values_list("kind", "name", "pk")
    }
    # Who holds each number already: a directory entry (its organisation, or None) or an organisation outside it.
    holders = dict(Organisation.objects.exclude(finess=None).values_list("finess", "pk"))
    for model in (LegalEntity, Site):
        holders.update(model.objects.values_list("finess", "organisation_id"))
    linked_by_dep: dict[str, list] = {}
    bodies_of = {}
    for key, fields in organisations.organisations.items():
        if key[0] in (Kind.MANAGING_BODY, Kind.ESMS, Kind.HOSPITAL) and key in db:
            # The planned number, unless something else holds it (then the entry gets a new one). The directory entry
            # carries it, not the organisation (decision 0029).
            finess = fields.get("finess")
            if finess in holders and holders[finess] != db[key]:
                finess = None
            linked_by_dep.setdefault(fields.get("departement_id"), []).append(
                (key[0], {**fields, "finess": finess}, key)
            )
            if key[0] == Kind.ESMS:
                bodies_of[key] = fields.get("parent")
    for code in codes:
        if not any(c.latitude is not None for c in communes.get(code, [])):
            continue  # collectivities without located communes (and outside FINESS)
        dep = _Departement(plan, seed, code, communes[code], now)
        dep.fill(linked_by_dep.get(code, []), organisations.esms_categories, bodies_of)
    return plan


def _bulk(model, objects: list) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH)


@transaction.atomic
def apply_offer_plan(plan: OfferPlan) -> dict[str, int]:
    """Create what is missing; never touch what exists. Returns counts of created rows."""
    category_ensure_reference()
    have = set(Category.objects.values_list("code", flat=True))
    new_categories = [
        Category(code=code, label=label, domain=domain, is_medico_social=False)
        for code, (label, domain) in EXTRA_CATEGORIES.items()
        if code not in have
    ]
    _bulk(Category, new_categories)
    org_ids = {(kind, name): pk for kind, name, pk in Organisation.objects.values_list("kind", "name", "pk")}
    linked = set(LegalEntity.objects.exclude(organisation=None).values_list("organisation_id", flat=True))
    linked |= set(Site.objects.exclude(organisation=None).values_list("organisation_id", flat=True))

    def link(fields: dict) -> dict:
        fields = dict(fields)
        org = org_ids.get(fields.pop("organisation_key"))
        fields["organisation_id"] = org if org is not None and org not in linked else None
        return fields

    existing = set(LegalEntity.objects.values_list("finess", flat=True))
    les = [
        LegalEntity(finess=finess, source=Source.DEMO, **link(fields))
        for finess, fields in plan.legal_entities.items()
        if finess not in existing
    ]
    _bulk(LegalEntity, les)
    le_ids = dict(LegalEntity.objects.values_list("finess", "pk"))
    existing = set(Site.objects.values_list("finess", flat=True))
    sites = []
    for finess, fields in plan.sites.items():
        if finess in existing:
            continue
        fields = link(fields)
        fields["legal_entity_id"] = le_ids[fields.pop("legal_entity")]
        sites.append(Site(finess=finess, source=Source.DEMO, **fields))
    _bulk(Site, sites)
    site_ids = dict(Site.objects.filter(source=Source.DEMO).values_list("finess", "pk"))
    have_units = set(Unit.objects.filter(site__source=Source.DEMO).values_list("site_id", "name"))
    units, histories = [], []
    for finess, rows in plan.units.items():
        site_id = site_ids.get(finess)
        if site_id is None:
            continue  # a non-demo entry holds this number: leave it alone
        for row in rows:
            if (site_id, row["name"]) in have_units:
                continue
            fields = dict(row)
            history = fields.pop("history")
            units.append(Unit(site_id=site_id, **fields))
            histories.append(history)
    _bulk(Unit, units)
    updates = [
        CapacityUpdate(unit_id=unit.pk, source=Source.DEMO, **entry)
        for unit, history in zip(units, histories, strict=True)
        for entry in history
    ]
    _bulk(CapacityUpdate, updates)
    return {
        "categories": len(new_categories),
        "legal_entities": len(les),
        "sites": len(sites),
        "units": len(units),
        "capacity_updates": len(updates),
    }
