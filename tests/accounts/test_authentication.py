"""Login, two-factor authentication, rate limiting, password reset, session expiry."""

import re

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from relais.accounts.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/compte/connexion/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _code(device):
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(6)


def test_login_required_by_default(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_login_with_email_and_wrong_password(client, make_organisation, make_member, no_2fa):
    user, _ = make_member(make_organisation(), role=Role.MEMBER)
    bad = client.post(LOGIN, {"username": user.email, "password": "faux"})
    assert bad.status_code == 200 and "Adresse e-mail ou mot de passe incorrect" in bad.content.decode()
    ok = client.post(LOGIN, {"username": user.email.upper(), "password": PASSWORD})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_passwords_are_hashed_with_argon2_outside_tests():
    assert django_settings.PASSWORD_HASHERS[1] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "Argon2" in django_settings.PASSWORD_HASHERS[0] or django_settings.TESTING


def test_login_is_rate_limited_with_a_french_429(client, settings, make_organisation, make_member):
    settings.RELAIS_LOGIN_RATE = "3/m"
    user, _ = make_member(make_organisation())
    statuses = [client.post(LOGIN, {"username": user.email, "password": "faux"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    blocked = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.content.decode()


def test_personal_data_role_must_enrol_and_pass_totp(client, settings, make_organisation, make_member):
    settings.RELAIS_REQUIRE_2FA = True
    user, _ = make_member(make_organisation(), role=Role.ADMISSION_OFFICER)
    client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor"))
    enrol = client.get(response["Location"])
    assert enrol.context["enrolling"] and enrol.context["qr"].startswith("data:image/svg+xml;base64,")
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    wrong = client.post(reverse("accounts:two_factor"), {"token": "000000" if _code(device) != "000000" else "111111"})
    assert "Code incorrect" in wrong.content.decode()
    # Right after a failure, even the right code waits (throttling against guessing).
    throttled = client.post(reverse("accounts:two_factor"), {"token": _code(device)})
    assert "Trop d&#x27;essais" in throttled.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # the wait is over
    assert client.post(reverse("accounts:two_factor"), {"token": _code(device), "next": "/"}).status_code == 302
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    # Next login: verification only, no new enrolment.
    client.logout()
    client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert client.get("/").status_code == 302
    assert not client.get(reverse("accounts:two_factor")).context["enrolling"]


def test_analyst_without_personal_data_is_not_asked_for_totp(client, settings, make_organisation, make_member):
    from relais.accounts.roles import OrganisationKind

    settings.RELAIS_REQUIRE_2FA = True
    user, _ = make_member(make_organisation(kind=OrganisationKind.ARS), role=Role.ANALYST)
    client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert client.get("/").status_code == 200


def test_next_parameter_cannot_redirect_off_site(client, settings, make_organisation, make_member):
    settings.RELAIS_REQUIRE_2FA = True
    user, _ = make_member(make_organisation(), role=Role.ADMIN)
    client.force_login(user)
    client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("accounts:two_factor"), {"token": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_password_reset_sends_a_working_link(client, make_organisation, make_member, mailoutbox, no_2fa):
    user, _ = make_member(make_organisation())
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert len(mailoutbox) == 1
    link = re.search(r"http://[^/]+(/compte/mot-de-passe/nouveau/\S+)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    new = "une-phrase-de-passe-solide-2026"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert client.login(username=user.email, password=new)


def test_unknown_email_gets_the_same_answer(client, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "personne@exemple.test"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_session_expires_after_idle_time():
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is True
