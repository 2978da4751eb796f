"""In a real browser, under the real CSP: a family searches the demo territory, sees the results on a map (Leaflet),
opens a marker's popup and follows it to the site's page, which says what to do next (decision 0037)."""

import re

import pytest
from playwright.sync_api import expect

from relais.offer.models import Site

from .test_browser import CSP_LISTENER, describe, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo_territory")]
SEARCH = "/offre/?lieu=Ajaccio&radius_km=30"


def watch(page, live_server) -> dict:
    seen = {"requests": [], "failed": [], "console": [], "errors": []}
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("requestfailed", lambda request: seen["failed"].append(request.url))
    page.on("console", lambda message: seen["console"].append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    return seen


def assert_clean(page, seen, live_server) -> None:
    foreign = [url for url in seen["requests"] if not url.startswith(live_server.url + "/")]
    assert not foreign, f"requests to another server: {foreign}"
    assert not seen["failed"], seen["failed"]
    assert not seen["errors"], seen["errors"]
    assert not [line for line in seen["console"] if line.startswith("error")], seen["console"]
    assert page.evaluate("window.__cspViolations") == []


def test_markers_open_their_popup_and_lead_to_the_site_page(make_context, live_server, screenshots):
    context = make_context(bypass_csp=False)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    seen = watch(page, live_server)
    page.goto(SEARCH)
    expect(page.locator(".offer-count")).to_contain_text("à moins de 30 km de Ajaccio (20000)")
    results = page.locator(".offer-results > li")
    located = Site.objects.filter(is_open=True, latitude__isnull=False).count()
    assert located, "the demo territory has located sites"
    expect(results.first).to_be_visible()
    markers = page.locator("#carte .leaflet-marker-icon")
    expect(markers.first).to_be_attached()
    mapped = int(page.locator("#carte").get_attribute("data-markers"))
    assert 0 < mapped <= results.count() <= 50
    expect(markers).to_have_count(mapped)
    expect(page.locator("#carte")).to_have_class(re.compile("offer-map-blank"))  # no tile server: a plain background
    expect(page.locator("#carte .leaflet-tile")).to_have_count(0)

    # A marker's popup: the name, the free places, a link to the site's page. Sites often share a point (FINESS
    # geocodes to the commune's centre): the marker on top of the clicked pile answers, one of the list's.
    titles = {markers.nth(i).get_attribute("title") for i in range(mapped)}
    markers.last.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    name = popup.locator("a").inner_text()
    assert name in titles
    expect(page.locator(".offer-results h3 a", has_text=name)).to_be_visible()
    expect(popup).to_contain_text(re.compile(r"place libre|places libres|à confirmer|Aucune"))
    page.screenshot(path=screenshots / "public-map.png", full_page=True)
    popup.get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(r"/offre/etablissement/\w+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_role("heading", name=re.compile("Que faire ensuite"))).to_be_visible()
    assert_clean(page, seen, live_server)


def test_the_map_follows_the_filters_and_the_pages(make_context, live_server):
    context = make_context(bypass_csp=False)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    seen = watch(page, live_server)
    page.goto("/offre/?lieu=Ajaccio&radius_km=5")
    markers = page.locator("#carte .leaflet-marker-icon")
    expect(markers.first).to_be_attached()
    before = markers.count()
    page.locator("#radius_km").select_option("50")  # htmx swaps the results, the map is drawn again
    expect(page.locator(".offer-count")).to_contain_text("à moins de 50 km")
    expect(page.locator("#carte")).to_have_attribute("data-markers", re.compile(r"\d+"))
    after = int(page.locator("#carte").get_attribute("data-markers"))
    expect(markers).to_have_count(after)
    assert after >= before
    assert_clean(page, seen, live_server)


def test_tiles_come_from_the_configured_server(make_context, live_server, settings):
    # A same-origin "tile" (any image) so the test needs no network; the CSP allows 'self'.
    settings.RELAIS_MAP_TILES_URL = "/static/vendor/leaflet/images/layers.png?z={z}&x={x}&y={y}"
    settings.RELAIS_MAP_ATTRIBUTION = "Fond de test"
    context = make_context(bypass_csp=False)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    seen = watch(page, live_server)
    page.goto(SEARCH)
    expect(page.locator("#carte .leaflet-tile-loaded").first).to_be_attached()
    expect(page.locator("#carte .leaflet-control-attribution")).to_contain_text("Fond de test")
    expect(page.locator("#carte")).not_to_have_class(re.compile("offer-map-blank"))
    assert_clean(page, seen, live_server)


def test_phone_size_and_accessibility(make_context, screenshots):
    page = make_context(bypass_csp=True, width=390, height=844).new_page()  # axe-core is injected
    page.goto(SEARCH)
    expect(page.locator("#carte .leaflet-marker-icon").first).to_be_attached()
    box = page.locator("#carte").bounding_box()
    assert box["width"] <= 390 and box["height"] >= 200
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    page.locator(".offer-count").scroll_into_view_if_needed()  # the count, then the map above the list
    page.screenshot(path=screenshots / "public-map-phone.png")
    page.screenshot(path=screenshots / "public-map-phone-full.png", full_page=True)
    violations = serious_violations(page)
    assert not violations, "axe-core on the search with its map:\n" + describe(violations)
    page.locator("#carte .leaflet-marker-icon").last.click()
    expect(page.locator(".leaflet-popup-content")).to_be_visible()
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in: axe measures real contrasts
    violations = serious_violations(page)
    assert not violations, "axe-core with a popup open:\n" + describe(violations)
    page.goto(page.locator(".offer-results a").first.get_attribute("href"))
    violations = serious_violations(page)
    assert not violations, "axe-core on a site's page:\n" + describe(violations)
