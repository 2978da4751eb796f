"""Request plumbing: attach the actor, enforce two-factor authentication."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from relais.territory.timezones import organisation_zone

from .actor import Actor
from .selectors import membership_list_for_user
from .services import second_factor_missing

SESSION_KEY = "acting_organisation_id"


def request_memberships(request) -> list:
    """The user's active memberships, read once per request (the actor and the header both need them)."""
    if not hasattr(request, "_relais_memberships"):
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated and hasattr(user, "memberships")
        request._relais_memberships = list(membership_list_for_user(user=user)) if authenticated else []
    return request._relais_memberships


def landing_membership(memberships: list):
    """Where a new session lands (decision 0039): the organisation the user last chose with the switcher, else their
    first membership (their own organisation; later ones are additions), never the first by name — a DAC coordinator
    who also belongs to a hospital lands in the DAC, not on the hospital's empty list."""
    chosen = [m for m in memberships if m.last_chosen_at is not None]
    if chosen:
        return max(chosen, key=lambda m: m.last_chosen_at)
    return min(memberships, key=lambda m: (m.created_at, m.pk))


def actor_for_request(request) -> Actor | None:
    """The membership chosen in the session, else where a new session lands; None without any."""
    user = request.user
    memberships = request_memberships(request)
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    membership = next((m for m in memberships if m.organisation_id == chosen), None) or landing_membership(memberships)
    if chosen != membership.organisation_id:
        request.session[SESSION_KEY] = membership.organisation_id
    return Actor(organisation=membership.organisation, role=membership.role, user=user)


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = SimpleLazyObject(lambda: actor_for_request(request))
        return self.get_response(request)


class OrganisationTimezoneMiddleware:
    """Times and "today" follow the acting organisation's territory (decision 0034): an organisation in La Réunion
    reads and enters times in Indian/Reunion. Forms parse naive input in the active zone, templates show it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = request.actor if user is not None and user.is_authenticated else None
        organisation = getattr(actor, "organisation", None) if actor else None
        if organisation is None:
            return self.get_response(request)
        timezone.activate(organisation_zone(organisation))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class TwoFactorEnforcementMiddleware:
    """Accounts that can read personal data must pass a TOTP check after the password."""

    EXEMPT_PREFIXES = ("/compte/deux-facteurs/", "/compte/deconnexion/", "/static/", "/healthz", "/api/", "/fhir/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.EXEMPT_PREFIXES) and second_factor_missing(user=request.user):
            return redirect(reverse("accounts:two_factor") + f"?next={request.get_full_path()}")
        return self.get_response(request)
