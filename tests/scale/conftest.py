"""Fixtures of the scaling tests: a read replica configured as a TEST MIRROR of the test database."""

import copy
import types

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from config.db_router import REPLICA
from tests.orientation.conftest import land, world, world_once  # noqa: F401 (fixtures: a territory with admission requests)


@pytest.fixture
def replica(transactional_db, django_db_blocker):
    """A "replica" alias mirroring "default" (what settings do with DATABASE_REPLICA_URL under the tests): its own
    connection to the test database, so it sees committed data only, like a streaming replica without lag. Added for
    one test and removed after it (the rest of the suite runs without a replica); committed data needs
    transaction=True, hence transactional_db."""
    settings_dict = copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS])
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings[REPLICA] = settings_dict
    wrapper = connections[REPLICA]
    # Django's test case refuses connections to aliases it was not told about, and pytest-django tells it its databases
    # before this fixture can add one: this one connection gets the real ensure_connection back.
    real = django_db_blocker._real_ensure_connection
    assert real is not None, "pytest-django changed: find the real ensure_connection elsewhere"
    wrapper.ensure_connection = types.MethodType(real, wrapper)
    try:
        yield wrapper
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def replica_alias_only():
    """The "replica" alias declared but never connected: enough for the router's decisions, on any database."""
    connections.settings[REPLICA] = copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS])
    yield REPLICA
    del connections.settings[REPLICA]


def pytest_collection_modifyitems(items):
    """The tests using the local Redis (fixed database numbers) run in one pytest-xdist process, one after another.

    The backup and restore tests join them, before them as in a one-process run: they count the other sessions on the
    test database, and under pytest-xdist a session left idle on it by an earlier test of the same process (seen after
    tests/scale ran first) made them refuse the restore. The group, the largest unit, starts in a fresh process.
    """
    for item in items:
        if item.nodeid.startswith(("tests/scale/", "tests/operations/")):
            item.add_marker(pytest.mark.xdist_group("redis"))
