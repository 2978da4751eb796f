"""Password reset requests send e-mails: limited per client address and per e-mail address, with a French message."""

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = "/compte/mot-de-passe/oubli/"


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    settings.RELAIS_PASSWORD_RESET_RATE = "3/h"
    cache.clear()
    yield
    cache.clear()


def ask(client, email, address="192.0.2.10"):
    return client.post(URL, {"email": email}, REMOTE_ADDR=address)


def limited(response) -> bool:
    if response.status_code == 302:
        assert response["Location"] == reverse("accounts:password_reset_done")
        return False
    assert response.status_code == 429
    html = response.content.decode().replace("&#x27;", "'")
    assert "Trop de demandes de réinitialisation en peu de temps" in html and '<html lang="fr">' in html
    assert "Patientez une heure avant de réessayer" in html  # the period of RELAIS_PASSWORD_RESET_RATE
    return True


def test_one_address_is_limited_whatever_the_emails(client, mailoutbox, make_organisation, make_member):
    user, _ = make_member(make_organisation(), email="camille@exemple.test")
    answers = [limited(ask(client, f"inconnu{n}@exemple.test")) for n in range(3)]
    assert answers == [False, False, False]
    assert limited(ask(client, user.email)) and mailoutbox == []  # refused before any e-mail is sent
    assert not limited(ask(client, user.email, address="192.0.2.11")) and len(mailoutbox) == 1


def test_one_email_is_limited_whatever_the_addresses(client, mailoutbox, make_organisation, make_member):
    user, _ = make_member(make_organisation(), email="camille@exemple.test")
    for n in range(3):
        assert not limited(ask(client, user.email, address=f"192.0.2.{20 + n}"))
    assert limited(ask(client, " Camille@Exemple.TEST ", address="192.0.2.30"))
    assert len(mailoutbox) == 3
    assert not limited(ask(client, "autre@exemple.test", address="192.0.2.31"))


def test_the_limit_is_the_same_for_an_unknown_email(client):
    for n in range(3):
        assert not limited(ask(client, "personne@exemple.test", address=f"192.0.2.{40 + n}"))
    assert limited(ask(client, "personne@exemple.test", address="192.0.2.50"))  # reveals no account


def test_the_message_gives_the_configured_period(client, settings):
    settings.RELAIS_PASSWORD_RESET_RATE = "1/15m"
    ask(client, "camille@exemple.test")
    response = ask(client, "camille@exemple.test")
    assert response.status_code == 429 and "Patientez 15 minutes avant" in response.content.decode()


def test_the_form_page_itself_is_not_counted(client):
    for _ in range(5):
        assert client.get(URL, REMOTE_ADDR="192.0.2.60").status_code == 200
    assert not limited(ask(client, "camille@exemple.test", address="192.0.2.60"))
