"""Reads of organisations, memberships and API clients, always scoped to an actor."""

from django.db.models import QuerySet
from django.http import Http404

from relais.offer.acting import organisation_ids_acted_for

from .actor import Actor
from .models import ApiClient, Membership, Organisation, User

# What ``Organisation.finess_number`` and ``attached_to`` read, in the same query.
WITH_DIRECTORY = ("parent", "directory_site__legal_entity__organisation", "directory_legalentity")


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation", "user")  # the switcher names each role by the user's profession
        .order_by("organisation__name")
    )


def organisation_ids_visible(*, actor: Actor) -> set[int]:
    """The acting organisation and those it acts for (a managing body's sites): the rule of ``offer.acting``."""
    return organisation_ids_acted_for(actor.organisation.pk)


def organisations_acted_for(*, organisation: Organisation) -> QuerySet[Organisation]:
    """The organisations ``organisation`` acts for besides itself (a managing body's sites), by name."""
    ids = organisation_ids_acted_for(organisation.pk) - {organisation.pk}
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def organisation_get(*, actor: Actor, pk: int) -> Organisation:
    """404 for anything the actor does not act for, exactly as for a missing id."""
    if pk not in organisation_ids_visible(actor=actor):
        raise Http404("Organisation introuvable.")
    return Organisation.objects.select_related("region", "departement", *WITH_DIRECTORY).get(pk=pk)


def membership_list(*, actor: Actor, organisation: Organisation) -> QuerySet[Membership]:
    if organisation.pk not in organisation_ids_visible(actor=actor):
        raise Http404("Organisation introuvable.")
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def api_client_list(*, actor: Actor) -> QuerySet[ApiClient]:
    return ApiClient.objects.filter(organisation=actor.organisation).select_related("created_by")


def api_client_get(*, actor: Actor, pk: int) -> ApiClient:
    try:
        return api_client_list(actor=actor).get(pk=pk)
    except ApiClient.DoesNotExist:
        raise Http404("Client API introuvable.") from None
