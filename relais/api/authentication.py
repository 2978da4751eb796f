"""How API callers are recognised: a machine client's bearer token, or a verified browser session."""

from rest_framework import authentication, exceptions

from relais.accounts.actor import actor_for_api_client
from relais.accounts.services import InvalidToken, api_client_for_bearer, second_factor_missing


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
        try:
            client = api_client_for_bearer(raw_token=raw)
        except InvalidToken as error:
            raise exceptions.AuthenticationFailed(str(error)) from None
        # On the Django request, where permissions and selectors read it.
        request._request.actor = actor_for_api_client(client)
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
        if second_factor_missing(user=user):
            raise exceptions.AuthenticationFailed("Vérification en deux étapes requise.")
        return user, getattr(request._request, "actor", None)
