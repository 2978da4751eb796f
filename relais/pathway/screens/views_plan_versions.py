"""Agreed versions of the shared plan (PPCS): issue one (circle managers), print one (whoever may read the plan).

Decision 0040. The PDF is made from the version's frozen content, served as an attachment, never cached, and each
download is traced like a page view of the plan.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from relais.pathway import guard
from relais.pathway import matrix as m
from relais.pathway.policy import may_manage_circle
from relais.pathway.record import selectors as sel
from relais.pathway.record.models import PlanVersion
from relais.pathway.record.plan_versions import plan_version_issue
from relais.pathway.record.ppcs_pdf import ppcs_pdf
from relais.pathway.screens.forms import PlanVersionForm
from relais.pathway.screens.views_common import acting, form_errors, plan_access, run_service, who

SECTION = "versions"


def plan_versions_context(request, record) -> dict:
    """What the plan page shows of its versions: the list, and the form for circle managers."""
    plan = sel.plan_for(record)
    manager = may_manage_circle(**who(request), person=record.person).allowed
    today = timezone.localdate()
    form = PlanVersionForm(initial={"agreed_on": today, "review_on": today + timedelta(days=182)}, auto_id="version-%s")
    return {
        "versions": list(plan.versions.all()) if plan else [],
        "may_issue_version": manager,
        "version_form": form if manager else None,
    }


@require_POST
def plan_version_add(request, pk: int):
    access = plan_access(request, pk)
    back = reverse("pathway:plan", args=[pk]) + f"#{SECTION}"
    form = PlanVersionForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    return run_service(
        request,
        lambda: plan_version_issue(actor=acting(request), person=access.record.person, **form.cleaned_data),
        success="La version du plan est enregistrée : elle peut être imprimée.",
        back=back,
    )


def plan_version_pdf(request, pk: int, number: int):
    access = plan_access(request, pk)
    plan = sel.plan_for(access.record)
    if plan is None:
        raise Http404("Plan introuvable.")
    version = get_object_or_404(PlanVersion, plan=plan, number=number)
    guard.trace(
        actor=acting(request),
        action="read",
        obj=version,
        person=access.record.person,
        decision=access.decisions[m.PLAN],
        detail=f"impression de la version {number} du plan personnalisé",
    )
    response = HttpResponse(ppcs_pdf(version), content_type="application/pdf")
    name = slugify(f"PPCS {access.record.person.family_name} version {number}")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
