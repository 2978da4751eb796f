from django.conf import settings

from relais.accounts.roles import ROLE_ABILITIES, Role
from relais.offer.capacity_selectors import capacity_units_for
from relais.offer.policy import may_edit_capacity_at_all


def relais(request):
    """Theme, acting organisation and the user's memberships, for the header and switcher."""
    actor = getattr(request, "actor", None)
    memberships = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and hasattr(user, "memberships"):
        from relais.accounts.selectors import membership_list_for_user

        memberships = list(membership_list_for_user(user=user))
    return {
        "theme": settings.THEME,
        "base_template": f"web/themes/{settings.THEME}/base.html",
        "actor": actor or None,
        "memberships": memberships,
        "role_abilities": ROLE_ABILITIES.get(actor.role, []) if actor else [],
        "actor_role_label": Role(actor.role).label if actor else "",
        "may_edit_capacity": bool(actor) and may_edit_capacity_at_all(actor) and capacity_units_for(actor).exists(),
    }
