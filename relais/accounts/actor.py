"""The actor: who acts (a user or a machine client), for which organisation, with which role.

Every service and selector takes an actor rather than a request, so the same
rules apply to the web, the REST API, FHIR and management commands.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import ApiClient, Organisation, User
from .professions import is_health_professional
from .roles import Role, reads_personal_data


@dataclass(frozen=True)
class Actor:
    organisation: Organisation
    role: str
    user: User | None = None
    api_client: ApiClient | None = None

    @property
    def label(self) -> str:
        if self.user is not None:
            return f"{self.user.get_full_name() or self.user.email} <{self.user.email}>"
        if self.api_client is not None:
            return f"client API « {self.api_client.name} »"
        return "système"

    @property
    def public_label(self) -> str:
        """Name and organisation, never the e-mail address: for what other organisations read (identity history)."""
        if self.user is not None:
            who = self.user.get_full_name() or f"utilisateur·rice n° {self.user.pk}"
        elif self.api_client is not None:
            who = f"client API « {self.api_client.name} »"
        else:
            who = "système"
        return f"{who} ({self.organisation.name})" if self.organisation is not None else who

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def reads_personal_data(self) -> bool:
        return reads_personal_data(self.role)

    @property
    def is_health_professional(self) -> bool:
        return self.user is not None and is_health_professional(self.user.professional_category)


def actor_for_api_client(client: ApiClient) -> Actor:
    """A machine client acts as a plain member of its organisation (REST API and FHIR alike)."""
    return Actor(organisation=client.organisation, role=Role.MEMBER, api_client=client)


def system_actor(organisation: Organisation) -> Actor:
    """For management commands acting on behalf of an organisation."""
    return Actor(organisation=organisation, role=Role.ADMIN)
