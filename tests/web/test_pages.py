"""Home per role, health check, French error pages, security headers."""

import pytest
from django.test import override_settings
from django.urls import path

import config.urls
from relais.accounts.roles import ROLE_ABILITIES, OrganisationKind, Role

pytestmark = pytest.mark.django_db


def test_healthz_answers_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrganisationKind.ESMS, Role.ADMISSION_OFFICER),
        (OrganisationKind.MDPH, Role.ORIENTATION_OFFICER),
        (OrganisationKind.ARS, Role.ANALYST),
        (OrganisationKind.DAC, Role.COORDINATOR),
    ],
)
def test_home_says_what_the_role_can_do(client, make_organisation, make_member, no_2fa, kind, role):
    organisation = make_organisation(kind=kind, name=f"Org {kind}")
    user, _ = make_member(organisation, role=role)
    client.force_login(user)
    html = client.get("/").content.decode()
    assert f"Org {kind}" in html
    assert Role(role).label.replace("'", "&#x27;") in html
    for ability in ROLE_ABILITIES[role]:
        assert ability.replace("'", "&#x27;") in html


def test_security_headers(client):
    response = client.get("/compte/connexion/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_404_page_is_french(client, make_organisation, make_member, no_2fa):
    user, _ = make_member(make_organisation())
    client.force_login(user)
    response = client.get("/nexiste-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="fr">' in html and "Page introuvable" in html


def _boom(request):
    raise RuntimeError("boom")


def _forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


urlpatterns = [path("boom/", _boom), path("interdit/", _forbidden), *config.urls.urlpatterns]
handler403 = config.urls.handler403
handler500 = config.urls.handler500


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_500_and_403_pages_are_french(client, make_organisation, make_member, no_2fa):
    user, _ = make_member(make_organisation())
    client.force_login(user)
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500 and "Erreur du serveur" in response.content.decode()
    response = client.get("/interdit/")
    assert response.status_code == 403 and "Accès refusé" in response.content.decode()


def test_dsfr_theme_is_optional(client, settings):
    assert settings.THEME == "neutral"
    html = client.get("/compte/connexion/").content.decode()
    assert "relais.css" in html and "dsfr" not in html.lower()
