"""Shared by the offer search tests: a small hand-made geography of Corse-du-Sud and a site factory.

The fixtures `geography` and `make_site` (tests/offer/conftest.py) are built on these.
"""

import itertools
import math
from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone

from relais.offer.codes import CareMode, Domain
from relais.offer.geo import EARTH_RADIUS_KM
from relais.offer.models import Category, LegalEntity, Site, Unit
from relais.offer.search_criteria import search_criteria_parse
from relais.offer.selectors import offer_search
from relais.offer.services import category_ensure_reference
from relais.territory.models import Commune, Departement, PostalCode, Region

AJACCIO = (41.9263, 8.7376)
_finess = itertools.count(1)
M = CareMode


def haversine(lat1, lon1, lat2, lon2) -> float:
    """Written again here, independently of relais.offer.geo, to check the search against."""
    p1, p2, dp, dl = map(math.radians, (lat1, lat2, lat2 - lat1, lon2 - lon1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def point_at(origin, km: float, bearing_deg: float = 90.0) -> tuple[float, float]:
    """The point at `km` along a bearing from origin (spherical destination formula)."""
    lat1, lon1, b = math.radians(origin[0]), math.radians(origin[1]), math.radians(bearing_deg)
    d = km / EARTH_RADIUS_KM
    lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(b))
    lon2 = lon1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(lat1), math.cos(d) - math.sin(lat1) * math.sin(lat2))
    return math.degrees(lat2), math.degrees(lon2)


def build_geography() -> Departement:
    """Four communes of Corse-du-Sud (one without coordinates) and their postcodes; 20167 has two communes."""
    region = Region.objects.create(code="94", name="Corse")
    dep = Departement.objects.create(code="2A", name="Corse-du-Sud", region=region)
    rows = [
        ("2A004", "Ajaccio", 70000, *AJACCIO, ["20000", "20090"]),
        ("2A017", "Alata", 3000, 41.97, 8.74, ["20167"]),
        ("2A014", "Afa", 3000, 41.99, 8.80, ["20167"]),
        ("2A247", "Porto-Vecchio", 11000, 41.5912, 9.2795, ["20137"]),
        ("2A999", "Sans-Position", 10, None, None, ["20999"]),
    ]
    for code, name, population, lat, lon, postcodes in rows:
        commune = Commune.objects.create(
            insee_code=code, name=name, departement=dep, population=population, latitude=lat, longitude=lon
        )
        for postcode in postcodes:
            PostalCode.objects.create(code=postcode, commune=commune)
    category_ensure_reference()
    Category.objects.create(code="355", label="Centre Hospitalier (C.H.)", domain=Domain.HEALTH)
    return dep


def site_factory():
    """make(name, (lat, lon) | None, category=…, units=[{unit fields}], …) -> Site, all under one legal entity."""
    legal_entity = LegalEntity.objects.create(finess="2A9800000", name="Association Test")

    def make(name="Site", at=AJACCIO, *, category="500", units=(), is_open=True, update_days=7, commune="2A004"):
        latitude, longitude = at if at is not None else (None, None)
        site = Site.objects.create(
            finess=f"2A98{next(_finess):05d}",
            name=name,
            legal_entity=legal_entity,
            category_id=category,
            latitude=latitude,
            longitude=longitude,
            commune_id=commune,
            is_open=is_open,
            capacity_update_days=update_days,
        )
        for i, fields in enumerate(units):
            fields = {"name": f"Unité {i + 1}", "care_mode": M.PERMANENT_ACCOMMODATION, **fields}
            fields.setdefault("installed", max(10, fields.get("available", 0)))
            fields.setdefault("capacity_updated_at", timezone.now() - timedelta(days=1))
            Unit.objects.create(site=site, **fields)
        return site

    return make


def search(**params) -> list:
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [str(value)])
    return offer_search(search_criteria_parse(data)).results


def names(results) -> list[str]:
    return [r.site.name for r in results]
