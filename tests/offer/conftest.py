"""Fixtures of the offer tests: a small geography and a site factory (see search_support.py)."""

import pytest

from .search_support import build_geography, site_factory


@pytest.fixture
def geography(db):
    return build_geography()


@pytest.fixture
def make_site(geography):
    return site_factory()
