"""With DEBUG off, every error a person meets is Relais's French page (400, 403, 404, 405, 500), never Django's; under
/api/ a JSON `{"detail": …}` and under /fhir/ an OperationOutcome. The 500 answer needs no database, no user and no
working layout."""

import re
from html import unescape

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.views.decorators.http import require_POST

import config.urls
from relais.api.authentication import ApiClientUser
from relais.web import errors
from relais.web.views import server_error

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]


def _crash(request):
    raise RuntimeError("panne simulée")


@require_POST
def _action(request):
    return HttpResponse("fait")


urlpatterns = [path("panne/", _crash), path("api/essai-action/", _action), *config.urls.urlpatterns]
handler400 = config.urls.handler400
handler403 = config.urls.handler403
handler404 = config.urls.handler404
handler500 = config.urls.handler500


def relais_page(response, status: int, title: str) -> str:
    html = unescape(response.content.decode())
    assert response.status_code == status, html[:300]
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in html and title in html and f"Erreur {status}" in html
    for django_words in ("Not Found", "Server Error", "Bad Request", "Forbidden", "CSRF verification failed"):
        assert django_words not in html
    return html


@pytest.fixture
def member(client, make_organisation, make_member):
    organisation = make_organisation(name="EHPAD Les Glycines")
    user, _ = make_member(organisation)
    client.force_login(user)
    client.raise_request_exception = False
    return organisation


@override_settings(DEBUG=False)
def test_a_missing_page_is_relais_404_with_the_navigation(client, member):
    html = relais_page(client.get("/nulle-part/"), 404, "Page introuvable")
    assert "EHPAD Les Glycines" in html  # the site's layout, the acting organisation in the header


@override_settings(DEBUG=False)
def test_another_organisations_page_is_the_same_404_as_a_missing_one(client, member, make_organisation):
    other = make_organisation(name="EHPAD Autre Gestion")
    hidden = relais_page(client.get(f"/compte/organisation/{other.pk}/"), 404, "Page introuvable")
    missing = relais_page(client.get("/compte/organisation/999999/"), 404, "Page introuvable")
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert "Autre Gestion" not in hidden and csrf.sub("", hidden) == csrf.sub("", missing)


@override_settings(DEBUG=False)
def test_a_bad_host_is_relais_400(client):
    relais_page(client.get("/compte/connexion/", HTTP_HOST="relais.invalide.example"), 400, "Requête invalide")


@override_settings(DEBUG=False)
def test_a_form_without_its_csrf_token_is_relais_403():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/compte/connexion/", {"username": "a@exemple.test", "password": "x"})
    html = relais_page(response, 403, "Accès refusé")
    assert "La vérification de sécurité du formulaire a échoué" in html


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_crash_is_relais_500_without_the_layout(client, member):
    html = relais_page(client.get("/panne/"), 500, "Erreur du serveur")
    assert "panne simulée" not in html and "EHPAD Les Glycines" not in html


def test_the_500_answer_reads_no_database_and_no_user_attribute():
    request = RequestFactory().get("/parcours/12/")
    request.user = ApiClientUser(client=None)  # no e-mail, no name: nothing of it is read
    with CaptureQueriesContext(connection) as queries:
        response = server_error(request)
    assert response.status_code == 500 and "Erreur du serveur" in response.content.decode()
    assert len(queries) == 0


def test_the_500_answer_falls_back_to_a_static_page(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("gabarit cassé")

    monkeypatch.setattr(errors, "render_to_string", broken)
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and response.content.decode() == errors.FALLBACK_500


@override_settings(DEBUG=False)
def test_a_404_still_answers_in_french_when_the_layout_fails(client, member, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("navigation cassée")

    monkeypatch.setattr("relais.web.context_processors.main_navigation", broken)
    html = relais_page(client.get("/nulle-part/"), 404, "Page introuvable")
    assert "Cette page n'existe pas, ou vous n'y avez pas accès." in html


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_api_and_fhir_addresses_answer_in_their_own_format(client):
    client.raise_request_exception = False
    api = client.get("/api/v1/nulle-part")
    assert api.status_code == 404 and api.json()["detail"].startswith("Ressource introuvable")
    fhir = client.get("/fhir/Patient", HTTP_HOST="relais.invalide.example")
    assert fhir.status_code == 400 and fhir["Content-Type"].startswith("application/fhir+json")
    assert fhir.json() == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": "Requête invalide."}],
    }


@override_settings(DEBUG=False)
def test_a_nul_character_is_a_400_naming_the_parameter_not_a_database_error(client):
    html = relais_page(client.get("/offre/", {"q": "EHPAD\x00"}), 400, "Requête invalide")
    assert "la valeur du paramètre « q » contient un caractère nul (U+0000)" in html
    api = client.get("/api/v1/territory/communes/", {"q": "\x00"})
    assert api.status_code == 400 and "« q »" in api.json()["detail"]
    fhir = client.get("/fhir/Organization", {"name": "\x00"})
    assert fhir.status_code == 400 and fhir.json()["issue"][0]["expression"] == ["name"]
    assert client.get("/offre/", {"q": "EHPAD"}).status_code == 200


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_an_action_opened_by_its_address_is_relais_405_page_keeping_allow(client, member):
    """The log-out button posts; opening /compte/deconnexion/ from the address bar gave an empty browser page."""
    response = client.get("/compte/deconnexion/")
    html = relais_page(response, 405, "Action à faire depuis un formulaire")
    assert "utilisez son bouton" in html and "EHPAD Les Glycines" in html  # the site's layout
    assert "POST" in response["Allow"]
    api = client.get("/api/essai-action/")
    assert (api.status_code, api["Allow"]) == (405, "POST")
    assert api.json() == {"detail": "Méthode HTTP non permise à cette adresse (voir l'en-tête Allow)."}
    assert client.post("/api/essai-action/").content == b"fait"  # the action itself is untouched
