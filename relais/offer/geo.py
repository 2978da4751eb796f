"""Pure geometry for the offer search: great-circle distances and bounding boxes. No database, no Django.

Distances are on a sphere of the mean Earth radius (IUGG): haversine is exact on the sphere and within
0.5 % of the ellipsoid, far below the precision of FINESS coordinates and of a "distance from here".
"""

from __future__ import annotations

import math
from collections.abc import Iterable

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180  # ≈ 111.2 km


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS84 points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class Haversine:
    """Distances from one fixed origin, with its trigonometry computed once (the search's inner loop)."""

    __slots__ = ("cos_phi0", "lat0", "lon0", "phi0")

    def __init__(self, lat: float, lon: float):
        self.lat0, self.lon0 = lat, lon
        self.phi0 = math.radians(lat)
        self.cos_phi0 = math.cos(self.phi0)

    def km(self, lat: float, lon: float) -> float:
        phi = math.radians(lat)
        a = (
            math.sin((phi - self.phi0) / 2) ** 2
            + self.cos_phi0 * math.cos(phi) * math.sin(math.radians(lon - self.lon0) / 2) ** 2
        )
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) containing every point within radius_km of (lat, lon).

    The longitude half-width uses the latitude of the box edge nearest a pole, where a degree of longitude
    is shortest, so the box always contains the circle. Near a pole, or across the antimeridian, the
    longitude range is the whole circle (a wider prefilter, never a missed point).
    """
    dlat = radius_km / KM_PER_DEGREE_LAT
    lat_min, lat_max = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(lat_min), abs(lat_max))
    if widest >= 89.9:
        return lat_min, lat_max, -180.0, 180.0
    dlon = radius_km / (KM_PER_DEGREE_LAT * math.cos(math.radians(widest)))
    if dlon >= 180 or lon - dlon < -180 or lon + dlon > 180:
        return lat_min, lat_max, -180.0, 180.0
    return lat_min, lat_max, lon - dlon, lon + dlon


def centroid(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """Mean of (lat, lon) points (fine for the few neighbouring communes of a postcode); None if empty."""
    points = list(points)
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """The point on the unit sphere (x, y, z): Euclidean distances there are chords of great circles."""
    phi, lam = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def chord_for_km(radius_km: float) -> float:
    """The straight-line (chord) distance on the unit sphere matching a great-circle distance in km."""
    return 2 * math.sin(min(math.pi, radius_km / EARTH_RADIUS_KM) / 2)


def round_km(distance_km: float) -> float:
    """Distances are shown and compared to 0.1 km: two sites at the same rounded distance are tied."""
    return round(distance_km + 1e-9, 1)
