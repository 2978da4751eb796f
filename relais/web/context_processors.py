from django.conf import settings

from relais.accounts.middleware import request_memberships
from relais.accounts.roles import ROLE_ABILITIES

from .navigation import HOME, main_navigation, navigation_groups


def relais(request):
    """Theme, acting organisation and the user's memberships, for the header and switcher."""
    actor = getattr(request, "actor", None)
    nav_links = main_navigation(actor or None, request.path)
    return {
        "theme": settings.THEME,
        "base_template": f"web/themes/{settings.THEME}/base.html",
        "actor": actor or None,
        "memberships": request_memberships(request),
        "role_abilities": ROLE_ABILITIES.get(actor.role, []) if actor else [],
        "actor_role_label": actor.role_label if actor else "",
        "nav_links": nav_links,
        "nav_groups": navigation_groups(nav_links),
        # The daily pages kept beside "Accueil" in the menu, offered on the home page too (decision 0054).
        "daily_links": [link for link in nav_links if link.group == HOME and link.label != "Accueil"],
    }
