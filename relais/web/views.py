"""Home page per role, health check and error pages."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from relais.accounts.roles import OrganisationKind
from relais.offer.capacity_selectors import stale_units_for
from relais.orientation.waiting_list.todo import admission_todo
from relais.pathway import guard
from relais.pathway.record.dashboard import attention_summary
from relais.pathway.record.stays_in_progress import stays_in_progress
from relais.pathway.record.team_inbox import team_inbox
from relais.pathway.screens.movement_forms import MovementDischargeForm

from .errors import error_response, server_error_response


def home(request):
    actor = request.actor or None
    context = {
        "organisation_kinds": OrganisationKind,
        "my_persons": _my_persons(actor),
        "actor": actor,
        "capacity_stale_count": stale_units_for(actor).count() if actor else 0,
        "admission_todo": admission_todo(actor) if actor else None,
        "stays": _stays(actor),
    }
    return render(request, "web/home.html", context)


def _my_persons(actor) -> dict | None:
    """The coordinator's workspace in short (decision 0044): counts of « Mes personnes » and of the team inbox."""
    if actor is None or actor.user is None or not actor.reads_personal_data:
        return None
    summary = attention_summary(user=actor.user, organisation=actor.organisation)
    team = team_inbox(user=actor.user, organisation=actor.organisation).count
    return {**summary, "team": team} if summary else None


def _stays(actor) -> list | None:
    """« Séjours en cours » (decision 0045): the stays going on in the user's hospital, each with its discharge form;
    None (no section) outside a health establishment. The names shown are one access-log entry."""
    if actor is None or actor.user is None or not actor.reads_personal_data:
        return None
    if actor.organisation.kind != OrganisationKind.HOSPITAL:
        return None
    lines = stays_in_progress(user=actor.user, organisation=actor.organisation)
    for line in lines:
        if line.may_write:
            line.form = MovementDischargeForm(auto_id=f"accueil-sortie-{line.stay.pk}-%s")
    if not lines:
        return lines
    guard.trace_list(
        actor=actor,
        object_type="pathway.hospitalmovement",
        rows=[(line.stay, line.person.pk, line.decision) for line in lines],
        detail="accueil, « Séjours en cours »",
    )
    return lines


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


# --- Error pages (config/urls.py handler400…500, CSRF_FAILURE_VIEW, RATELIMIT_VIEW): see errors.py ---------


@login_not_required
def bad_request(request, exception=None):
    return error_response(request, 400)


@login_not_required
def permission_denied(request, exception=None):
    return error_response(request, 403)


@login_not_required
def page_not_found(request, exception=None):
    return error_response(request, 404)


@login_not_required
def server_error(request):
    return server_error_response(request)


@login_not_required
def csrf_failure(request, reason=""):
    return error_response(request, 403, csrf=True)


@login_not_required
def ratelimited(request, exception=None):
    return error_response(request, 429)
