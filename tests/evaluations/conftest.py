"""Fixtures of the evaluations tests: the synthetic care circle of the pathway tests, AGGIR answers, a small
second grid loaded from JSON only (no code) to prove the form engine."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.pathway.fhir.circle import build_circle


@pytest.fixture(autouse=True)
def evaluation_settings(settings):
    settings.RELAIS_REQUIRE_2FA = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def forms(db):
    """The shipped grids. The data migration loads AGGIR, but a transactional test elsewhere in the session
    flushes the tables: reload them through the command (idempotent)."""
    call_command("load_forms", stdout=io.StringIO())


@pytest.fixture
def world(forms):
    return build_circle()
