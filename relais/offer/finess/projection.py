"""Projected FINESS coordinates (etalab extract) to WGS84, vectorised with pyproj.

The etalab extract gives `coordxet/coordyet` in the projection of each territory and names it in
`sourcecoordet`, either as an EPSG code (recent extracts: "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93
(Métropole)") or as a legacy token (older extracts: "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93").
When it names none, the projection of the site's département is used. See docs/decisions/0008-finess-import.md.
"""

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
from pyproj import Transformer


@dataclass(frozen=True)
class Zone:
    name: str
    epsg: int  # the projection FINESS uses there
    # Plausible WGS84 box (lat_min, lat_max, lon_min, lon_max): a point outside means a wrong projection.
    box: tuple[float, float, float, float]

    def contains(self, latitude: float, longitude: float) -> bool:
        lat_min, lat_max, lon_min, lon_max = self.box
        return lat_min <= latitude <= lat_max and lon_min <= longitude <= lon_max


METROPOLE = Zone("France métropolitaine", 2154, (41.0, 51.6, -5.8, 10.0))  # RGF93 v1 / Lambert-93
ANTILLES = Zone("Antilles", 5490, (14.3, 18.2, -63.3, -60.7))  # RGAF09 / UTM 20N
GUYANE = Zone("Guyane", 2972, (1.9, 6.0, -54.8, -51.4))  # RGFG95 / UTM 22N
REUNION = Zone("La Réunion", 2975, (-21.5, -20.8, 55.1, 56.0))  # RGR92 / UTM 40S
MAYOTTE = Zone("Mayotte", 4471, (-13.1, -12.5, 44.9, 45.4))  # RGM04 / UTM 38S
SAINT_PIERRE = Zone("Saint-Pierre-et-Miquelon", 4467, (46.7, 47.2, -56.6, -56.0))  # RGSPM06 / UTM 21N

# Overseas départements by FINESS code (9A…9F) and by INSEE code; 977/978 were communes of Guadeloupe.
OVERSEAS_ZONES = {
    "9A": ANTILLES,
    "971": ANTILLES,
    "977": ANTILLES,
    "978": ANTILLES,
    "9B": ANTILLES,
    "972": ANTILLES,
    "9C": GUYANE,
    "973": GUYANE,
    "9D": REUNION,
    "974": REUNION,
    "9E": SAINT_PIERRE,
    "975": SAINT_PIERRE,
    "9F": MAYOTTE,
    "976": MAYOTTE,
}
# Projections accepted when `sourcecoordet` names them, with the zone each one covers.
EPSG_ZONES = {
    2154: METROPOLE,
    5490: ANTILLES,
    4559: ANTILLES,  # RRAF 1991 / UTM 20N (older Antilles datum)
    32620: ANTILLES,
    2972: GUYANE,
    32622: GUYANE,
    2975: REUNION,
    32740: REUNION,
    4471: MAYOTTE,
    32738: MAYOTTE,
    4467: SAINT_PIERRE,
    32621: SAINT_PIERRE,
}
LEGACY_TOKENS = {
    "LAMBERT_93": 2154,
    "UTM_N20": 5490,
    "UTM_N21": 4467,
    "UTM_N22": 2972,
    "UTM_S38": 4471,
    "UTM_S40": 2975,
}
EPSG_RE = re.compile(r"EPSG\s*:?\s*([0-9]{4,5})", re.IGNORECASE)
LEGACY_RE = re.compile("|".join(LEGACY_TOKENS), re.IGNORECASE)
MAINLAND_RE = re.compile(r"0[1-9]|[1-8][0-9]|9[0-5]|2[AB]")

UNKNOWN_PROJECTION = "projection des coordonnées inconnue"
OUTSIDE_ZONE = "coordonnées hors de la zone attendue"


def zone_of_departement(departement: str) -> Zone | None:
    if departement in OVERSEAS_ZONES:
        return OVERSEAS_ZONES[departement]
    if MAINLAND_RE.fullmatch(departement):
        return METROPOLE
    return None  # other overseas collectivities (Wallis-et-Futuna, Polynesia…): no projection known


def choose(source: str, departement: str) -> tuple[int | None, Zone | None]:
    """(EPSG code, zone to check the result against); EPSG None when no supported projection applies."""
    home = zone_of_departement(departement)
    match = EPSG_RE.search(source)
    if match:
        epsg = int(match.group(1))
        if epsg not in EPSG_ZONES:
            return None, home
        return epsg, home or EPSG_ZONES[epsg]
    match = LEGACY_RE.search(source)
    if match:
        epsg = LEGACY_TOKENS[match.group(0).upper()]
        return epsg, home or EPSG_ZONES[epsg]
    if home is None:
        return None, None
    return home.epsg, home


@cache
def transformer(epsg: int) -> Transformer:
    """Built once per projection; always_xy: (easting, northing) in, (longitude, latitude) out."""
    return Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)


def to_wgs84(epsg: int, xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """(latitudes, longitudes) rounded to 6 decimals (about 0.1 m) so re-imports compare equal."""
    longitudes, latitudes = transformer(epsg).transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    return np.round(latitudes, 6).tolist(), np.round(longitudes, 6).tolist()
