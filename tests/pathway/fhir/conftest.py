"""Fixtures of the pathway FHIR tests: the synthetic circle, a logged-in client per subject, the ANS examples."""

import json

import pytest
from django.conf import settings
from django.core.cache import cache

from ...once import module_data
from .circle import build_circle

SITE_URL = "https://relais.example.org"
ANS = settings.REFERENCE_DIR / "examples" / "fhir" / "coordination"


@pytest.fixture(autouse=True)
def fhir_settings(settings):
    settings.SITE_URL = SITE_URL
    settings.RELAIS_REQUIRE_2FA = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def world_once(request, django_db_setup, django_db_blocker):
    """The circle, built once per test module (tests/once.py)."""
    yield from module_data(request, django_db_blocker, build_circle)


@pytest.fixture
def world(world_once, db):
    """A fresh copy of the module's circle, or one built for this test alone when it is transactional."""
    return world_once.fresh() if world_once.open else build_circle()


@pytest.fixture
def as_subject(client):
    """A test client logged in as a subject of the circle (a session acts for the subject's organisation)."""

    def login(subject):
        client.logout()
        if subject.actor is not None:
            client.force_login(subject.user)
        return client

    return login


def ans(name: str) -> dict:
    return json.loads((ANS / name).read_text(encoding="utf-8"))


def post(client, path: str, data: dict):
    return client.post(path, data=json.dumps(data), content_type="application/fhir+json")
