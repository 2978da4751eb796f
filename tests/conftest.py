"""Shared fixtures: organisations, users and actors built through the real services."""

import itertools

import pytest

from relais.accounts.actor import Actor
from relais.accounts.models import Organisation
from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import membership_add, organisation_create, user_create

from .once import ModuleData

PASSWORD = "mot-de-passe-de-test-42"
_counter = itertools.count(1)


def pytest_configure(config):
    # pytest-xdist declares this marker; without it (`-p no:xdist`) --strict-markers would refuse tests/scale's.
    config.addinivalue_line("markers", "xdist_group(name): run these tests in one pytest-xdist process")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Data built once per module (tests/once.py) is rolled back before a transactional test, built again before
    the next ordinary one: before the test's fixtures, so that its transaction encloses the test's savepoint."""
    ModuleData.before_test(item)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (scripts/test.sh) hands out whole test modules, not single tests; xdist_group still wins.

    xdist's own loadgroup makes each ungrouped test a unit of its own and deals them to the processes in turn, so
    both processes ran part of almost every module and built its module-scoped data twice (the access matrix's world,
    the demo territory of tests/demo) and the scheduler exchanged one message per test. A module per unit keeps each
    module in one process; the units go largest first (the access matrix), the small ones balance the end.
    """
    if config.getoption("dist", None) != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleScheduling(LoadGroupScheduling):
        units: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if nodeid.rfind("@") > nodeid.rfind("]"):  # an xdist_group: the group (as loadgroup does)
                return nodeid.split("@")[-1]
            if self.units is None:
                self.units = _module_units(next(iter(self.registered_collections.values())))
            return self.units.get(nodeid) or nodeid.split("::", 1)[0]

    return ModuleScheduling(config, log)


MODULE_UNIT_SIZE = 1000


def _module_units(nodeids) -> dict[str, str]:
    """Each test's unit: its module, cut into runs of MODULE_UNIT_SIZE consecutive tests.

    The access matrix (over 6,000 cells, the suite's largest module) would otherwise be one unit on one process; its
    runs go first (largest units) to both processes, one after another in each: its world is built once per process.
    """
    seen: dict[str, int] = {}
    units = {}
    for nodeid in nodeids:
        module = nodeid.split("::", 1)[0]
        n = seen.get(module, 0)
        seen[module] = n + 1
        units[nodeid] = f"{module}#{n // MODULE_UNIT_SIZE}"
    return units


def new_organisation(kind=OrganisationKind.ESMS, name=None, **fields) -> Organisation:
    return organisation_create(kind=kind, name=name or f"Organisation {next(_counter)}", **fields)


def new_member(organisation, role=Role.MEMBER, email=None, **fields):
    """A user with a membership; returns (user, actor)."""
    n = next(_counter)
    user = user_create(
        email=email or f"pro{n}@exemple.test",
        first_name="Camille",
        last_name=f"Test{n}",
        password=PASSWORD,
        **fields,
    )
    membership_add(actor=None, organisation=organisation, user=user, role=role)
    return user, Actor(organisation=organisation, role=role, user=user)


@pytest.fixture
def make_organisation(db):
    return new_organisation


@pytest.fixture
def make_member(db):
    """A user with a membership; returns (user, actor)."""
    return new_member


@pytest.fixture
def no_2fa(settings):
    settings.RELAIS_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def _empty_job_queue():
    """Tasks run at once under the tests (huey's immediate mode); retries a test left scheduled must not leak."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush()


@pytest.fixture(scope="session", autouse=True)
def _files_per_test_process(tmp_path_factory):
    """Uploaded files and the access log's key and heads in this process's own folder.

    Under pytest-xdist several test processes run at once, each with its own database: they must not share the
    signed heads of a chain (another database's heads would look like a rollback) nor each other's uploads.
    """
    from django.conf import settings

    root = tmp_path_factory.mktemp("relais-files")
    settings.MEDIA_ROOT = root / "media"
    settings.RELAIS_AUDIT_KEY_FILE = root / "audit" / "signing.key"
    settings.RELAIS_AUDIT_HEADS_FILE = root / "audit" / "heads.jsonl"
