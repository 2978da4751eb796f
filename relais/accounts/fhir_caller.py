"""How the FHIR façade learns who calls (plugged into relais/fhir/auth.py by AccountsConfig.ready): a bearer token
acts as a plain member of its API client's organisation; a session may act once its second factor is passed."""

from __future__ import annotations

from relais.fhir.auth import InvalidCredentials, caller_hooks_register

from .actor import Actor, actor_for_api_client
from .services import InvalidToken, api_client_for_bearer, second_factor_missing


def bearer_actor(raw_token: str) -> Actor:
    try:
        client = api_client_for_bearer(raw_token=raw_token)
    except InvalidToken as error:
        raise InvalidCredentials(str(error)) from None
    return actor_for_api_client(client)


def session_refusal(user) -> str | None:
    return "Vérification en deux étapes requise pour cette session." if second_factor_missing(user=user) else None


def register() -> None:
    caller_hooks_register(bearer_actor=bearer_actor, session_refusal=session_refusal)
