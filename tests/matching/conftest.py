"""The orientation ``world`` (re-exported) and a waiting list on top of it for the matching services and views."""

from datetime import date
from types import SimpleNamespace

import pytest

from relais.offer.models import Unit
from relais.offer.services import category_ensure_reference
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.requests.services import admission_request_transition, admission_requests_send
from relais.persons.services import person_create
from relais.territory.models import Commune, Departement, Region
from tests.orientation.conftest import world, world_once  # noqa: F401

BREST = (48.390, -4.486)
QUIMPER = (47.996, -4.102)


@pytest.fixture
def waiting(world):  # noqa: F811
    """Units A (site 0) and B (site 1), one free place each, in Brest. Persons (Quimper): P0 critical, wishes sites
    0 then 1; P1 urgent, wishes site 0; P2 no urgency, wishes site 0. All requests on the waiting list (42)."""
    category_ensure_reference()
    region = Region.objects.create(code="53", name="Bretagne")
    finistere = Departement.objects.create(code="29", name="Finistère", region=region)
    brest = Commune.objects.create(insee_code="29019", name="Brest", departement=finistere, latitude=BREST[0],
                                   longitude=BREST[1])  # fmt: skip
    quimper = Commune.objects.create(insee_code="29232", name="Quimper", departement=finistere,
                                     latitude=QUIMPER[0], longitude=QUIMPER[1])  # fmt: skip
    for site in world.sites:
        site.category_id, site.commune, (site.latitude, site.longitude) = "500", brest, BREST
        site.save()
    unit_a = world.unit
    Unit.objects.filter(pk=unit_a.pk).update(installed=10, available=1, occupied=9)
    unit_b = Unit.objects.create(site=world.sites[1], name="Hébergement B", care_mode="permanent_accommodation",
                                 installed=10, available=1, occupied=9)  # fmt: skip
    persons = [world.person]
    for n, name in enumerate(("Morvan", "Kerbrat"), start=1):
        persons.append(
            person_create(
                actor=world.coordinator,
                ground="test",
                family_name=name,
                first_names="Anne",
                birth_date=date(1940, 1, n),
                sex="F",
            )
        )
    urgencies = (3, 2, 0)
    wishes = ([0, 1], [0], [0])
    requests = []
    for person, urgency, sites in zip(persons, urgencies, wishes, strict=True):
        AdmissionFile.objects.create(person=person, urgency=urgency, urgency_reason="rupture" if urgency > 1 else "",
                                     commune=quimper)  # fmt: skip
        sent = admission_requests_send(
            actor=world.coordinator,
            person=person,
            sites_ranked=[world.sites[i] for i in sites],
            idempotency_key=f"k{person.pk}",
        )
        for request in sent:
            staff = world.staff[world.sites.index(request.site)]
            for target in ("40", "42"):
                request = admission_request_transition(actor=staff, request=request, target=target)
            requests.append(request)
    unit_a.refresh_from_db()
    return SimpleNamespace(world=world, unit_a=unit_a, unit_b=unit_b, persons=persons, requests=requests,
                           finistere=finistere)  # fmt: skip
