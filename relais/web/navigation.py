"""The main navigation: which links each actor sees, decided by the same policies as the pages behind them.

A link is shown only when its page would answer the actor with something else than a refusal, so the menu never
invites a user into a 403/404. Both themes render the list computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from relais.accounts.roles import Role
from relais.offer.capacity_selectors import capacity_units_for
from relais.offer.policy import may_edit_capacity_at_all
from relais.orientation import policy as orientation_policy
from relais.orientation.waiting_list.selectors import esms_sites_for


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    current: bool = False


def _links(actor) -> list[tuple[str, str]]:
    links = [
        (reverse("web:home"), "Accueil"),
        (reverse("accounts:organisation", args=[actor.organisation.pk]), "Mon organisation"),
        (reverse("offer:search"), "Offre"),
    ]
    if may_edit_capacity_at_all(actor) and capacity_units_for(actor).exists():
        links.append((reverse("offer:capacity"), "Places disponibles"))
    if esms_sites_for(actor):
        links.append((reverse("orientation:waiting_list"), "Liste d'attente"))
        links.append((reverse("orientation:proposals"), "Propositions"))
    if orientation_policy.may_send_requests(actor):
        links.append((reverse("orientation:persons"), "Personnes suivies"))
    if orientation_policy.may_manage_identity(actor):
        links.append((reverse("orientation:identity_duplicates"), "Doublons d'identité"))
    if actor.user is not None and actor.reads_personal_data:
        links.append((reverse("pathway:dashboard"), "Mes personnes"))
        links.append((reverse("pathway:records"), "Dossiers de coordination"))
        links.append((reverse("pathway:my_tasks"), "Mes tâches"))
        links.append((reverse("messaging:inbox"), "Mes messages"))
        links.append((reverse("agenda:my_agenda"), "Mon agenda"))
    if orientation_policy.may_see_territory(actor):
        links.append((reverse("orientation:territory"), "Vue du territoire"))
        links.append((reverse("orientation:simulation"), "Simulation de places"))
    links.append((reverse("notifications:inbox"), "Notifications"))
    links.append((reverse("territory:communes"), "Référentiel géographique"))
    if actor.is_admin or actor.role == Role.DIRECTOR:
        links.append((reverse("audit:organisation_log"), "Journal des accès"))
    links.append((reverse("api:docs"), "API"))
    return links


def main_navigation(actor, path: str) -> list[NavLink]:
    if actor is None:
        return []
    links = _links(actor)
    # The longest matching prefix is the current page ("/" would match everything).
    best = max((url for url, _label in links if path.startswith(url)), key=len, default=None)
    return [NavLink(url, label, current=url == best) for url, label in links]
