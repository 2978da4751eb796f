from django.conf import settings

from relais.accounts.middleware import request_memberships
from relais.accounts.roles import ROLE_ABILITIES, Role
from relais.offer.capacity_selectors import capacity_units_for
from relais.offer.policy import may_edit_capacity_at_all


def relais(request):
    """Theme, acting organisation and the user's memberships, for the header and switcher."""
    actor = getattr(request, "actor", None)
    return {
        "theme": settings.THEME,
        "base_template": f"web/themes/{settings.THEME}/base.html",
        "actor": actor or None,
        "memberships": request_memberships(request),
        "role_abilities": ROLE_ABILITIES.get(actor.role, []) if actor else [],
        "actor_role_label": Role(actor.role).label if actor else "",
        "may_edit_capacity": bool(actor) and may_edit_capacity_at_all(actor) and capacity_units_for(actor).exists(),
    }
