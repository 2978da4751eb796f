"""Words, not codes (decision 0038): ``{% load words %}``, then

- ``{% status code %}``: the word of a TRE_R357 status, ``<abbr class="coded" title="Code SI-SDO 71 — Liste d'attente.
  Admis dans l'ESMS" tabindex="0">Admis·e</abbr>``;
- ``{% reason code %}``: the same for a TRE_R358 reason ("Motif SI-SDO 119 — …");
- ``{% ground code %}``, ``{% action code %}``, ``{% subject object_type %}``: the access log's codes;
- ``{% coded word code title %}``: any other code with its word;
- filters ``status_word`` / ``reason_word`` for the places a tag cannot go (``<option>``, attributes, text e-mails).

The code stays reachable: in the tooltip (hover, or keyboard focus, ``relais.css`` ``abbr.coded``), the exports and the
API. The words themselves live in ``orientation/requests/statuses.py`` and ``audit/labels.py``.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from relais.accounts.actor import user_public_name, without_email
from relais.audit import labels as audit_labels
from relais.orientation.requests.statuses import reason_word as _reason_word
from relais.orientation.requests.statuses import status_word as _status_word
from relais.orientation.terminology.selectors import REASON_SYSTEM_NAME, concept_label

register = template.Library()


def coded_html(word: str, title: str) -> str:
    """The word, its code in an accessible tooltip (focusable, so keyboard users reach it too)."""
    return format_html('<abbr class="coded" title="{}" tabindex="0">{}</abbr>', title, word)


def status_title(code: str) -> str:
    label = concept_label(code)
    return f"Code SI-SDO {code} — {label}" if label else f"Code SI-SDO {code}"


def reason_title(code: str) -> str:
    label = concept_label(code, REASON_SYSTEM_NAME)
    return f"Motif SI-SDO {code} — {label}" if label else f"Motif SI-SDO {code}"


@register.simple_tag
def status(code) -> str:
    if not code:
        return ""
    code = str(code)
    return coded_html(_status_word(code), status_title(code))


@register.simple_tag
def reason(code) -> str:
    if not code:
        return ""
    code = str(code)
    return coded_html(_reason_word(code), reason_title(code))


@register.simple_tag
def ground(code) -> str:
    if not code:
        return ""
    return coded_html(audit_labels.ground_word(code), f"Fondement enregistré au journal : {code}")


@register.simple_tag
def action(code) -> str:
    return coded_html(audit_labels.action_word(code), f"Action enregistrée au journal : {code}") if code else ""


@register.simple_tag
def subject(object_type) -> str:
    if not object_type:
        return ""
    return coded_html(audit_labels.subject_word(object_type), f"Objet enregistré au journal : {object_type}")


@register.simple_tag
def coded(word, code, title="") -> str:
    """Any code with its word: ``{% coded kind.label kind.code "Type de notification" %}``."""
    if not code:
        return word or ""
    return coded_html(word or code, f"{title} : {code}" if title else f"Code {code}")


@register.filter
def status_word(code) -> str:
    return _status_word(str(code)) if code else ""


@register.filter
def reason_word(code) -> str:
    return _reason_word(str(code)) if code else ""


@register.filter
def status_tip(code) -> str:
    return status_title(str(code)) if code else ""


@register.filter
def reason_tip(code) -> str:
    return reason_title(str(code)) if code else ""


@register.filter
def person_name(person) -> str:
    """A person's heading, the same on the person page and the coordination record: « CARON Rose Eden » (birth
    family name in capitals, then the first names); the used name is shown with the identity."""
    return f"{(person.family_name or '').upper()} {person.first_names or ''}".strip()


@register.filter
def public_name(user) -> str:
    """A user shown to others (``Actor.public_label``'s rule): their name, never their e-mail address."""
    return user_public_name(user) if user else ""


@register.filter
def public_who(text: str) -> str:
    """A stored "who" shown to others without its e-mail address (decision 0054): the access log and the status
    history are append-only, so what they stored before is cleaned where it is shown."""
    return without_email(text)
