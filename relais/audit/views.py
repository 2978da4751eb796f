from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from relais.accounts.roles import Role

from .forms import HistoryFilterForm
from .selectors import access_log_for_organisation

# Who may read their organisation's access log.
LOG_READER_ROLES = {Role.ADMIN, Role.DIRECTOR}


def organisation_log(request):
    actor = request.actor
    if actor is None or actor.role not in LOG_READER_ROLES:
        raise PermissionDenied
    form = HistoryFilterForm(request.GET or None, auto_id="journal-%s")
    page = Paginator(access_log_for_organisation(actor=actor, filters=form.filters()), 50).get_page(
        request.GET.get("page")
    )
    paging = request.GET.copy()
    paging.pop("page", None)
    return render(request, "audit/organisation_log.html", {"page": page, "form": form, "paging": paging.urlencode()})
