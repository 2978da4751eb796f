"""Fixtures of the agenda tests: the synthetic care circle of the pathway tests, the nurse's agenda with slots."""

from datetime import time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from relais.agenda.models import SlotKind
from relais.agenda.services import agenda_create, opening_create
from tests.once import module_data
from tests.pathway.fhir.circle import build_circle

VIDEO = "https://visio.exemple.test/salle/infirmiere-42"


@pytest.fixture(autouse=True)
def agenda_settings(settings):
    settings.SITE_URL = "https://relais.example.org"
    settings.RELAIS_REQUIRE_2FA = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def world_once(request, django_db_setup, django_db_blocker):
    """The world, built once per test module (tests/once.py; again for a transactional test, and after it)."""
    yield from module_data(request, django_db_blocker, build_world)


@pytest.fixture
def world(world_once, db):
    """A fresh copy of the module's world, or one built for this test alone when it is transactional."""
    return world_once.fresh() if world_once.open else build_world()


def build_world():
    """The circle, and the nurse's agenda: teleconsultations every day-of-tomorrow's weekday, 9:00-11:00, 30 min."""
    world = build_circle()
    nurse = world.subjects["health_care_team"].actor
    world.nurse = nurse
    world.gp = world.subjects["health_consent"].actor
    world.agenda = agenda_create(actor=nurse)
    tomorrow = timezone.localdate() + timedelta(days=1)
    world.opening = opening_create(
        actor=nurse,
        agenda=world.agenda,
        weekday=tomorrow.weekday(),
        start_time=time(9, 0),
        end_time=time(11, 0),
        duration_minutes=30,
        kind=SlotKind.TELECONSULTATION,
        video_link=VIDEO,
        first_day=tomorrow,
        last_day=tomorrow + timedelta(days=13),
    )
    world.slots = list(world.agenda.slots.order_by("start"))
    return world


@pytest.fixture
def as_subject(client):
    def login(subject):
        client.logout()
        if subject.actor is not None:
            client.force_login(subject.user)
        return client

    return login
