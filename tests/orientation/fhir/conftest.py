"""SDO FHIR fixtures: the world of the orientation tests, with API tokens and requests already sent."""

import json

import pytest
from django.conf import settings
from django.core.cache import cache

from relais.accounts.services import api_client_create
from relais.orientation.requests.services import admission_requests_send

SHARED_SDO = settings.REFERENCE_DIR / "examples" / "fhir" / "sdo"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://relais.example.org"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(db):
    """Bearer headers for a new API client of an organisation."""

    def make(organisation) -> dict:
        _, raw = api_client_create(actor=None, organisation=organisation, name="Logiciel de test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


@pytest.fixture
def sent(world):
    """The coordinator sent the person's requests to sites 0 and 1 (status 39)."""
    requests = admission_requests_send(
        actor=world.coordinator, person=world.person, sites_ranked=world.sites[:2], idempotency_key="k1"
    )
    world.requests = requests
    return world


def example(name: str) -> dict:
    return json.loads((SHARED_SDO / name).read_text(encoding="utf-8"))


def post_json(client, path: str, data: dict, headers: dict):
    return client.post(path, data=json.dumps(data), content_type="application/fhir+json", **headers)
