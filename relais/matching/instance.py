"""A matching instance: units with free places and open admission requests, as records and as columns.

Pure Python and numpy (no Django). Callers describe the instance with the ``Unit`` and ``Request`` records
(``Instance.from_records``); the engine works on columns (one numpy array per field), which a generator of large
instances may also build directly. Unknown values are encoded so that they never exclude anyone: no age bound is
0/999, an unknown age is -1, an unknown GIR is 0, unknown coordinates are NaN, an empty mask means "any".

A ``Request`` is one admission request: one person, one ESMS site (the person's wish of rank ``wish_rank``). The
person's attributes (urgency, age, GIR, publics, oriented categories and care types, commune) are repeated on each
of their requests; the engine groups the requests by ``person_id`` (one proposal per person at most).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NO_AGE_MIN, NO_AGE_MAX, UNKNOWN_AGE = 0, 999, -1
MAX_MASK_BITS = 62  # category, care mode and public masks are int64 bit sets


@dataclass(frozen=True)
class Unit:
    id: int
    site_id: int
    free: int
    category: str
    care_mode: str
    age_min: int | None = None
    age_max: int | None = None
    deficiencies: frozenset[str] = frozenset()  # publics served; empty: any
    gir_min: int | None = None
    gir_max: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    zone: str = ""  # the département of the site
    virtual: bool = False  # a place added by a simulation, open to every person of its zone who seeks its category


@dataclass(frozen=True)
class Request:
    id: int
    person_id: int
    site_id: int
    site_category: str = ""  # the category of the wished site (the simulation's "who seeks this category")
    urgency: int = 0
    days_waited: int = 0
    wish_rank: int = 1
    latitude: float | None = None  # the person's commune
    longitude: float | None = None
    age: int | None = None
    gir: int | None = None
    deficiencies: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()  # oriented categories; empty: any (older persons without decision)
    care_modes: frozenset[str] = frozenset()  # oriented types of care; empty: any
    zone: str = ""  # the person's département


@dataclass(frozen=True)
class Rules:
    """Distance limits (km) between the person's commune and the site; ``None``: no limit."""

    max_km: float | None = 100.0
    home_services_km: float | None = 30.0  # home services come to the person: they serve a small zone
    home_services_mode: str = "home_services"


class Vocabulary:
    """Codes ↔ small integers (for masks and indices), in first-seen order made stable by sorting."""

    def __init__(self, codes):
        self.codes: tuple[str, ...] = tuple(sorted(set(codes)))
        self.index = {code: i for i, code in enumerate(self.codes)}

    def mask(self, codes) -> int:
        bits = 0
        for code in codes:
            bits |= 1 << self.index[code]
        return bits

    def extended(self, codes) -> Vocabulary:
        """The same indices, new codes appended (masks already built stay valid)."""
        vocabulary = Vocabulary(())
        vocabulary.codes = self.codes + tuple(sorted(set(codes) - set(self.codes)))
        vocabulary.index = {code: i for i, code in enumerate(vocabulary.codes)}
        return vocabulary

    def decode(self, mask: int) -> frozenset[str]:
        return frozenset(code for i, code in enumerate(self.codes) if mask >> i & 1)


def _vocabulary(codes, what: str) -> Vocabulary:
    vocabulary = Vocabulary(codes)
    if len(vocabulary.codes) > MAX_MASK_BITS:
        raise ValueError(f"Trop de valeurs distinctes pour « {what} » ({len(vocabulary.codes)} > {MAX_MASK_BITS}).")
    return vocabulary


def _nan(value) -> float:
    return np.nan if value is None else float(value)


@dataclass
class Instance:
    """Columns of units (``u_*``) and requests (``r_*``) and the vocabularies of their codes."""

    categories: Vocabulary
    care_modes: Vocabulary
    deficiencies: Vocabulary
    zones: Vocabulary
    u_id: np.ndarray
    u_site: np.ndarray
    u_free: np.ndarray
    u_category: np.ndarray  # index in ``categories``
    u_mode: np.ndarray  # index in ``care_modes``
    u_age_min: np.ndarray
    u_age_max: np.ndarray
    u_deficiencies: np.ndarray  # mask
    u_gir_min: np.ndarray
    u_gir_max: np.ndarray
    u_lat: np.ndarray
    u_lon: np.ndarray
    u_zone: np.ndarray  # index in ``zones``
    u_virtual: np.ndarray
    r_id: np.ndarray
    r_person: np.ndarray
    r_site: np.ndarray
    r_site_category: np.ndarray  # index in ``categories``, -1 unknown
    r_urgency: np.ndarray
    r_days: np.ndarray
    r_rank: np.ndarray
    r_lat: np.ndarray
    r_lon: np.ndarray
    r_age: np.ndarray
    r_gir: np.ndarray
    r_deficiencies: np.ndarray  # mask, 0: any
    r_categories: np.ndarray  # mask, 0: any
    r_modes: np.ndarray  # mask, 0: any
    r_zone: np.ndarray
    rules: Rules = field(default_factory=Rules)

    @property
    def n_units(self) -> int:
        return len(self.u_id)

    @property
    def n_requests(self) -> int:
        return len(self.r_id)

    @classmethod
    def from_records(cls, *, units, requests, rules: Rules | None = None) -> Instance:
        units, requests = list(units), list(requests)
        for what, rows in (("unité", units), ("demande", requests)):
            ids = [row.id for row in rows]
            if len(set(ids)) != len(ids):
                raise ValueError(f"Identifiant de {what} en double dans l'instance.")
        for unit in units:
            if unit.free < 0:
                raise ValueError(f"Unité {unit.id} : nombre de places libres négatif ({unit.free}).")
        for request in requests:
            if not 0 <= request.urgency <= 3:
                raise ValueError(f"Demande {request.id} : urgence {request.urgency} hors de 0 à 3.")
        categories = _vocabulary(
            [u.category for u in units]
            + [c for r in requests for c in r.categories]
            + [r.site_category for r in requests if r.site_category],
            "catégorie",
        )
        modes = _vocabulary([u.care_mode for u in units] + [m for r in requests for m in r.care_modes], "mode")
        publics = _vocabulary([d for row in (*units, *requests) for d in row.deficiencies], "public")
        zones = Vocabulary([row.zone for row in (*units, *requests)])

        def col(rows, getter, dtype):
            return np.fromiter((getter(row) for row in rows), dtype=dtype, count=len(rows))

        u, r = units, requests
        return cls(
            categories=categories,
            care_modes=modes,
            deficiencies=publics,
            zones=zones,
            u_id=col(u, lambda x: x.id, np.int64),
            u_site=col(u, lambda x: x.site_id, np.int64),
            u_free=col(u, lambda x: x.free, np.int64),
            u_category=col(u, lambda x: categories.index[x.category], np.int16),
            u_mode=col(u, lambda x: modes.index[x.care_mode], np.int16),
            u_age_min=col(u, lambda x: NO_AGE_MIN if x.age_min is None else x.age_min, np.int16),
            u_age_max=col(u, lambda x: NO_AGE_MAX if x.age_max is None else x.age_max, np.int16),
            u_deficiencies=col(u, lambda x: publics.mask(x.deficiencies), np.int64),
            u_gir_min=col(u, lambda x: 1 if x.gir_min is None else x.gir_min, np.int8),
            u_gir_max=col(u, lambda x: 6 if x.gir_max is None else x.gir_max, np.int8),
            u_lat=col(u, lambda x: _nan(x.latitude), np.float64),
            u_lon=col(u, lambda x: _nan(x.longitude), np.float64),
            u_zone=col(u, lambda x: zones.index[x.zone], np.int32),
            u_virtual=col(u, lambda x: x.virtual, np.bool_),
            r_id=col(r, lambda x: x.id, np.int64),
            r_person=col(r, lambda x: x.person_id, np.int64),
            r_site=col(r, lambda x: x.site_id, np.int64),
            r_site_category=col(r, lambda x: categories.index.get(x.site_category, -1), np.int16),
            r_urgency=col(r, lambda x: x.urgency, np.int8),
            r_days=col(r, lambda x: max(x.days_waited, 0), np.int32),
            r_rank=col(r, lambda x: x.wish_rank, np.int16),
            r_lat=col(r, lambda x: _nan(x.latitude), np.float64),
            r_lon=col(r, lambda x: _nan(x.longitude), np.float64),
            r_age=col(r, lambda x: UNKNOWN_AGE if x.age is None else x.age, np.int16),
            r_gir=col(r, lambda x: 0 if x.gir is None else x.gir, np.int8),
            r_deficiencies=col(r, lambda x: publics.mask(x.deficiencies), np.int64),
            r_categories=col(r, lambda x: categories.mask(x.categories), np.int64),
            r_modes=col(r, lambda x: modes.mask(x.care_modes), np.int64),
            r_zone=col(r, lambda x: zones.index[x.zone], np.int32),
            rules=rules or Rules(),
        )

    def with_units(self, units) -> Instance:
        """A copy with more units (the simulation's virtual places)."""
        units = list(units)
        categories = self.categories.extended(u.category for u in units)
        modes = self.care_modes.extended(u.care_mode for u in units)
        publics = self.deficiencies.extended(d for u in units for d in u.deficiencies)
        zones = self.zones.extended(u.zone for u in units)
        if max(len(categories.codes), len(modes.codes), len(publics.codes)) > MAX_MASK_BITS:
            raise ValueError("Trop de valeurs distinctes dans l'instance.")
        extra = Instance.from_records(units=units, requests=[], rules=self.rules)
        remap = {
            "u_category": (categories, extra.categories),
            "u_mode": (modes, extra.care_modes),
            "u_zone": (zones, extra.zones),
        }
        columns = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not name.startswith("u_"):
                columns[name] = value
                continue
            added = getattr(extra, name)
            if name in remap:
                target, source = remap[name]
                added = np.array([target.index[source.codes[k]] for k in added.tolist()], dtype=value.dtype)
            elif name == "u_deficiencies":
                added = np.array([publics.mask(u.deficiencies) for u in units], dtype=value.dtype)
            columns[name] = np.concatenate([value, added.astype(value.dtype)])
        columns.update(categories=categories, care_modes=modes, deficiencies=publics, zones=zones)
        return Instance(**columns)

    def unit_record(self, i: int) -> Unit:
        return Unit(
            id=int(self.u_id[i]),
            site_id=int(self.u_site[i]),
            free=int(self.u_free[i]),
            category=self.categories.codes[self.u_category[i]],
            care_mode=self.care_modes.codes[self.u_mode[i]],
            age_min=None if self.u_age_min[i] == NO_AGE_MIN else int(self.u_age_min[i]),
            age_max=None if self.u_age_max[i] == NO_AGE_MAX else int(self.u_age_max[i]),
            deficiencies=self.deficiencies.decode(int(self.u_deficiencies[i])),
            gir_min=int(self.u_gir_min[i]),
            gir_max=int(self.u_gir_max[i]),
            latitude=None if np.isnan(self.u_lat[i]) else float(self.u_lat[i]),
            longitude=None if np.isnan(self.u_lon[i]) else float(self.u_lon[i]),
            zone=self.zones.codes[self.u_zone[i]],
            virtual=bool(self.u_virtual[i]),
        )

    def request_record(self, i: int) -> Request:
        site_category = int(self.r_site_category[i])
        return Request(
            id=int(self.r_id[i]),
            person_id=int(self.r_person[i]),
            site_id=int(self.r_site[i]),
            site_category=self.categories.codes[site_category] if site_category >= 0 else "",
            urgency=int(self.r_urgency[i]),
            days_waited=int(self.r_days[i]),
            wish_rank=int(self.r_rank[i]),
            latitude=None if np.isnan(self.r_lat[i]) else float(self.r_lat[i]),
            longitude=None if np.isnan(self.r_lon[i]) else float(self.r_lon[i]),
            age=None if self.r_age[i] == UNKNOWN_AGE else int(self.r_age[i]),
            gir=None if self.r_gir[i] == 0 else int(self.r_gir[i]),
            deficiencies=self.deficiencies.decode(int(self.r_deficiencies[i])),
            categories=self.categories.decode(int(self.r_categories[i])),
            care_modes=self.care_modes.decode(int(self.r_modes[i])),
            zone=self.zones.codes[self.r_zone[i]],
        )
