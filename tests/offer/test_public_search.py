"""The public search for families (decision 0037): pages beyond 50, postcodes rather than INSEE codes, stale figures
not counted as free places, what to do next on a site's page, help examples taken from the data, places outside the
loaded territory, and the map's data."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from config.settings import map_tile_origins
from relais.offer.codes import CareMode
from relais.offer.models import Site, Unit

from .search_support import AJACCIO, point_at

pytestmark = pytest.mark.django_db
API = "/api/v1/offer/search"


@pytest.fixture
def client():
    cache.clear()
    return Client()


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def listed(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/offre/etablissement/[^"]+/">([^<]+)</a></h3>', html)


def many_sites(make_site, n: int) -> None:
    for i in range(n):
        make_site(f"Site {i:03d}", point_at(AJACCIO, 0.2 + i * 0.1), units=[{"available": 1}])


# --- Pages beyond 50 -------------------------------------------------------------------------------------------


def test_pages_of_fifty_with_their_range_links_and_the_query_kept(client, make_site):
    many_sites(make_site, 120)
    query = {"lieu": "Ajaccio", "radius_km": "30", "age": "70"}
    first = page(client.get("/offre/", query))
    assert "120 résultats à moins de 30 km de Ajaccio (20000)" in first
    assert "Résultats 1–50 sur 120" in first and len(listed(first)) == 50
    assert listed(first)[0] == "Site 000" and listed(first)[-1] == "Site 049"  # nearest first
    nav = first[first.index('<nav class="offer-pages"') :]
    assert 'aria-current="page">1</a>' in nav and "← Précédents" not in nav
    [next_url] = re.findall(r'<a href="([^"]+)" rel="next">Suivants →</a>', nav)
    assert "lieu=Ajaccio" in next_url and "radius_km=30" in next_url and "age=70" in next_url and "page=2" in next_url
    second = page(client.get(next_url))
    assert "Résultats 51–100 sur 120" in second and '<ol class="offer-results" start="51">' in second
    assert listed(second)[0] == "Site 050" and "← Précédents" in second
    third = page(client.get("/offre/", {**query, "page": "3"}))
    assert "Résultats 101–120 sur 120" in third and "Suivants →" not in third
    assert sorted(listed(first) + listed(second) + listed(third)) == [f"Site {i:03d}" for i in range(120)]
    # Nothing to page through: no pages at all.
    assert "offer-pages" not in page(client.get("/offre/", {"lieu": "Ajaccio", "radius_km": "5"}))


def test_pages_without_a_place_follow_the_rotation_and_do_not_overlap(client, make_site):
    many_sites(make_site, 70)
    one = listed(page(client.get("/offre/", {"domain": "older_people", "rotation": "4"})))
    two = listed(page(client.get("/offre/", {"domain": "older_people", "rotation": "4", "page": "2"})))
    assert len(one) == 50 and len(two) == 20 and not set(one) & set(two)


def test_a_page_out_of_bounds_is_explained(client, make_site):
    many_sites(make_site, 3)
    html = page(client.get("/offre/", {"lieu": "Ajaccio", "page": "abc"}))
    assert 'role="alert"' in html and "Page : nombre entier entre 1 et 201 attendu, pas « abc »." in html
    html = page(client.get("/offre/", {"lieu": "Ajaccio", "page": "2"}))
    assert "Page 2 : aucun résultat" in html and 'href="/offre/?lieu=Ajaccio"' in html  # back to page 1


def test_the_api_pages_with_offset_and_counts_every_result(make_site):
    many_sites(make_site, 60)
    api = APIClient()
    first = api.get(API, {"commune": "2A004", "limit": 50}).json()
    rest = api.get(API, {"commune": "2A004", "limit": 50, "offset": 50}).json()
    assert (first["count"], first["total"], first["offset"], first["has_more"]) == (50, 60, 0, True)
    assert (rest["count"], rest["total"], rest["offset"], rest["has_more"]) == (10, 60, 50, False)
    names = [r["site"]["name"] for r in first["results"] + rest["results"]]
    assert names == [f"Site {i:03d}" for i in range(60)]
    assert api.get(API, {"commune": "2A004", "offset": 10_001}).status_code == 400


# --- Postcodes, not INSEE codes --------------------------------------------------------------------------------


def test_places_are_shown_with_their_postcode_never_the_insee_code(client, make_site):
    site = make_site("EHPAD Les Pins", units=[{"available": 1}])
    html = page(client.get("/offre/", {"lieu": "2A004"}))
    assert "à moins de 30 km de Ajaccio (20000)" in html and "2A004" not in html.replace('value="2A004"', "")
    # What the page shows can be typed back: "Ajaccio (20000)" is the commune, not the whole postcode.
    html = page(client.get("/offre/", {"lieu": "Ajaccio (20000)"}))
    assert "1 résultat à moins de 30 km de Ajaccio (20000)" in html
    html = page(client.get(f"/offre/etablissement/{site.finess}/"))
    assert "2A004" not in html


# --- Stale figures are not free places -------------------------------------------------------------------------


def test_a_figure_older_than_its_period_is_to_confirm_not_free(client, make_site):
    now = timezone.now()
    fresh = make_site("Frais", point_at(AJACCIO, 1), update_days=7, units=[
        {"available": 2, "capacity_updated_at": now - timedelta(days=6)},
    ])  # fmt: skip
    old = make_site("Ancien", point_at(AJACCIO, 2), update_days=7, units=[
        {"available": 5, "capacity_updated_at": now - timedelta(days=8)},
    ])  # fmt: skip
    make_site("Quotidien", point_at(AJACCIO, 3), update_days=1, units=[
        {"available": 3, "capacity_updated_at": now - timedelta(hours=30)},
    ])  # fmt: skip
    html = page(client.get("/offre/", {"lieu": "Ajaccio"}))
    assert "2 places libres" in html and "5 places libres" not in html and "3 places libres" not in html
    assert html.count("Places à confirmer") == 2
    day = timezone.localtime(now - timedelta(days=8))
    assert "à confirmer auprès de l'établissement, mis à jour le " in html and f"{day.day} " in html
    # "Places libres seulement" leaves the stale ones out, with or without a place.
    assert listed(page(client.get("/offre/", {"lieu": "Ajaccio", "free_only": "1"}))) == ["Frais"]
    assert listed(page(client.get("/offre/", {"free_only": "1"}))) == ["Frais"]
    body = APIClient().get(API, {"commune": "2A004"}).json()
    by_name = {r["site"]["name"]: r for r in body["results"]}
    assert (by_name["Frais"]["free_places"], by_name["Frais"]["free_places_to_confirm"]) == (2, 0)
    assert (by_name["Ancien"]["free_places"], by_name["Ancien"]["free_places_to_confirm"]) == (0, 5)
    assert by_name["Quotidien"]["stale"] is True and by_name["Quotidien"]["free_places"] == 0
    # The site's page: no figure as free places, the date instead.
    html = page(client.get(f"/offre/etablissement/{old.finess}/"))
    text = re.sub(r"<[^>]+>", "", html)
    assert "Places libres : à confirmer auprès de l'établissement, mis à jour le" in text
    assert "— places à confirmer auprès de l'établissement</span>" in html
    assert "0 place libre" not in text and "5 places disponibles" not in text
    text = re.sub(r"<[^>]+>", "", page(client.get(f"/offre/etablissement/{fresh.finess}/")))
    assert "2 places disponibles" in text and "à confirmer auprès" not in text


# --- What to do next -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "care_mode", "expected"),
    [
        ("500", CareMode.PERMANENT_ACCOMMODATION, ["dossier unique", "Cerfa n° 14732*03", "ViaTrajectoire"]),
        ("183", CareMode.INTERNAT, ["orientation de la MDPH", "votre enfant", "Mon parcours handicap"]),
        ("448", CareMode.PERMANENT_ACCOMMODATION, ["orientation de la MDPH", "la personne", "CDAPH"]),
        ("437", CareMode.PERMANENT_ACCOMMODATION, ["orientation de la MDPH"]),  # old FAM code, as EAM
        ("190", CareMode.DAY_CARE, ["sans notification de la MDPH", "CAMSP"]),
        ("354", CareMode.HOME_SERVICES, ["ordonnance", "zone d'intervention"]),
        ("460", CareMode.HOME_SERVICES, ["Contactez le service directement", "APA", "PCH"]),
        ("355", CareMode.PERMANENT_ACCOMMODATION, ["médecin traitant", "appelez le 15"]),
    ],
)
def test_each_site_page_says_what_to_do_next_by_category(client, make_site, category, care_mode, expected):
    site = make_site("Établissement", category=category, units=[{"care_mode": care_mode, "available": 1}])
    html = page(client.get(f"/offre/etablissement/{site.finess}/"))
    section = html[html.index('<section class="card offer-next"') : html.index('aria-labelledby="identite"')]
    assert "Que faire ensuite ?" in section
    for words in expected:
        assert words in section, words


def test_the_contact_is_the_establishment_never_a_person(client, make_site):
    site = make_site("EHPAD Contact", units=[{"available": 1}])
    Site.objects.filter(pk=site.pk).update(phone="04 95 00 00 00", email="accueil@ehpad-contact.invalid")
    Unit.objects.filter(site=site).update(capacity_updated_by="Camille Synthétique <camille@ehpad-contact.invalid>")
    html = page(client.get(f"/offre/etablissement/{site.finess}/"))
    section = html[html.index('<section class="card offer-next"') : html.index('aria-labelledby="identite"')]
    assert '<a href="tel:0495000000">04 95 00 00 00</a>' in section
    assert '<a href="mailto:accueil@ehpad-contact.invalid">accueil@ehpad-contact.invalid</a>' in section
    assert "Camille" not in html and "camille@" not in html
    assert html.count("04 95 00 00 00") == 1 and html.count(">accueil@ehpad-contact.invalid<") == 1  # told once
    # Without a contact of its own, the managing body's phone, named as such.
    Site.objects.filter(pk=site.pk).update(phone="", email="")
    site.legal_entity.phone = "04 95 11 11 11"
    site.legal_entity.save(update_fields=["phone"])
    html = page(client.get(f"/offre/etablissement/{site.finess}/"))
    assert "Téléphone (organisme gestionnaire)" in html and "04 95 11 11 11" in html


# --- Help examples and places outside the territory ------------------------------------------------------------


def test_the_help_examples_come_from_the_data_and_find_something(client, make_site):
    assert "Une commune du territoire couvert." in page(client.get("/offre/"))  # an empty directory
    cache.clear()
    make_site("EHPAD Porto", (41.59, 9.28), commune="2A247", units=[{"available": 1}])
    make_site("IME Porto", (41.59, 9.28), commune="2A247", category="183", units=[{"care_mode": CareMode.INTERNAT}])
    make_site("IME Porto 2", (41.59, 9.28), commune="2A247", category="183", units=[{"care_mode": CareMode.INTERNAT}])
    make_site("EHPAD Ajaccio", units=[{"available": 1}])
    html = page(client.get("/offre/"))
    assert "Par exemple : Porto-Vecchio ou 20137." in html and "Ajaccio, 35000" not in html
    assert "Par exemple : IME (il y en a à Porto-Vecchio)." in html
    for example in ("Porto-Vecchio", "20137"):
        assert "EHPAD Porto" in listed(page(client.get("/offre/", {"lieu": example, "radius_km": "5"})))
    found = listed(page(client.get("/offre/", {"lieu": "Porto-Vecchio", "category": "183", "radius_km": "5"})))
    assert sorted(found) == ["IME Porto", "IME Porto 2"]


@pytest.mark.parametrize(
    ("place", "where"),
    [
        ("35000", "35000 (Ille-et-Vilaine)"),
        ("35238", "35238 (Ille-et-Vilaine)"),
        ("Rennes", "« Rennes » (Ille-et-Vilaine)"),
        ("saint-etienne", "« saint-etienne » (Loire)"),
        ("97411", "97411 (La Réunion)"),
        ("20200", "20200 (Haute-Corse)"),  # Bastia: a Corsican postcode, but not Corse-du-Sud's
    ],
)
def test_a_place_outside_the_loaded_territory_says_so(client, geography, place, where):
    html = page(client.get("/offre/", {"lieu": place}))
    assert 'role="alert"' in html
    assert f"{where} : hors du territoire couvert (Corse-du-Sud). Cherchez une commune de ce territoire." in html


def test_a_point_outside_the_loaded_territory_says_so_in_the_page_and_the_api(client, geography):
    rennes = {"lat": "48.1173", "lon": "-1.6778"}
    html = page(client.get("/offre/", rennes))
    assert "Le point 48.1173, -1.6778 : hors du territoire couvert (Corse-du-Sud)." in html
    response = APIClient().get(API, rennes)
    assert response.status_code == 400 and "hors du territoire couvert" in response.json()["lieu"][0]
    # A point a few km off Ajaccio's coast is inside; so is one with a radius reaching the territory.
    assert "hors du territoire" not in page(client.get("/offre/", {"lat": "41.90", "lon": "8.60"}))
    porto_vecchio_sea = {"lat": "41.59", "lon": "9.90", "radius_km": "60"}  # ~52 km east of Porto-Vecchio
    assert "hors du territoire" not in page(client.get("/offre/", porto_vecchio_sea))
    assert "hors du territoire" in page(client.get("/offre/", {**porto_vecchio_sea, "radius_km": "30"}))


def test_an_unknown_place_inside_the_territory_is_not_called_outside(client, geography):
    html = page(client.get("/offre/", {"lieu": "20888"}))
    assert "Aucun code postal ni code INSEE 20888 connu dans le territoire couvert." in html
    html = page(client.get("/offre/", {"lieu": "Atlantide"}))
    assert "Aucune commune ne s'appelle « Atlantide » dans le territoire couvert (Corse-du-Sud)" in html
    assert "hors du territoire" not in html


# --- The map ---------------------------------------------------------------------------------------------------


def test_the_map_gets_the_page_results_as_embedded_data(client, make_site, settings):
    near = make_site("EHPAD Carte", point_at(AJACCIO, 1), units=[{"available": 3}])
    make_site("Sans position", None, units=[{"available": 1}])
    html = page(client.get("/offre/", {"lieu": "Ajaccio"}))
    data = json.loads(re.search(r'<script id="carte-donnees" type="application/json">(.*?)</script>', html).group(1))
    assert data["origin"]["label"] == "Ajaccio (20000)" and data["radius_km"] == 30
    [marker] = data["markers"]  # a site without coordinates is listed, not mapped
    assert marker["name"] == "EHPAD Carte" and marker["free"] == 3 and marker["stale"] is False
    assert (marker["lat"], marker["lon"]) == (near.latitude, near.longitude)
    assert marker["url"] == f"/offre/etablissement/{near.finess}/"
    assert 'src="/static/vendor/leaflet/leaflet.js"' in html and 'src="/static/offer/map.js"' in html
    assert 'data-map-tiles=""' in html  # no tile server by default: nothing asked of another server
    assert html.index('<ol class="offer-results"') < html.index('id="carte"')  # the list comes first
    settings.RELAIS_MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = page(client.get("/offre/", {"lieu": "Ajaccio"}))
    assert 'data-map-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html


def test_leaflet_is_served_from_npm_and_the_csp_allows_only_the_tile_origin():
    for name in ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "offer/map.js"):
        assert finders.find(name), name
    assert map_tile_origins("") == []
    assert map_tile_origins("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == [
        "https://*.tile.openstreetmap.org"
    ]
    assert map_tile_origins("https://tiles.example.org/osm/{z}/{x}/{y}.png") == ["https://tiles.example.org"]
