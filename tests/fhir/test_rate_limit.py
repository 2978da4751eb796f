"""Anonymous reads of public types are rate-limited per IP address (settings.RELAIS_PUBLIC_RATE)."""

import time
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from django.core.cache import cache

from relais.fhir.testing import fhir_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def limiter_clock(monkeypatch):
    """The rate limiter's clock, held still by the test and moved only by it.

    django-ratelimit counts in fixed windows of the rate's length (a minute for "3/m"), each with its own cache key,
    from its own reading of the clock: reads that straddle the end of a window are counted in two windows, so the
    fourth read of a test could pass (seen once on PostgreSQL, whose requests are slower). Only the limiter's module
    sees this clock; the cache entries still expire in real time, a period and 5 s after they are written.
    """
    clock = SimpleNamespace(now=float(int(time.time())))
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


@pytest.fixture
def low_rate(settings, limiter_clock):
    settings.RELAIS_PUBLIC_RATE = "3/m"
    cache.clear()
    return limiter_clock


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
    low_rate.now += 60  # a minute later, the next window (whatever the clock's place in this one): a new budget
    fhir_json(client.get("/fhir/Location"))


def test_authenticated_callers_are_not_limited(client, low_rate, make_organisation, make_token):
    token = make_token(make_organisation(name="ESMS"))
    for _ in range(5):
        fhir_json(client.get("/fhir/Organization", **token))


def test_the_rate_follows_the_setting(client, settings, limiter_clock):
    settings.RELAIS_PUBLIC_RATE = "1/h"
    fhir_json(client.get("/fhir/Location"))
    assert fhir_json(client.get("/fhir/Location"), 429)["issue"][0]["code"] == "throttled"
    assert client.get("/fhir/Location").headers["Retry-After"] == "3600"
    del settings.RELAIS_PUBLIC_RATE  # not set: 120 a minute
    cache.clear()
    for _ in range(10):
        fhir_json(client.get("/fhir/Location"))
