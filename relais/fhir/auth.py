"""Who calls the FHIR API: a machine client's bearer token, or a verified browser session.

The same rules as the REST API (relais/api/authentication.py): a token acts as
a plain member of its client's organisation; a session acts as the
membership chosen in the browser, once the second factor is passed where it
is required. A bad token is always a 401, even on a public resource: the
caller meant to authenticate and must learn that it failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.middleware.csrf import CsrfViewMiddleware

from relais.accounts.actor import Actor, actor_for_api_client
from relais.accounts.services import InvalidToken, api_client_for_bearer, second_factor_missing

from .errors import FhirError, unauthenticated


@dataclass(frozen=True)
class Caller:
    actor: Actor | None
    via_session: bool = False
    # Why there is no actor, for the 401 a protected resource answers.
    reason: str = "Authentification requise : jeton d'un client API (Bearer) ou session d'un membre d'une organisation."


def resolve_caller(request) -> Caller:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            raise unauthenticated(f"Schéma d'authentification « {scheme} » non pris en charge : utilisez Bearer.")
        try:
            client = api_client_for_bearer(raw_token=raw)
        except InvalidToken as error:
            raise unauthenticated(str(error), invalid_token=True) from None
        return Caller(actor_for_api_client(client))

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Caller(None)
    if second_factor_missing(user=user):
        return Caller(None, via_session=True, reason="Vérification en deux étapes requise pour cette session.")
    actor = getattr(request, "actor", None)
    if not actor:  # also a lazy object wrapping None: a user without any active membership
        return Caller(None, via_session=True, reason="Ce compte n'agit pour aucune organisation.")
    return Caller(getattr(actor, "_wrapped", actor), via_session=True)


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def enforce_csrf(request) -> None:
    """Unsafe requests carried by a session cookie need the CSRF token; bearer tokens do not."""
    check = _CsrfCheck(lambda req: None)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise FhirError(403, "forbidden", f"Vérification CSRF échouée : {reason}")
