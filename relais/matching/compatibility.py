"""Which (request, unit) pairs may be proposed: the compatibility rules, in one place.

A pair is compatible when all of these hold (decision 0016):

1. wish — the unit belongs to the site the request was sent to: Relais proposes only what the person asked for.
   A simulation's virtual place is the exception: it is open to every person of its zone who seeks its category
   (oriented to it, or asking a site of that category), since nobody could have asked for a place that does not exist;
2. category — the site's FINESS category is one of the person's oriented categories (no orientation: any);
3. care type — the unit's care mode is one of the person's oriented types of care (none: any);
4. age — the person's age is within the unit's age range (unknown age or bound: no limit);
5. public — the unit serves one of the person's deficiencies (either side empty: no limit);
6. GIR — the person's GIR is within the unit's GIR range (unknown GIR: no limit);
7. distance — the site is within ``Rules.max_km`` of the person's commune (``home_services_km`` for home
   services, which come to the person); unknown coordinates: no limit, as in the priority score;
8. places — the unit has at least one free place.

``incompatibility`` checks one pair and names the first rule that fails (the explanations use it);
``compatible_mask`` checks arrays of pairs at once (the engine uses it). Tests hold them equal.
"""

from __future__ import annotations

import numpy as np

from .instance import Request, Rules, Unit

EARTH_RADIUS_KM = 6371.0088  # as relais/offer/geo.py

REASONS = {
    "wish": "la personne n'a pas demandé cet établissement",
    "zone": "la personne ne réside pas dans la zone de la place",
    "seeks": "la personne ne cherche pas cette catégorie d'établissement",
    "category": "catégorie d'établissement hors de l'orientation",
    "care_mode": "type d'accueil hors de l'orientation",
    "age": "âge hors de la tranche d'âge de l'unité",
    "public": "public (déficience) non accompagné par l'unité",
    "gir": "niveau de dépendance (GIR) hors de la plage de l'unité",
    "distance": "établissement trop éloigné du domicile",
    "no_place": "aucune place libre",
}


def distance_km(lat1, lon1, lat2, lon2) -> float | None:
    """Haversine distance in km; ``None`` when a coordinate is unknown."""
    if None in (lat1, lon1, lat2, lon2):
        return None
    return float(distances_km(np.array([lat1]), np.array([lon1]), np.array([lat2]), np.array([lon2]))[0])


def distances_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine distances in km, element-wise; NaN where a coordinate is unknown."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def pair_distances_km(x, req: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """``distances_km`` for pairs of indices, with each point's trigonometry computed once (same formula)."""
    r_phi, u_phi = np.radians(x.r_lat), np.radians(x.u_lat)
    r_cos, u_cos = np.cos(r_phi), np.cos(u_phi)
    dphi = u_phi[unit] - r_phi[req]
    dlambda = np.radians(x.u_lon[unit] - x.r_lon[req])
    a = np.sin(dphi / 2) ** 2 + r_cos[req] * u_cos[unit] * np.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def limit_km(rules: Rules, care_mode: str) -> float | None:
    return rules.home_services_km if care_mode == rules.home_services_mode else rules.max_km


def incompatibility(request: Request, unit: Unit, rules: Rules, *, sought: frozenset[str] = frozenset()) -> str | None:
    """The key (in ``REASONS``) of the first rule the pair breaks, or ``None`` when compatible.

    ``sought``: for a virtual unit, the categories the person seeks over all their requests."""
    if unit.virtual:
        if unit.zone and unit.zone != request.zone:
            return "zone"
        if unit.category not in sought:
            return "seeks"
    elif unit.site_id != request.site_id:
        return "wish"
    if request.categories and unit.category not in request.categories:
        return "category"
    if request.care_modes and unit.care_mode and unit.care_mode not in request.care_modes:
        return "care_mode"
    if request.age is not None and not (
        (unit.age_min is None or unit.age_min <= request.age) and (unit.age_max is None or request.age <= unit.age_max)
    ):
        return "age"
    if request.deficiencies and unit.deficiencies and not request.deficiencies & unit.deficiencies:
        return "public"
    if request.gir is not None and not (
        (unit.gir_min is None or unit.gir_min <= request.gir) and (unit.gir_max is None or request.gir <= unit.gir_max)
    ):
        return "gir"
    limit = limit_km(rules, unit.care_mode)
    distance = distance_km(request.latitude, request.longitude, unit.latitude, unit.longitude)
    if limit is not None and distance is not None and distance > limit:
        return "distance"
    if unit.free <= 0:
        return "no_place"
    return None


def profile_mask(instance, req: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Rules 2 to 6 and 8 for arrays of pairs (request index, unit index); rule 1 is how the engine builds the
    pairs, rule 7 is ``distance_mask`` (computed on the pairs left, distances being the costly part)."""
    x = instance
    u_cat, u_mode = x.u_category[unit].astype(np.int64), x.u_mode[unit].astype(np.int64)
    r_cats, r_modes = x.r_categories[req], x.r_modes[req]
    ok = (r_cats == 0) | ((r_cats >> u_cat) & 1).astype(bool)
    any_mode = x.care_modes.index.get("")
    mode_ok = (r_modes == 0) | ((r_modes >> u_mode) & 1).astype(bool)
    if any_mode is not None:
        mode_ok |= u_mode == any_mode
    ok &= mode_ok
    age = x.r_age[req]
    ok &= (age < 0) | ((x.u_age_min[unit] <= age) & (age <= x.u_age_max[unit]))
    r_def, u_def = x.r_deficiencies[req], x.u_deficiencies[unit]
    ok &= (r_def == 0) | (u_def == 0) | ((r_def & u_def) != 0)
    gir = x.r_gir[req]
    ok &= (gir == 0) | ((x.u_gir_min[unit] <= gir) & (gir <= x.u_gir_max[unit]))
    ok &= x.u_free[unit] > 0
    return ok


def distance_mask(instance, unit: np.ndarray, distance: np.ndarray) -> np.ndarray:
    x, rules = instance, instance.rules
    u_mode = x.u_mode[unit]
    home = x.care_modes.index.get(rules.home_services_mode, -1)
    limits = np.full(len(unit), np.inf if rules.max_km is None else rules.max_km)
    if rules.home_services_km is not None:
        limits[u_mode == home] = rules.home_services_km
    elif home >= 0:
        limits[u_mode == home] = np.inf
    return ~(distance > limits)  # NaN (unknown) compares False: no limit
