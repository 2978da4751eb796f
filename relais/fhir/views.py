"""The FHIR REST façade: metadata, search, read, create and update, dispatched through the registry.

Views skip the site-wide login redirect and CSRF middleware and authenticate
themselves (relais.fhir.auth); every failure becomes an OperationOutcome.
Anonymous reads of public types are rate-limited per IP address
(settings.RELAIS_PUBLIC_RATE, 120/m by default; one budget for all FHIR types):
beyond it, 429 with an OperationOutcome (code "throttled") and Retry-After.
"""

from __future__ import annotations

import json
import logging
import re
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from . import registry
from .auth import Caller, enforce_csrf, resolve_caller
from .capability import capability_statement
from .errors import (
    FhirError,
    Issue,
    method_not_allowed,
    not_found,
    type_not_supported,
    unauthenticated,
)
from .http import FHIR_JSON, JSON, base_url, error_response, fhir_response, negotiate
from .search import paging, revinclude_params, search_params, searchset
from .validation import validate_resource

logger = logging.getLogger(__name__)
_RESOURCE_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_JSON_BODIES = {FHIR_JSON, JSON, "application/json+fhir"}
PUBLIC_RATE_GROUP = "fhir-public"
_RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*[0-9]+\s*/\s*([0-9]*)\s*([smhd])\s*$")


def public_rate() -> str:
    return getattr(settings, "RELAIS_PUBLIC_RATE", "120/m")


def _throttle(request) -> None:
    """429 once an anonymous caller's IP address has used its budget of public reads."""
    rate = public_rate()
    if not rate:
        return
    if is_ratelimited(request, group=PUBLIC_RATE_GROUP, key="ip", rate=rate, increment=True):
        match = _RATE.match(rate)
        retry = int(match.group(1) or 1) * _RATE_PERIODS[match.group(2)] if match else 60
        raise FhirError(
            429,
            "throttled",
            "Trop de requêtes depuis cette adresse : réessayez plus tard, ou authentifiez-vous (jeton Bearer).",
            headers={"Retry-After": str(retry)},
        )


def _django_error(exc: Exception) -> FhirError:
    """Errors raised by services and selectors, in FHIR words."""
    if isinstance(exc, Http404):
        return FhirError(404, "not-found", "Ressource introuvable.")
    if isinstance(exc, PermissionDenied):
        return FhirError(403, "forbidden", str(exc) or "Action non autorisée.")
    assert isinstance(exc, ValidationError)
    if hasattr(exc, "error_dict"):
        issues = [
            Issue(code="business-rule", diagnostics=f"{field} : {message}")
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        issues = [Issue(code="business-rule", diagnostics=message) for message in exc.messages]
    return FhirError(422, "business-rule", issues[0].diagnostics, issues=issues)


def fhir_view(view):
    """Content negotiation, OperationOutcome for every error, no login redirect, no caching."""

    @login_not_required
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        content_type = FHIR_JSON
        try:
            content_type = negotiate(request)
            response = view(request, content_type, *args, **kwargs)
        except FhirError as error:
            if error.after_rollback is not None:
                error.after_rollback()
            response = error_response(request, error, content_type)
        except (Http404, PermissionDenied, ValidationError) as exc:
            response = error_response(request, _django_error(exc), content_type)
        except Exception:
            logger.exception("FHIR request failed: %s %s", request.method, request.path)
            error = FhirError(500, "exception", "Erreur inattendue du serveur. L'équipe a été prévenue.")
            response = error_response(request, error, content_type)
        add_never_cache_headers(response)
        return response

    return wrapper


def _allow(request, allowed: list[str]) -> None:
    method = "GET" if request.method == "HEAD" else request.method
    if method not in allowed:
        raise method_not_allowed(request.method, allowed)


def _registration(type_name: str) -> registry.ResourceRegistration:
    registration = registry.get(type_name)
    if registration is None:
        raise type_not_supported(type_name)
    return registration


def _reading_caller(request, registration: registry.ResourceRegistration) -> Caller:
    caller = resolve_caller(request)
    if caller.actor is None:
        if not registration.public:
            raise unauthenticated(caller.reason)
        _throttle(request)
    return caller


@fhir_view
def metadata(request, content_type: str):
    _allow(request, ["GET"])
    return fhir_response(request, capability_statement(), content_type=content_type)


@fhir_view
def type_endpoint(request, content_type: str, type_name: str):
    registration = _registration(type_name)
    _allow(request, ["GET", "POST"] if registration.create is not None else ["GET"])
    if request.method == "POST":
        return _create(request, content_type, registration)
    caller = _reading_caller(request, registration)
    params = search_params(request, registration)
    revincludes = revinclude_params(request, registration)
    offset, count = paging(request)
    resources, total = registration.search(caller.actor, params, offset, count)
    included = []
    for value in revincludes:
        if resources:
            included += registration.revincludes[value](caller.actor, resources)
    # Resources of another type included here carry that type's profile too, when it has exactly one.
    for resource in included:
        other = registry.get(resource.get("resourceType", ""))
        if other is not None and len(other.supported_profiles) == 1:
            registry.with_profile(resource, other.supported_profiles[0])
    bundle = searchset(request, base_url(), registration.type, resources, total, offset, count, included)
    return fhir_response(request, bundle, content_type=content_type)


@fhir_view
def instance_endpoint(request, content_type: str, type_name: str, resource_id: str):
    registration = _registration(type_name)
    _allow(request, ["GET", "PUT"] if registration.update is not None else ["GET"])
    if request.method == "PUT":
        return _update(request, content_type, registration, resource_id)
    caller = _reading_caller(request, registration)
    resource = None
    if _RESOURCE_ID.match(resource_id):
        try:
            resource = registration.read(caller.actor, resource_id)
        except Http404:
            resource = None  # the same answer as any other missing id
    if resource is None:
        raise not_found(registration.type, resource_id)
    return fhir_response(request, resource, content_type=content_type)


@fhir_view
def unknown_path(request, content_type: str, path: str = ""):
    raise FhirError(404, "not-found", f"Aucune ressource FHIR à l'adresse « /fhir/{path} ».")


def _create(request, content_type: str, registration: registry.ResourceRegistration):
    caller = resolve_caller(request)
    if caller.actor is None:
        raise unauthenticated(caller.reason)
    if caller.via_session:
        enforce_csrf(request)
    resource = _parse_body(request, registration.type)
    with transaction.atomic():
        created = registration.create(caller.actor, resource)
    location = f"{base_url()}/{registration.type}/{created['id']}"
    return fhir_response(request, created, status=201, content_type=content_type, headers={"Location": location})


def _update(request, content_type: str, registration: registry.ResourceRegistration, resource_id: str):
    """PUT: the resource sent replaces the one at this id (never creates one: updateCreate is false)."""
    caller = resolve_caller(request)
    if caller.actor is None:
        raise unauthenticated(caller.reason)
    if caller.via_session:
        enforce_csrf(request)
    sent_id = _peek_id(request)
    resource = _parse_body(request, registration.type)
    if sent_id != resource_id:
        raise FhirError(
            400,
            "invalid",
            f"{registration.type}.id doit valoir « {resource_id} » (l'id de l'adresse), pas « {sent_id} ».",
            expression=f"{registration.type}.id",
        )
    updated = None
    if _RESOURCE_ID.match(resource_id):
        with transaction.atomic():
            updated = registration.update(caller.actor, resource_id, resource)
    if updated is None:
        raise not_found(registration.type, resource_id)
    return fhir_response(request, updated, content_type=content_type)


def _peek_id(request) -> str | None:
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError, RequestDataTooBig):
        return None  # _parse_body says what is wrong
    return data.get("id") if isinstance(data, dict) else None


def _parse_body(request, type_name: str) -> dict[str, Any]:
    """The posted resource, checked against the R4B model; 400 naming the failing path."""
    if request.content_type not in _JSON_BODIES:
        raise FhirError(415, "not-supported", f"Corps attendu en {FHIR_JSON}, reçu « {request.content_type} ».")
    try:
        body = request.body
    except RequestDataTooBig:
        raise FhirError(413, "too-costly", "Corps de requête trop volumineux.") from None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FhirError(400, "structure", f"JSON invalide : {exc}") from None
    if not isinstance(data, dict):
        raise FhirError(400, "structure", "Le corps doit être un objet JSON : une ressource FHIR.")
    if data.get("resourceType") != type_name:
        raise FhirError(
            400,
            "invalid",
            f"resourceType doit valoir « {type_name} », pas « {data.get('resourceType')} ».",
            expression=f"{type_name}.resourceType",
        )
    validate_resource(type_name, data)
    data.pop("id", None)  # FHIR: the server assigns the id of a created resource
    return data
