"""Relais's own error answers, in French, when DEBUG is off: never Django's pages.

Under /api/ the answer is JSON (`{"detail": "…"}`), under /fhir/ an OperationOutcome, elsewhere an HTML page.
The 400/403/404/429 pages use the site's layout (navigation included); if that fails to render (a context
processor or the database failing), the plain page below is served instead. The 500 page never uses the request's
context processors, the database or request.user: it is rendered from a standalone template with its own small
context, and if even that fails, from the constant FALLBACK_500.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape

from relais.fhir.errors import Issue, operation_outcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorText:
    title: str  # the page's heading
    message: str  # the page's sentence
    detail: str  # the REST API's `detail`
    fhir_code: str  # the OperationOutcome issue type


TEXTS = {
    400: ErrorText("Requête invalide", "La requête n'a pas pu être comprise.", "Requête invalide.", "invalid"),
    403: ErrorText(
        "Accès refusé",
        "Vous n'avez pas les droits nécessaires pour cette action.",
        "Accès refusé.",
        "forbidden",
    ),
    404: ErrorText(
        "Page introuvable",
        "Cette page n'existe pas, ou vous n'y avez pas accès.",
        "Ressource introuvable : aucune ressource de l'API à cette adresse, ou vous n'y avez pas accès.",
        "not-found",
    ),
    405: ErrorText(
        "Action à faire depuis un formulaire",
        "Cette adresse correspond à une action (un bouton de formulaire) et ne s'ouvre pas directement. "
        "Revenez à la page précédente et utilisez son bouton.",
        "Méthode HTTP non permise à cette adresse (voir l'en-tête Allow).",
        "not-supported",
    ),
    429: ErrorText(
        "Trop de tentatives",
        "Vous avez fait trop de tentatives en peu de temps. Réessayez dans une minute.",
        "Trop de requêtes en peu de temps : réessayez dans une minute.",
        "throttled",
    ),
    500: ErrorText(
        "Erreur du serveur",
        "Une erreur inattendue s'est produite. L'équipe a été prévenue.",
        "Erreur inattendue du serveur. L'équipe a été prévenue.",
        "exception",
    ),
}
CSRF_MESSAGE = (
    "La vérification de sécurité du formulaire a échoué. Rechargez la page puis réessayez "
    "(les cookies doivent être autorisés pour ce site)."
)
FALLBACK_500 = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Erreur du serveur — Relais</title></head>
<body><main><p>Erreur 500</p><h1>Erreur du serveur</h1>
<p>Une erreur inattendue s'est produite. L'équipe a été prévenue.</p>
<p><a href="/">Retour à l'accueil</a></p></main></body></html>
"""


def _area(request) -> str:
    path = getattr(request, "path_info", "") or ""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/fhir/"):
        return "fhir"
    return "web"


def _machine_response(area: str, status: int, text: ErrorText, where: str = "") -> HttpResponse:
    if area == "api":
        return JsonResponse({"detail": text.detail}, status=status, json_dumps_params={"ensure_ascii": False})
    outcome = operation_outcome(
        [Issue(code=text.fhir_code, diagnostics=text.detail, expression=[where] if where else [])]
    )
    body = json.dumps(outcome, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/fhir+json; charset=utf-8")


def _plain_page(status: int, title: str, message: str) -> HttpResponse:
    html = FALLBACK_500.replace("Erreur 500", f"Erreur {status}").replace("Erreur du serveur", escape(title))
    html = html.replace("Une erreur inattendue s'est produite. L'équipe a été prévenue.", escape(message))
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def error_response(request, status: int, *, csrf: bool = False, message: str = "", where: str = "") -> HttpResponse:
    """The 400, 403, 404, 405 or 429 answer for this request; `message` replaces the usual sentence, `where` names the
    parameter at fault (an OperationOutcome's expression)."""
    text = TEXTS[status]
    if message:
        text = ErrorText(text.title, message, message, text.fhir_code)
    area = _area(request)
    if area != "web":
        return _machine_response(area, status, text, where)
    message = CSRF_MESSAGE if csrf else text.message
    context = {"status": status, "title": text.title, "message": message}
    try:
        return render(request, "web/error.html", context, status=status)
    except Exception:  # the layout failed (database, context processor): still answer in French
        logger.exception("Error page %s could not use the site layout", status)
        return _plain_page(status, text.title, message)


def server_error_response(request) -> HttpResponse:
    """The 500 answer: nothing here may fail for want of a database, a user or a template."""
    text = TEXTS[500]
    try:
        area = _area(request)
        if area != "web":
            return _machine_response(area, 500, text)
        html = render_to_string("web/500.html", {"title": text.title, "message": text.message})
    except Exception:
        logger.exception("The 500 page could not be rendered; serving the plain one")
        html = FALLBACK_500
    return HttpResponse(html, status=500, content_type="text/html; charset=utf-8")
