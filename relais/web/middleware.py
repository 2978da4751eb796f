"""Refuse a NUL character (U+0000) in the address or the query string: a 400 naming the parameter.

No legitimate input carries one, and PostgreSQL text cannot hold it: before this, `?q=%00` reached the database and
came back as a 500 (the FHIR sweep found it on every string search parameter). The answer is Relais's 400 page, JSON
under /api/ and an OperationOutcome under /fhir/ (relais/web/errors.py). Posted forms need nothing here: Django's
form fields already refuse NUL characters; posted FHIR resources are checked in relais/fhir/validation.py.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from .errors import error_response

NUL = "\x00"


def nul_parameter(request) -> str | None:
    """The name of the first parameter holding a NUL ("" for the address itself), or None."""
    if NUL in request.path:
        return ""
    query = request.META.get("QUERY_STRING", "")
    for key, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace"):
        if NUL in key or NUL in value:
            return key.replace(NUL, "")
    return None


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = nul_parameter(request)
        if name is None:
            return self.get_response(request)
        where = f"du paramètre « {name} »" if name else "de l'adresse"
        message = f"Requête invalide : la valeur {where} contient un caractère nul (U+0000)."
        return error_response(request, 400, message=message, where=name)


class MethodNotAllowedPageMiddleware:
    """Django's `require_POST` & co. answer a GET with an empty 405: a bare browser page for a user who opened an
    action's address (a bookmark, a reload, a link copied from the address bar). Give it Relais's 405 page instead
    (JSON under /api/, an OperationOutcome under /fhir/), keeping the `Allow` header. Answers with a body are left as
    they are (the REST and FHIR layers write their own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content:
            return response
        page = error_response(request, 405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
