"""Fixtures of the messaging tests: the synthetic care circle of the pathway tests, files in a temporary folder."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.pathway.fhir.circle import build_circle

PDF = b"%PDF-1.4\n% synthetic test file\n"


@pytest.fixture(autouse=True)
def messaging_settings(settings, tmp_path):
    settings.RELAIS_REQUIRE_2FA = False
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://relais.example.org"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    return build_circle()


@pytest.fixture
def login(client):
    def log(actor):
        client.logout()
        if actor is not None:
            client.force_login(actor.user)
        return client

    return log


def pdf(name="compte-rendu.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")
