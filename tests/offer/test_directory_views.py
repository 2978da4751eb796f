"""The public directory pages: /offre/ (search, htmx live results) and /offre/etablissement/<finess>/."""

from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client

from relais.accounts.roles import OrganisationKind, Role
from relais.offer.codes import CareMode

from .search_support import AJACCIO, point_at

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client():
    cache.clear()
    return Client()


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def test_search_page_is_public_and_accessible(client, geography):
    html = page(client.get("/offre/"))
    assert "<h1>Trouver une place" in html and 'role="search"' in html
    for legend in ("Où ?", "Pour qui ?", "Quel accompagnement ?"):
        assert f"<legend>{legend}</legend>" in html
    for field in ("lieu", "radius_km", "domain", "age", "deficiency", "gir", "alzheimer", "category", "care_mode"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    assert 'hx-get="/offre/"' in html and 'hx-target="#resultats"' in html
    assert "offer-count" not in html  # nothing searched yet
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html  # no external resource


def test_search_by_place_name_lists_results_with_free_places_and_age(client, make_site):
    make_site("EHPAD Proche", point_at(AJACCIO, 1.5), units=[{"available": 2, "name": "Hébergement permanent"}])
    make_site("EHPAD Complet", point_at(AJACCIO, 3), units=[{"available": 0}])
    make_site("EHPAD Lointain", point_at(AJACCIO, 80), units=[{"available": 5}])
    html = page(client.get("/offre/", {"lieu": "ajaccio", "radius_km": "10"}))
    assert "2 résultats à moins de 10 km de Ajaccio (20000)" in html  # the postcode, not the INSEE code
    assert html.index("EHPAD Proche") < html.index("EHPAD Complet") and "EHPAD Lointain" not in html
    assert "2 places libres" in html and "Aucune place libre" in html and "mis à jour hier" in html
    assert "1,5 km" in html
    assert '<ol class="offer-results" start="1">' in html and "<h3><a href=" in html
    html = page(client.get("/offre/", {"lieu": "20000", "free_only": "1", "radius_km": "100"}))
    assert "EHPAD Proche" in html and "EHPAD Lointain" in html and "EHPAD Complet" not in html


def test_htmx_requests_get_the_results_alone(client, make_site):
    make_site("EHPAD Proche", units=[{"available": 1}])
    response = client.get("/offre/", {"lieu": "2A004"}, **HTMX)
    html = page(response)
    assert "<html" not in html and "<form" not in html and "EHPAD Proche" in html


def test_place_errors_and_homonyms_are_explained(client, geography, make_site):
    html = page(client.get("/offre/", {"lieu": "Atlantide"}))
    assert 'role="alert"' in html and "Aucune commune ne s'appelle « Atlantide »" in html
    html = page(client.get("/offre/", {"lieu": "Ajaccio", "age": "vieux"}))
    assert "Âge : nombre entier attendu" in html
    from relais.territory.models import Commune

    Commune.objects.create(insee_code="2A900", name="Ajaccio", departement=geography, population=5, latitude=41.5,
                           longitude=9.0)  # fmt: skip
    html = page(client.get("/offre/", {"lieu": "AJACCIO"}))
    assert "2 communes s'appellent Ajaccio" in html and "Ajaccio (20000), la plus peuplée" in html


def test_search_without_place_is_not_sorted_by_distance(client, make_site):
    make_site("Sans coordonnées", None)
    html = page(client.get("/offre/", {"domain": "older_people"}))
    assert "Sans coordonnées" in html and "Sans lieu, l'ordre change chaque jour" in html


def test_site_page_is_public_with_units_and_capacities(client, make_site):
    site = make_site("EHPAD Les Tilleuls", units=[
        {"name": "Hébergement permanent", "available": 3, "installed": 80, "age_min": 60, "gir_min": 1, "gir_max": 6,
         "daily_price": "72.50"},
        {"name": "SSIAD", "care_mode": CareMode.HOME_SERVICES, "eligibility_zone": ["2A004", "2A017"],
         "deficiencies": ["motor"], "ror_identifier": "94/1073"},
    ])  # fmt: skip
    html = page(client.get(f"/offre/etablissement/{site.finess}/"))
    assert "<h1>EHPAD Les Tilleuls" in html and site.finess in html and "Association Test" in html
    assert 'title="Catégorie FINESS : 500" tabindex="0">EHPAD</abbr> · Personnes âgées' in html  # the code in a tip
    assert "60 ans et plus · GIR 1 à 6" in html and "72,50 €" in html
    assert "Ajaccio, Alata" in html and "Déficience motrice" in html
    assert "Identifiant de l'offre (ROR)</dt><dd>94/1073" in html  # the national offer id (decision 0049)
    assert "3 places libres" in html and 'class="capacity"' in html  # the capacity fragment, one per unit
    assert html.count('class="capacity"') == 2 and "capacity-actions" not in html  # anonymous: no controls


def test_site_page_shows_update_controls_to_the_site_editors(client, make_site, make_organisation, make_member,
                                                              settings):  # fmt: skip
    settings.RELAIS_REQUIRE_2FA = False
    organisation = make_organisation(OrganisationKind.ESMS, finess="2A9700001")
    site = make_site("EHPAD Relié", units=[{"available": 1}])
    site.organisation = organisation
    site.save()
    user, _ = make_member(organisation, role=Role.ADMISSION_OFFICER)
    client.force_login(user)
    html = page(client.get(f"/offre/etablissement/{site.finess}/"))
    assert "capacity-actions" in html
    other, _ = make_member(make_organisation(OrganisationKind.ESMS), role=Role.ADMISSION_OFFICER)
    client.force_login(other)
    assert "capacity-actions" not in page(client.get(f"/offre/etablissement/{site.finess}/"))


def test_unknown_finess_is_404(client, geography):
    assert client.get("/offre/etablissement/2A9899999/").status_code == 404
    assert client.get("/offre/etablissement/n-importe-quoi/").status_code == 404


def test_closed_sites_keep_their_page(client, make_site):
    site = make_site("Ancien foyer", is_open=False)
    assert "fermé" in page(client.get(f"/offre/etablissement/{site.finess}/"))


def test_pages_are_rate_limited_per_address(client, geography, settings):
    settings.RELAIS_PUBLIC_RATE = "2/m"
    statuses = [client.get("/offre/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get("/offre/etablissement/2A9899999/")
    assert response.status_code == 429 and "Trop de tentatives" in response.content.decode()


def test_navigation_links_to_the_offer(client, geography, make_organisation, make_member, settings):
    settings.RELAIS_REQUIRE_2FA = False
    user, _ = make_member(make_organisation(OrganisationKind.MDPH), role=Role.ORIENTATION_OFFICER)
    client.force_login(user)
    assert '<a href="/offre/">Rechercher une place</a>' in page(client.get("/"))  # in the menu's « Offre » part
