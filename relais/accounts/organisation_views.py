"""An organisation's page: its members and its API clients, for members of that organisation only."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from relais.audit.services import access_log_record

from . import selectors, services
from .forms import ApiClientForm, MemberInviteForm


def organisation_detail(request, pk: int):
    actor = request.actor
    if actor is None:
        raise PermissionDenied
    organisation = selectors.organisation_get(actor=actor, pk=pk)
    memberships = list(selectors.membership_list(actor=actor, organisation=organisation))
    # The member list shows professionals' names and e-mails: personal data, so traced.
    access_log_record(
        actor=actor, action="read", obj=organisation, ground="organisation_member", detail="liste des membres"
    )
    is_admin_here = actor.is_admin and actor.organisation.pk == organisation.pk
    invite_form = MemberInviteForm(request.POST or None, organisation=organisation) if is_admin_here else None
    if request.method == "POST" and invite_form is not None and invite_form.is_valid():
        try:
            services.member_invite(actor=actor, organisation=organisation, **invite_form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                invite_form.add_error(field if field in invite_form.fields else None, errors)
        else:
            messages.success(request, f"{invite_form.cleaned_data['email']} a été ajouté·e à l'organisation.")
            return redirect("accounts:organisation", pk=organisation.pk)
    context = {
        "organisation": organisation,
        "members": memberships,
        "children": selectors.organisations_acted_for(organisation=organisation),
        "is_admin_here": is_admin_here,
        "invite_form": invite_form,
        "api_clients": selectors.api_client_list(actor=actor) if is_admin_here else [],
        "api_client_form": ApiClientForm() if is_admin_here else None,
    }
    return render(request, "accounts/organisation.html", context)


@require_POST
def membership_deactivate(request, pk: int, membership_pk: int):
    actor = request.actor
    organisation = selectors.organisation_get(actor=actor, pk=pk)
    membership = selectors.membership_list(actor=actor, organisation=organisation).filter(pk=membership_pk).first()
    if membership is None:
        from django.http import Http404

        raise Http404
    services.membership_deactivate(actor=actor, membership=membership)
    messages.success(request, f"L'accès de {membership.user} a été désactivé.")
    return redirect("accounts:organisation", pk=organisation.pk)


@require_POST
def api_client_create(request):
    actor = request.actor
    form = ApiClientForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez le nom du client API.")
        return redirect("accounts:organisation", pk=actor.organisation.pk)
    client, token = services.api_client_create(
        actor=actor, organisation=actor.organisation, name=form.cleaned_data["name"]
    )
    return render(request, "accounts/api_client_created.html", {"client": client, "token": token})


@require_POST
def api_client_revoke(request, pk: int):
    actor = request.actor
    client = selectors.api_client_get(actor=actor, pk=pk)
    services.api_client_revoke(actor=actor, client=client)
    messages.success(request, f"Le client API « {client.name} » est révoqué.")
    return redirect("accounts:organisation", pk=actor.organisation.pk)
