"""The French words of the access log's codes: grounds, actions, subjects (decision 0038).

The log keeps codes (``care_team``, ``subscription:consent``, ``persons.person``): they are what the chain signs, what
the exports and the FHIR AuditEvent carry. People read words. Each app registers the grounds it writes from its
``AppConfig.ready()`` with ``grounds_register``; a ground made of a prefix and a rule (``subscription:consent``,
``care_circle:care_team``) reads as the prefix's word, then the rule's word. An unregistered code is shown as it is,
and ``tests/demo/test_demo_words.py`` fails when one reaches a page.
"""

from __future__ import annotations

from django.apps import apps

_GROUNDS: dict[str, str] = {}
_PREFIXES: dict[str, str] = {}


def grounds_register(words: dict[str, str], *, prefixes: dict[str, str] | None = None) -> None:
    """Register ground codes (``{"care_team": "Équipe de soins"}``) and ground prefixes (``{"subscription": …}``).

    Registering a code twice with another word is a programming error: two apps would disagree on what it means.
    """
    for table, new in ((_GROUNDS, words), (_PREFIXES, prefixes or {})):
        for code, word in new.items():
            if table.get(code, word) != word:
                raise ValueError(f"Ground {code!r} is already registered as {table[code]!r}, not {word!r}.")
            table[code] = word


def registered_grounds() -> dict[str, str]:
    return dict(_GROUNDS)


def ground_word(code: str) -> str:
    """``care_team`` → "Équipe de soins (CSP L1110-12)"; ``subscription:consent`` → "Abonnement — Consentement …"."""
    if code in _GROUNDS:
        return _GROUNDS[code]
    prefix, sep, rule = code.partition(":")
    if sep and prefix in _PREFIXES:
        return f"{_PREFIXES[prefix]} — {_GROUNDS.get(rule, rule)}"
    return code


def is_known_ground(code: str) -> bool:
    prefix, sep, rule = code.partition(":")
    return code in _GROUNDS or (bool(sep) and prefix in _PREFIXES and rule in _GROUNDS)


def action_word(code: str) -> str:
    from relais.audit.models import AccessAction

    try:
        return AccessAction(code).label
    except ValueError:
        return code


def subject_word(object_type: str) -> str:
    """``pathway.plantask`` → "action du plan": the model's French name; an unknown type as it is. A list entry
    (``list:pathway.coordinationrecord``, decision 0047) → "liste de dossier de coordination"."""
    if object_type.startswith("list:"):
        return f"liste ({subject_word(object_type.removeprefix('list:'))})"
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
