"""The actor: who acts (a user or a machine client), for which organisation, with which role.

Every service and selector takes an actor rather than a request, so the same
rules apply to the web, the REST API, FHIR and management commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import ApiClient, Organisation, User
from .professions import is_health_professional
from .roles import Role, reads_personal_data, role_label


def user_public_name(user: User) -> str:
    """A user as others read them: the full name, else a number, never the e-mail address (decision 0054)."""
    return user.get_full_name() or f"utilisateur·rice n° {user.pk}"


@dataclass(frozen=True)
class Actor:
    organisation: Organisation
    role: str
    user: User | None = None
    api_client: ApiClient | None = None

    @property
    def label(self) -> str:
        """Name and e-mail address: for the access log only (read by the organisation's own administrators)."""
        if self.user is not None:
            return f"{self.user.get_full_name() or self.user.email} <{self.user.email}>"
        if self.api_client is not None:
            return f"client API « {self.api_client.name} »"
        return "système"

    @property
    def public_label(self) -> str:
        """Name and organisation, never the e-mail address: every "who" that others read (authors,
        bookings, circle, plan, messages, proposals, histories; decision 0054)."""
        if self.user is not None:
            who = user_public_name(self.user)
        elif self.api_client is not None:
            who = f"client API « {self.api_client.name} »"
        else:
            who = "système"
        # 300 characters: the size of every stored "who" (author, booked_by, added_by…).
        return (f"{who} ({self.organisation.name})" if self.organisation is not None else who)[:300]

    @property
    def role_label(self) -> str:
        """The role shown to the user themself (home page, account bar): their profession for a care professional."""
        return role_label(self.role, self.user.professional_category if self.user is not None else "")

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def reads_personal_data(self) -> bool:
        return reads_personal_data(self.role)

    @property
    def is_health_professional(self) -> bool:
        return self.user is not None and is_health_professional(self.user.professional_category)


# "Name <e-mail>" as `Actor.label` wrote it; an address standing alone is left to `without_email`'s second step.
_LABEL_EMAIL = re.compile(r"\s*<[^<>\s@]+@[^<>\s]+>")
_BARE_EMAIL = re.compile(r"[^\s<>()«»]+@[^\s<>()«»]+")


def without_email(text: str) -> str:
    """A "who" written before decision 0054 with `Actor.label`, shown to others without the e-mail address: the
    bracketed address goes, and a name that was only an address (no full name) becomes "utilisateur·rice"."""
    return _BARE_EMAIL.sub("utilisateur·rice", _LABEL_EMAIL.sub("", text or ""))


def actor_for_api_client(client: ApiClient) -> Actor:
    """A machine client acts as a plain member of its organisation (REST API and FHIR alike)."""
    return Actor(organisation=client.organisation, role=Role.MEMBER, api_client=client)


def system_actor(organisation: Organisation) -> Actor:
    """For management commands acting on behalf of an organisation."""
    return Actor(organisation=organisation, role=Role.ADMIN)
