"""The registry of notification kinds: what may be notified, to whom by default, and how.

A kind is declared by the app that emits it, in its ``notification_kinds`` module; the notifications app imports
those modules when Django starts (``apps.NotificationsConfig.ready``), so this module never imports other apps.
The settings pages list the registered kinds; ``notification_send`` refuses an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EMAIL, IN_APP = "email", "in_app"
CHANNELS = {EMAIL: "E-mail et dans Relais", IN_APP: "Dans Relais uniquement"}


@dataclass(frozen=True)
class NotificationKind:
    code: str  # "<app>.<event>", stored in the notification rows: never rename one
    label: str  # French, shown on the settings pages
    description: str = ""
    default_roles: frozenset[str] = field(default_factory=frozenset)  # recipients when the caller names none
    channel: str = EMAIL
    # False: e-mailed at once even to users who chose the daily digest (reserve it for what cannot wait).
    digestable: bool = True

    def __post_init__(self):
        if "." not in self.code or self.code != self.code.strip().lower():
            raise ValueError(f"Notification kind code must be '<app>.<event>' in lower case: {self.code!r}")
        if self.channel not in CHANNELS:
            raise ValueError(f"Unknown notification channel {self.channel!r} for {self.code!r}")


_KINDS: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    """Declare a kind (idempotent for the same definition; a different one under a taken code is a bug)."""
    existing = _KINDS.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"Notification kind {kind.code!r} is already registered with another definition.")
    _KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> NotificationKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise ValueError(f"Type de notification inconnu : « {code} ».") from None


def all_kinds() -> list[NotificationKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.code)
