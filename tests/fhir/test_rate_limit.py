"""Anonymous reads of public types are rate-limited per IP address (settings.RELAIS_PUBLIC_RATE)."""

import pytest
from django.core.cache import cache

from relais.fhir.testing import fhir_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rate(settings):
    settings.RELAIS_PUBLIC_RATE = "3/m"
    cache.clear()


def test_public_reads_beyond_the_rate_answer_429(client, low_rate, make_organisation):
    organisation = make_organisation(name="MDPH")
    paths = ["/fhir/Organization", f"/fhir/Organization/relais-{organisation.pk}", "/fhir/Location"]
    for path in paths:  # one budget for every public type, search and read alike
        fhir_json(client.get(path))
    response = client.get("/fhir/HealthcareService")
    outcome = fhir_json(response, 429, "OperationOutcome")
    assert outcome["issue"][0]["code"] == "throttled" and "Trop de requêtes" in outcome["issue"][0]["diagnostics"]
    assert response.headers["Retry-After"] == "60"
    fhir_json(client.get("/fhir/Organization", REMOTE_ADDR="192.0.2.7"))  # another address has its own budget
    fhir_json(client.get("/fhir/metadata"))  # the CapabilityStatement is not counted


def test_authenticated_callers_are_not_limited(client, low_rate, make_organisation, make_token):
    token = make_token(make_organisation(name="ESMS"))
    for _ in range(5):
        fhir_json(client.get("/fhir/Organization", **token))


def test_the_rate_follows_the_setting(client, settings):
    settings.RELAIS_PUBLIC_RATE = "1/h"
    fhir_json(client.get("/fhir/Location"))
    assert fhir_json(client.get("/fhir/Location"), 429)["issue"][0]["code"] == "throttled"
    assert client.get("/fhir/Location").headers["Retry-After"] == "3600"
    del settings.RELAIS_PUBLIC_RATE  # not set: 120 a minute
    cache.clear()
    for _ in range(10):
        fhir_json(client.get("/fhir/Location"))
