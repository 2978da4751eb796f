"""Formats and responses: JSON only, as application/fhir+json (or application/json if asked for)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from .errors import FhirError

FHIR_JSON = "application/fhir+json"
JSON = "application/json"
# What a client may ask for and get JSON.
_JSON_MEDIA_TYPES = {FHIR_JSON, JSON, "application/json+fhir", "application/*", "*/*"}
_JSON_FORMATS = {"json", FHIR_JSON, JSON, "application/json+fhir"}


def base_url() -> str:
    """The FHIR base every fullUrl, link and Location starts with."""
    return settings.SITE_URL.rstrip("/") + "/fhir"


def _media_types(accept: str) -> list[tuple[str, float]]:
    types = []
    for item in accept.split(","):
        media, *options = (part.strip() for part in item.split(";"))
        quality = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            types.append((media.lower(), quality))
    return types


def negotiate(request) -> str:
    """The content type to answer with; FhirError 406 when the client wants something other than JSON."""
    fmt = request.GET.get("_format")
    if fmt is not None:
        fmt = fmt.strip().lower()
        if fmt not in _JSON_FORMATS:
            raise FhirError(
                406,
                "not-supported",
                f"Format « {fmt} » non pris en charge : seul JSON est servi.",
                expression="_format",
            )
        return JSON if fmt == JSON else FHIR_JSON
    accept = request.META.get("HTTP_ACCEPT", "").strip()
    if not accept:
        return FHIR_JSON
    accepted = {media for media, quality in _media_types(accept) if quality > 0}
    if not accepted & _JSON_MEDIA_TYPES:
        raise FhirError(406, "not-supported", f"Type de contenu « {accept} » non pris en charge : seul JSON est servi.")
    if JSON in accepted and not accepted & {FHIR_JSON, "application/json+fhir", "application/*", "*/*"}:
        return JSON
    return FHIR_JSON


def fhir_response(
    request, data: dict[str, Any], *, status: int = 200, content_type: str = FHIR_JSON, headers=None
) -> HttpResponse:
    pretty = request.GET.get("_pretty", "").lower() == "true"
    body = json.dumps(data, ensure_ascii=False, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    response = HttpResponse(body, status=status, content_type=f"{content_type}; charset=utf-8", headers=headers)
    patch_vary_headers(response, ["Accept", "Authorization"])
    return response


def error_response(request, error: FhirError, content_type: str = FHIR_JSON) -> HttpResponse:
    return fhir_response(
        request, error.outcome(), status=error.status, content_type=content_type, headers=error.headers
    )
