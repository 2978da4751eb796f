"""The demo territory built once per test module, for the tests that only read it (or write inside their savepoint).

``demo_once(*args)`` makes a module-scoped fixture: ``demo_territory`` runs once, in a transaction rolled back after
the module's last test; each test runs in its own savepoint above it (pytest-django's ``db``), so what a test writes
(a second run of the command, a login) is gone for the next one. The fixture's value is the command's summary.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


def run_demo(*args) -> dict:
    out = io.StringIO()
    call_command("demo_territory", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def demo_once(*args, **settings):
    @pytest.fixture(scope="module")
    def demo(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), override_settings(**settings), transaction.atomic():
            yield run_demo(*args)
            transaction.set_rollback(True)

    return demo
