"""A small synthetic area around Ajaccio for the sending screen's tests (views, selectors, browser): communes with
coordinates and postcodes, MAS / EAM / EHPAD sites at known distances, units with fresh or stale figures, a person
living in Ajaccio with a CDAPH decision for a MAS in permanent accommodation, followed by the MDPH."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from relais.offer.models import Category, LegalEntity, Site, Unit
from relais.orientation.admission.services import admission_file_open
from relais.orientation.decisions.models import DecisionKind, OrientationDecision
from relais.orientation.requests.models import AdmissionRequest
from relais.persons.models import Person
from relais.territory.models import Commune, Departement, PostalCode, Region

# (INSEE, name, postcode, latitude, longitude)
COMMUNES = [
    ("2A004", "Ajaccio", "20000", 41.9192, 8.7386),
    ("2A006", "Alata", "20167", 41.9710, 8.7440),
    ("2A130", "Grosseto-Prugna", "20128", 41.8650, 8.8000),
    ("2A272", "Sartène", "20100", 41.6214, 8.9747),
]


def _site(entity, n, name, category, commune, *, north_km=0.0):
    insee, town, postcode, lat, lon = commune
    return Site.objects.create(
        finess=f"2A00001{n:02d}", name=name, legal_entity=entity, category=category, city=town.upper(),
        postal_code=postcode, commune_id=insee, latitude=lat + north_km / 111.2, longitude=lon,
    )  # fmt: skip


def _unit(site, mode="permanent_accommodation", *, available=0, installed=10, days_ago=1, **ages):
    updated = timezone.now() - timedelta(days=days_ago) if days_ago is not None else None
    return Unit.objects.create(
        site=site, name="Hébergement" if mode == "permanent_accommodation" else "Accueil de jour", care_mode=mode,
        authorised=installed, installed=installed, available=available, capacity_updated_at=updated, **ages,
    )  # fmt: skip


def build_area(*, mdph, birth_date, with_address=True):
    """The area, the person and the decision; ``mdph`` is the MDPH officer's actor."""
    region = Region.objects.get_or_create(code="94", defaults={"name": "Corse"})[0]
    Departement.objects.get_or_create(code="2A", defaults={"name": "Corse-du-Sud", "region": region})
    for insee, name, postcode, lat, lon in COMMUNES:
        Commune.objects.get_or_create(
            insee_code=insee,
            defaults={"name": name, "departement_id": "2A", "population": 1000, "latitude": lat, "longitude": lon},
        )
        PostalCode.objects.get_or_create(code=postcode, commune_id=insee)
    mas = Category.objects.get_or_create(code="255", defaults={"label": "MAS", "domain": "disabled_adults"})[0]
    eam = Category.objects.get_or_create(code="448", defaults={"label": "EAM", "domain": "disabled_adults"})[0]
    ehpad = Category.objects.get_or_create(code="500", defaults={"label": "EHPAD", "domain": "older_people"})[0]
    entity = LegalEntity.objects.create(finess="2A0000017", name="Association Corse Accueil")
    ajaccio, alata, grosseto, sartene = COMMUNES
    area = SimpleNamespace()
    area.mas_near = _site(entity, 1, "MAS A Casa", mas, ajaccio, north_km=0.5)
    area.mas_alata = _site(entity, 2, "MAS U Ventu", mas, alata)
    area.mas_prugna = _site(entity, 3, "MAS Prugna", mas, grosseto)
    area.eam_day = _site(entity, 4, "EAM Les Oliviers", eam, ajaccio, north_km=1.0)
    area.ehpad = _site(entity, 5, "EHPAD Le Golfe", ehpad, ajaccio, north_km=0.2)
    area.mas_young = _site(entity, 6, "MAS Jeunes Adultes", mas, ajaccio, north_km=1.5)
    area.mas_far = _site(entity, 7, "MAS Sartène", mas, sartene)
    _unit(area.mas_near, available=3)
    _unit(area.mas_alata, available=2, days_ago=30)  # older than its 7 days: « à confirmer », not a free place
    _unit(area.mas_prugna, available=0)
    _unit(area.eam_day, "day_care", available=4)
    _unit(area.ehpad, available=5, age_min=60)
    _unit(area.mas_young, available=1, age_max=25)
    _unit(area.mas_far, available=1)
    person = Person.objects.create(
        family_name="Santoni", first_names="Lisandru", birth_date=birth_date, sex="M",
        address="2 cours Napoléon" if with_address else "", postal_code="20000" if with_address else "",
        city="Ajaccio" if with_address else "",
    )  # fmt: skip
    admission_file_open(actor=mdph, person=person)
    area.person = person
    area.decision = OrientationDecision.objects.create(
        person=person, kind=DecisionKind.MDPH, mdph_decision_id="CDAPH-2A-0041", organisation=mdph.organisation,
        validity_end=timezone.localdate() + timedelta(days=365), categories=["255"],
        care_types=["permanent_accommodation"],
    )  # fmt: skip
    # Two other persons wait for the nearest MAS: its waiting list is 2 long.
    for n in range(2):
        other = Person.objects.create(family_name=f"Autre{n}", first_names="Test", birth_date=birth_date, sex="F")
        AdmissionRequest.objects.create(person=other, site=area.mas_near, wish_rank=1, status="42", created_by="test")
    return area
