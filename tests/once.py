"""Test data built once per module and given to each test as a fresh copy: Django's ``setUpTestData`` for pytest.

``ModuleData(build, django_db_blocker)`` (made by a module-scoped fixture) runs ``build()`` inside a transaction
opened before the module's first test and rolled back after its last one. Each test runs in its own savepoint above
it (pytest-django's ``db``), so it starts from exactly what ``build()`` wrote, whatever the tests before it did. Each
test gets ``fresh()``: a deep copy of what ``build()`` returned (one copy for the whole value, so objects shared
inside it stay shared), as Django's TestCase copies its class-level test data: a test that changes an object in
memory, or adds an attribute to the value, changes only its own copy.

Transactional tests (``django_db(transaction=True)``, ``transactional_db``, ``live_server``) must see committed data
and run outside any transaction: before such a test (``pytest_runtest_setup`` in tests/conftest.py calls
``before_test``), the module's transaction is rolled back and the fixture builds the data for that test alone, as
before; the next ordinary test of the module builds it once more. The transaction must be opened before ``db``'s
savepoint, hence here and in the hook, never from a function-scoped fixture (pytest sets those up after ``db``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

TRANSACTIONAL_FIXTURES = ("transactional_db", "live_server", "django_db_reset_sequences")


def is_transactional(item: pytest.Item) -> bool:
    """What pytest-django's ``_django_db_helper`` reads to choose TransactionTestCase."""
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        args = dict(zip(("transaction", "reset_sequences"), marker.args, strict=False)) | marker.kwargs
        if args.get("transaction") or args.get("reset_sequences"):
            return True
    return any(name in getattr(item, "fixturenames", ()) for name in TRANSACTIONAL_FIXTURES)


class ModuleData:
    """See the module's docstring. ``active`` holds the instances whose transaction is open (one module at a time
    per process; a list so that two such fixtures in one module nest and close in reverse order)."""

    active: list[ModuleData] = []
    current_item: pytest.Item | None = None

    def __init__(self, build: Callable[[], Any], blocker, fixture_name: str):
        self.build, self.blocker, self.fixture_name = build, blocker, fixture_name
        self._atomic = None
        self._value = None

    @property
    def open(self) -> bool:
        return self._atomic is not None

    def enter(self) -> None:
        if self._atomic is not None:
            return
        with self.blocker.unblock():
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            ModuleData.active.append(self)
            try:
                self._value = self.build()
            except BaseException:
                self.leave()
                raise

    def leave(self) -> None:
        if self._atomic is None:
            return
        assert ModuleData.active[-1] is self, "module data left out of order"
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic, self._atomic, self._value = self._atomic, None, None
            ModuleData.active.pop()
            atomic.__exit__(None, None, None)

    def fresh(self) -> Any:
        assert self._atomic is not None, "module data read by a transactional test"
        return copy.deepcopy(self._value)

    @classmethod
    def before_test(cls, item: pytest.Item) -> None:
        """Called before each test's fixtures are set up: close the module's transaction for a transactional test,
        reopen it (building again) for an ordinary test that uses the data."""
        cls.current_item = item
        if is_transactional(item):
            for data in reversed(cls.active):
                data.leave()
            return
        for data in cls._instances_of(item):
            if not data.open and data.fixture_name in item.fixturenames:
                data.enter()

    _by_module: dict[Any, list[ModuleData]] = {}

    @classmethod
    def _instances_of(cls, item: pytest.Item) -> list[ModuleData]:
        return cls._by_module.get(item.module, []) if hasattr(item, "module") else []


def module_data(request, django_db_blocker, build: Callable[[], Any]):
    """The body of a module-scoped fixture: ``yield from module_data(request, django_db_blocker, build)``."""
    data = ModuleData(build, django_db_blocker, request.fixturename)
    module = request.module
    ModuleData._by_module.setdefault(module, []).append(data)
    item = ModuleData.current_item
    if item is None or not is_transactional(item):
        data.enter()
    try:
        yield data
    finally:
        # The module's last test has been torn down (its savepoint is gone): roll the module's data back.
        data.leave()
        ModuleData._by_module[module].remove(data)
