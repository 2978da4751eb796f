from rest_framework.permissions import BasePermission


def request_actor(request):
    """The actor of an API request: set by the token, or by the session middleware."""
    actor = getattr(request._request, "actor", None)
    return actor or None


class HasActor(BasePermission):
    """Authenticated and acting for an organisation."""

    message = "Authentification requise : jeton d'un client API ou session d'un membre d'une organisation."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request_actor(request) is not None)
