"""The kinds of person events: what may happen in a person's record, and to which data category it belongs.

The lowest layer of the events: it knows no follower, no notification row and no service, so every app may declare
its kinds here (in its ``notification_kinds`` module, discovered by the notifications app at start-up) and
``services.py``, ``subscriptions.py`` and the FHIR mapping read them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from relais.notifications.registry import NotificationKind, register
from relais.pathway import matrix as m

# NdE event types: the code system TRE_R254-TypeEvenement, through the value set JDV_J46 (TypeEvenementNotification)
# that the NdE event-type extension binds (required); Relais codes for the kinds the national list lacks (0052).
NDE_VALUE_SET = "https://mos.esante.gouv.fr/NOS/JDV_J46-TypeEvenementNotification-CISIS/FHIR/JDV-J46-TypeEvenementNotification-CISIS"
NDE_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R254-TypeEvenement/FHIR/TRE-R254-TypeEvenement"
RELAIS_EVENT_SYSTEM = "urn:relais:person-event-type"


@dataclass(frozen=True)
class PersonEventKind:
    code: str  # the notification kind code, "<app>.<event>"
    label: str  # French
    category: str  # the default data category of such events
    description: str = ""
    nde_code: str = ""  # TRE_R254 code when the national list has one
    nde_display: str = ""

    @property
    def national(self) -> bool:
        """True when the kind has a code of the national value set (JDV_J46), so it may travel in NdE resources."""
        return bool(self.nde_code)

    @property
    def event_code(self) -> tuple[str, str, str]:
        """(system, code, display) used in FHIR ``event-type`` and in ``Subscription.criteria``."""
        if self.nde_code:
            return NDE_SYSTEM, self.nde_code, self.nde_display or self.label
        return RELAIS_EVENT_SYSTEM, self.code, self.label


_KINDS: dict[str, PersonEventKind] = {}


def person_event_kind_register(kind: PersonEventKind) -> PersonEventKind:
    """Declare a kind of person event (also a notification kind, listed on the preference pages)."""
    if kind.category not in m.CATEGORIES:
        raise ValueError(f"Unknown data category {kind.category!r} for {kind.code!r}.")
    register(NotificationKind(code=kind.code, label=kind.label, description=kind.description))
    existing = _KINDS.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"Person event kind {kind.code!r} is already registered with another definition.")
    _KINDS[kind.code] = kind
    return kind


def person_event_kind(code: str) -> PersonEventKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise ValueError(f"Type d'événement inconnu : « {code} ».") from None


def person_event_kinds() -> list[PersonEventKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)


def person_event_kind_codes() -> list[str]:
    return sorted(_KINDS)


def person_event_kinds_by_event_code(code: str) -> list[PersonEventKind]:
    """The kinds behind an NdE code (``SOR``: several Relais kinds may share it) or a Relais code
    (``pathway.task_new``: one kind); empty when unknown."""
    return sorted((k for k in _KINDS.values() if code and code in {k.nde_code, k.code}), key=lambda k: k.code)
