"""Browser tests: Playwright's Python package driving Debian's Chromium, headless (see docs/decisions/0006).

Playwright's sync API runs an asyncio event loop in the test thread, and Django refuses ORM calls
from a thread with a running loop; the tests call the ORM (fixtures, live server in the same process)
only while the browser waits, so the check is turned off for this test session.
"""

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from . import demo_snapshot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole session; a missing browser is a failure, never a skip."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}: run `bash scripts/ensure-chromium.sh` "
            "(apt-get install chromium). Playwright's own browser download is not used.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _geography_sources_read_once() -> Iterator[None]:
    """Parse the read-only geography sources (COG JSON, compressed coordinates) once per session.

    The live server flushes the database after every test, so each test runs `demo_territory` for real;
    only this pure, file-reading step (about a second) is memoised.
    """
    from relais.territory import services

    read = services.read_geography
    cache_: dict = {}

    def read_once(*, departements=None, **kwargs):
        key = (frozenset(departements) if departements is not None else None, tuple(sorted(kwargs.items())))
        if key not in cache_:
            cache_[key] = read(departements=departements, **kwargs)
        return cache_[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "read_geography", read_once)
        yield


@pytest.fixture
def demo_territory(_geography_sources_read_once, transactional_db, settings) -> None:
    """The real demo territory of Corse-du-Sud, two-factor off (a test may turn it on), fresh rate limits.

    Built by the command once per test process and day, then copied back for each test (demo_snapshot.py)."""
    settings.RELAIS_REQUIRE_2FA = False
    cache.clear()
    today = timezone.localdate()  # the demo is built relative to the local day
    if not demo_snapshot.restore(today):
        call_command(
            "demo_territory", "--seed", "1", "--scale", "departement", "--departement", "2A", stdout=io.StringIO()
        )
        demo_snapshot.take(today)


@pytest.fixture
def make_context(browser, live_server):
    """Fresh browser contexts (no cookies) on the live server, closed after the test.

    bypass_csp=True lets a test inject axe-core despite our CSP; the CSP checks use bypass_csp=False.
    """
    contexts = []

    def make(*, bypass_csp: bool = True, width: int = 1280, height: int = 800):
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            viewport={"width": width, "height": height},
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(make_context):
    return make_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each browser test logs several users in from 127.0.0.1: start every test with empty rate-limit counters."""
    cache.clear()
    yield
    cache.clear()
