"""Home page per role, health check and error pages."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from relais.accounts.roles import OrganisationKind
from relais.offer.capacity_selectors import stale_units_for


def home(request):
    actor = request.actor or None
    context = {
        "organisation_kinds": OrganisationKind,
        "actor": actor,
        "capacity_stale_count": stale_units_for(actor).count() if actor else 0,
    }
    return render(request, "web/home.html", context)


@login_not_required
@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _error(request, status: int, title: str, message: str):
    return render(request, "web/error.html", {"status": status, "title": title, "message": message}, status=status)


@login_not_required
def bad_request(request, exception=None):
    return _error(request, 400, "Requête invalide", "La requête n'a pas pu être comprise.")


@login_not_required
def permission_denied(request, exception=None):
    return _error(request, 403, "Accès refusé", "Vous n'avez pas les droits nécessaires pour cette action.")


@login_not_required
def page_not_found(request, exception=None):
    return _error(request, 404, "Page introuvable", "Cette page n'existe pas, ou vous n'y avez pas accès.")


@login_not_required
def server_error(request):
    return _error(request, 500, "Erreur du serveur", "Une erreur inattendue s'est produite. L'équipe a été prévenue.")


@login_not_required
def ratelimited(request, exception=None):
    return _error(
        request,
        429,
        "Trop de tentatives",
        "Vous avez fait trop de tentatives en peu de temps. Réessayez dans une minute.",
    )
