"""Who calls the FHIR API: a machine client's bearer token, or a verified browser session.

The same rules as the REST API (relais/api/authentication.py): a token acts as
a plain member of its client's organisation; a session acts as the
membership chosen in the browser, once the second factor is passed where it
is required. A bad token is always a 401, even on a public resource: the
caller meant to authenticate and must learn that it failed. What a token is
and when a session may act belong to the accounts app, which plugs them in
(relais/accounts/fhir_caller.py): the FHIR core imports no domain code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.middleware.csrf import CsrfViewMiddleware

from .errors import FhirError, unauthenticated


class InvalidCredentials(Exception):
    """Raised by the bearer hook for a token that is missing, unknown or revoked; its text is the 401's."""


@dataclass(frozen=True)
class Caller:
    actor: Any | None  # relais.accounts.actor.Actor: the FHIR core does not import the accounts
    via_session: bool = False
    # Why there is no actor, for the 401 a protected resource answers.
    reason: str = "Authentification requise : jeton d'un client API (Bearer) ou session d'un membre d'une organisation."


@dataclass(frozen=True)
class _Hooks:
    bearer_actor: Callable[[str], Any]  # the raw token -> the actor it acts as; InvalidCredentials otherwise
    session_refusal: Callable[[Any], str | None]  # a logged-in user -> why the session may not act yet, or None


_hooks: _Hooks | None = None


def caller_hooks_register(*, bearer_actor: Callable[[str], Any], session_refusal: Callable[[Any], str | None]) -> None:
    """How tokens and sessions become actors: the accounts app registers it (AppConfig.ready)."""
    global _hooks
    _hooks = _Hooks(bearer_actor, session_refusal)


def _registered() -> _Hooks:
    if _hooks is None:
        raise ImproperlyConfigured("No FHIR caller hooks: the accounts app registers them in AccountsConfig.ready().")
    return _hooks


def resolve_caller(request) -> Caller:
    hooks = _registered()
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            raise unauthenticated(f"Schéma d'authentification « {scheme} » non pris en charge : utilisez Bearer.")
        try:
            return Caller(hooks.bearer_actor(raw))
        except InvalidCredentials as error:
            raise unauthenticated(str(error), invalid_token=True) from None

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Caller(None)
    refusal = hooks.session_refusal(user)
    if refusal:
        return Caller(None, via_session=True, reason=refusal)
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
