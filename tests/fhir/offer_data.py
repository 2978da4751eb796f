"""Offer directory data for FHIR and ROR tests, created with the models directly.

FINESS numbers are in the 35990xxxx range, which no real establishment uses.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from django.utils import timezone

from relais.offer.codes import CareMode
from relais.offer.models import LegalEntity, Site, Unit
from relais.offer.services import category_ensure_reference
from relais.territory.models import Commune, Departement, Region

_numbers = itertools.count(100)


def finess() -> str:
    return f"35990{next(_numbers):04d}"


def rennes() -> Commune:
    region, _ = Region.objects.get_or_create(code="53", defaults={"name": "Bretagne"})
    departement, _ = Departement.objects.get_or_create(
        code="35", defaults={"name": "Ille-et-Vilaine", "region": region}
    )
    commune, _ = Commune.objects.get_or_create(
        insee_code="35238",
        defaults={"name": "Rennes", "departement": departement, "latitude": 48.11, "longitude": -1.68},
    )
    return commune


def legal_entity(name="Association Les Ajoncs", **fields) -> LegalEntity:
    fields.setdefault("finess", finess())
    return LegalEntity.objects.create(name=name, **fields)


def site(entity: LegalEntity, name="EHPAD Les Ajoncs", category="500", **fields) -> Site:
    category_ensure_reference()
    fields.setdefault("finess", finess())
    return Site.objects.create(legal_entity=entity, name=name, category_id=category, **fields)


def unit(site_: Site, name="Hébergement permanent", care_mode=CareMode.PERMANENT_ACCOMMODATION, **fields) -> Unit:
    return Unit.objects.create(site=site_, name=name, care_mode=care_mode, **fields)


def directory():
    """One EJ with an open EHPAD (two units, live figures) and a closed IME: (ej, ehpad, ime, units)."""
    commune = rennes()
    ej = legal_entity(siren="359900001", legal_status="60", postal_code="35000", city="Rennes", commune=commune)
    ehpad = site(
        ej,
        address_line="3 rue des Ajoncs",
        postal_code="35200",
        city="Rennes",
        commune=commune,
        latitude=48.0921,
        longitude=-1.6612,
        phone="02 99 00 00 01",
        email="accueil@ajoncs.example",
        siret="35990000100017",
    )
    ime = site(ej, name="IME La Rance", category="183", postal_code="22100", city="Dinan", is_open=False)
    updated = timezone.make_aware(datetime(2024, 7, 8, 18, 15))
    permanent = unit(
        ehpad,
        age_min=60,
        gir_min=1,
        gir_max=4,
        alzheimer_unit=True,
        authorised=40,
        installed=38,
        available=3,
        occupied=35,
        capacity_updated_at=updated,
        eligibility_zone=["35238", "35051"],
    )
    temporary = unit(ehpad, name="Hébergement temporaire", care_mode=CareMode.TEMPORARY_ACCOMMODATION, installed=4)
    day = unit(
        ime, name="Semi-internat", care_mode=CareMode.SEMI_INTERNAT, age_min=6, age_max=20, deficiencies=["autism"]
    )
    return ej, ehpad, ime, [permanent, temporary, day]
