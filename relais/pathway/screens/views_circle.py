"""The care circle on the record page: members and why each may see what; the managers' actions.

Only the circle's referent and coordinators (``policy.may_manage_circle``) see the forms and may post them; for anyone
else who may open the record the actions are a 404, like any object they may not reach.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.accounts.models import User
from relais.pathway import matrix as m
from relais.pathway.circle import selectors as circle_sel
from relais.pathway.circle import services
from relais.pathway.circle.models import Consent, Ground, MemberKind, Objection
from relais.pathway.policy import decide, may_manage_circle
from relais.pathway.screens.forms import (
    CandidateSearchForm,
    ConsentRevokeForm,
    ObjectionForm,
    ProfessionalAddForm,
    ProxyAddForm,
)
from relais.pathway.screens.views_common import acting, form_errors, run_service, who


def _why(member, person) -> str:
    """The policy's own sentence for this member today (what they would be told), so the circle explains itself."""
    if member.kind == MemberKind.PROXY and member.user_id is None:
        return "Proche sans compte Relais : informé·e hors de l'application."
    if not member.is_active:
        return "Cette appartenance est terminée : plus aucun accès."
    decision = decide(user=member.user, organisation=member.organisation, person=person, category=m.IDENTITY)
    return decision.message


def circle_context(request, access) -> dict:
    person = access.record.person
    members = circle_sel.circle_members(access.record)
    for member in members:
        member.why = _why(member, person)
    manager = may_manage_circle(**who(request), person=person).allowed
    context = {
        "members": members,
        "may_manage": manager,
        "objections": list(circle_sel.record_objections(access.record)),
    }
    if manager:
        context.update(
            **_picker(access.record, {}),
            proxy_form=ProxyAddForm(auto_id="proche-%s"),
            objection_form=ObjectionForm(record=access.record, auto_id="opposition-%s"),
        )
    return context


def _picker(record, query: dict) -> dict:
    """The professional picker: the search (ground + name), the eligible candidates, the rest of the add form."""
    search = CandidateSearchForm(query or None, initial={"ground": Ground.CARE_TEAM}, auto_id="cand-%s")
    ground, name = Ground.CARE_TEAM, ""
    if search.is_valid():
        ground, name = search.cleaned_data["ground"], search.cleaned_data["q"].strip()
    add_form = ProfessionalAddForm(auto_id="pro-%s")
    del add_form.fields["membership"], add_form.fields["ground"]  # both come with the candidates' fragment
    return {
        "candidate_form": search,
        "professional_form": add_form,
        "candidates": circle_sel.circle_candidates(record=record, ground=ground, query=name),
        "ground": ground,
        "ground_label": Ground(ground).label,
        "query": name,
        "query_too_short": len("".join(name.split())) < circle_sel.MIN_QUERY,
    }


def professional_pick(request, pk: int):
    """GET: the picker's candidates, as a fragment for htmx (type-ahead) or as a page of its own without JavaScript.
    Staff names are not personal data of a person under care: the search is not written in the access log."""
    record, _back = _managed(request, pk)
    context = {"record": record, "person": record.person, **_picker(record, request.GET)}
    template = "pathway/_candidates.html" if request.htmx else "pathway/professional_pick.html"
    return render(request, template, context)


def _managed(request, pk: int):
    """The record, if the user may manage its circle; else a 404."""
    access = circle_sel.record_get(**who(request), pk=pk)
    if not may_manage_circle(**who(request), person=access.record.person).allowed:
        raise Http404("Dossier introuvable.")
    return access.record, reverse("pathway:record", args=[pk]) + "#cercle"


@require_POST
def professional_add(request, pk: int):
    record, back = _managed(request, pk)
    form = ProfessionalAddForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    data = form.cleaned_data
    consent = None
    if data["ground"] == Ground.CONSENT:
        consent = {"scope": data["scope"], "method": data["method"], "given_by": data["given_by"]}
    return run_service(
        request,
        lambda: services.circle_professional_add(
            actor=acting(request),
            person=record.person,
            user=data["membership"].user,
            organisation=data["membership"].organisation,
            circle_role=data["circle_role"],
            ground=data["ground"],
            informed_at=data["informed_at"] if data["ground"] == Ground.CARE_TEAM else None,
            consent=consent,
        ),
        success=f"{data['membership'].user} fait désormais partie du cercle de soins.",
        back=back,
    )


@require_POST
def proxy_add(request, pk: int):
    record, back = _managed(request, pk)
    form = ProxyAddForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    data = form.cleaned_data
    user = None
    if data["email"]:
        user = User.objects.filter(email__iexact=data["email"], is_active=True).first()
        if user is None:
            form.add_error("email", "Aucun compte Relais actif n'a cette adresse.")
            return form_errors(request, form, back=back)
    return run_service(
        request,
        lambda: services.circle_proxy_add(
            actor=acting(request),
            person=record.person,
            proxy_role=data["proxy_role"],
            family_name=data["family_name"],
            given_name=data["given_name"],
            phone=data["phone"],
            user=user,
        ),
        success=f"{services.proxy_name(data['given_name'], data['family_name'])} est ajouté·e au cercle comme proche.",
        back=back,
    )


@require_POST
def objection_add(request, pk: int):
    record, back = _managed(request, pk)
    form = ObjectionForm(request.POST, record=record)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    return run_service(
        request,
        lambda: services.objection_record(
            actor=acting(request),
            person=record.person,
            member=form.cleaned_data["member"],
            expressed_by=form.cleaned_data["expressed_by"],
        ),
        success="L'opposition est enregistrée : elle prend effet immédiatement.",
        back=back,
    )


@require_POST
def objection_withdraw(request, pk: int, objection_pk: int):
    record, back = _managed(request, pk)
    objection = get_object_or_404(Objection, pk=objection_pk, record=record, withdrawn_at__isnull=True)
    form = ConsentRevokeForm({"revoked_by": request.POST.get("withdrawn_by", "")})
    if not form.is_valid():
        return form_errors(request, form, back=back)
    return run_service(
        request,
        lambda: services.objection_withdraw(
            actor=acting(request), objection=objection, withdrawn_by=form.cleaned_data["revoked_by"]
        ),
        success="L'opposition est levée : le partage reprend immédiatement pour les membres qu'elle concernait.",
        back=back,
    )


@require_POST
def consent_revoke(request, pk: int, consent_pk: int):
    record, back = _managed(request, pk)
    consent = get_object_or_404(Consent, pk=consent_pk, member__record=record)
    form = ConsentRevokeForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back=back)
    return run_service(
        request,
        lambda: services.consent_revoke(
            actor=acting(request), consent=consent, revoked_by=form.cleaned_data["revoked_by"]
        ),
        success="Le consentement est retiré : il prend effet immédiatement.",
        back=back,
    )


@require_POST
def member_end(request, pk: int, member_pk: int):
    record, back = _managed(request, pk)
    member = get_object_or_404(record.members, pk=member_pk)
    return run_service(
        request,
        lambda: services.circle_member_end(actor=acting(request), member=member),
        success="L'appartenance au cercle est terminée.",
        back=back,
    )
