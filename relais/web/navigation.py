"""The main navigation: which links each actor sees, decided by the same policies as the pages behind them.

A link is shown only when its page would answer the actor with something else than a refusal, so the menu never
invites a user into a 403/404. The neutral theme renders the list computed here, grouped by part of Relais
(Offre, Orientation, Parcours, Compte; decision 0054): a role sees Accueil, its daily page and at most four
parts, each a disclosure (``<details>``) that the keyboard opens like a button.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from relais.accounts.roles import OrganisationKind as Kind
from relais.accounts.roles import Role
from relais.offer.capacity_selectors import capacity_units_for
from relais.offer.policy import may_edit_capacity_at_all
from relais.orientation import policy as orientation_policy
from relais.orientation.waiting_list.selectors import esms_sites_for

# The parts of the menu, in order; each link's part is in PART below.
HOME, OFFER, ORIENTATION, PATHWAY, ACCOUNT = "", "Offre", "Orientation", "Parcours", "Compte"
GROUPS = (HOME, OFFER, ORIENTATION, PATHWAY, ACCOUNT)


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    current: bool = False
    group: str = HOME


@dataclass(frozen=True)
class NavGroup:
    """One entry of the menu: a lone link (``label`` empty) or a part with its links."""

    label: str
    links: list[NavLink]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)

    @property
    def slug(self) -> str:
        return f"menu-{GROUPS.index(self.label)}"


def _links(actor) -> list[tuple[str, str]]:
    links = [
        (reverse("web:home"), "Accueil"),
        (reverse("accounts:organisation", args=[actor.organisation.pk]), "Mon organisation"),
        (reverse("offer:search"), "Rechercher une place"),
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


# Each link's part, by its label (the labels are unique in the menu).
PART = {
    "Accueil": HOME,
    "Rechercher une place": OFFER,
    "Places disponibles": OFFER,
    "Référentiel géographique": OFFER,
    "Liste d'attente": ORIENTATION,
    "Propositions": ORIENTATION,
    "Personnes suivies": ORIENTATION,
    "Doublons d'identité": ORIENTATION,
    "Vue du territoire": ORIENTATION,
    "Simulation de places": ORIENTATION,
    "Mes personnes": PATHWAY,
    "Dossiers de coordination": PATHWAY,
    "Mes tâches": PATHWAY,
    "Mes messages": PATHWAY,
    "Mon agenda": PATHWAY,
    "Notifications": ACCOUNT,
    "Mon organisation": ACCOUNT,
    "Journal des accès": ACCOUNT,
    "API": ACCOUNT,
}


# The daily page of each kind of organisation stays beside "Accueil", one click away, out of its part.
DAILY = {
    Kind.ESMS: ("Liste d'attente",),
    Kind.MANAGING_BODY: ("Liste d'attente",),
    Kind.MDPH: ("Personnes suivies",),
    Kind.DAC: ("Mes personnes",),
    Kind.HOSPITAL: ("Mes personnes", "Dossiers de coordination"),
    Kind.HEALTH_PRACTICE: ("Mes personnes",),
    Kind.DEPARTEMENT_COUNCIL: ("Vue du territoire",),
    Kind.ARS: ("Vue du territoire",),
}


# Pages under another prefix that belong to a link (a request of the waiting list, its admission).
ALSO_CURRENT = {"Liste d'attente": ("/orientation/esms/",)}


def main_navigation(actor, path: str) -> list[NavLink]:
    if actor is None:
        return []
    links = _links(actor)
    # The longest matching prefix is the current page ("/" would match everything).
    prefixes = [(url, url) for url, _label in links]
    prefixes += [(extra, url) for url, label in links for extra in ALSO_CURRENT.get(label, ())]
    best = max(
        ((prefix, url) for prefix, url in prefixes if path.startswith(prefix)), key=lambda p: len(p[0]), default=None
    )
    best = best[1] if best else None
    daily = DAILY.get(actor.organisation.kind, ())
    return [
        NavLink(url, label, current=url == best, group=HOME if label in daily else PART[label]) for url, label in links
    ]


def navigation_groups(links: list[NavLink]) -> list[NavGroup]:
    """The menu as shown: the home and daily links, then one entry per part; a part of one link is that link."""
    entries = []
    for part in GROUPS:
        members = [link for link in links if link.group == part]
        if part == HOME or len(members) == 1:
            entries.extend(NavGroup("", [link]) for link in members)
        elif members:
            entries.append(NavGroup(part, members))
    return entries
