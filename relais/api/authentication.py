"""How API callers are recognised: a machine client's bearer token, or a verified browser session."""

from django.conf import settings
from rest_framework import authentication, exceptions

from relais.accounts.actor import Actor
from relais.accounts.roles import Role
from relais.accounts.services import api_client_authenticate, requires_two_factor


class ApiClientUser:
    """What DRF sees as request.user for a machine client."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, client):
        self.client = client

    def __str__(self) -> str:
        return f"client API {self.client.name}"


class ApiClientAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme != self.keyword:
            return None
        raw = raw.strip()
        if not raw:
            raise exceptions.AuthenticationFailed("Jeton manquant après « Bearer ».")
        client = api_client_authenticate(raw_token=raw)
        if client is None:
            raise exceptions.AuthenticationFailed("Jeton invalide ou révoqué.")
        # On the Django request, where permissions and selectors read it.
        request._request.actor = Actor(organisation=client.organisation, role=Role.MEMBER, api_client=client)
        return ApiClientUser(client), client

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """Browser sessions, but only once the second factor is passed where it is required."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        django_request = request._request
        if settings.RELAIS_REQUIRE_2FA and not user.is_verified() and requires_two_factor(user=user):
            raise exceptions.AuthenticationFailed("Vérification en deux étapes requise.")
        return user, getattr(django_request, "actor", None)
