"""Messages shown where the user is (issue 13 item 9).

A form posted from a section of a long page (the record's documents, its circle) comes back to that section
(`…#documents`): its messages carry the tag `at-documents` and are shown at the top of the section, where the browser
scrolls, instead of at the top of the page, out of view. `views_common.run_service` and `form_errors` tag them.
"""

from __future__ import annotations

from django import template

register = template.Library()

PREFIX = "at-"


# The sections that show their own messages (`{% messages_at "…" %}` in their template). A message for any other
# anchor (a thread's `#dernier`…) stays at the top of the page: a message must never be tagged for a place that does
# not show it.
PLACES = frozenset(
    {
        "chronologie",
        "documents",
        "cercle",
        "abonnement",
        "versions",
        "hospitalisations",
        "reponse",
        "admettre",
        "sejours-en-cours",
    }
)


def place_tag(url: str) -> str:
    """`at-documents` for a URL ending in `#documents` (a section that shows its messages), else no tag."""
    place = url.partition("#")[2]
    return f"{PREFIX}{place}" if place in PLACES else ""


def _places(message) -> set[str]:
    return {tag for tag in (message.extra_tags or "").split() if tag.startswith(PREFIX)}


@register.filter
def unplaced(messages) -> list:
    """The messages the page header shows: those not placed in a section."""
    return [message for message in messages or () if not _places(message)]


@register.inclusion_tag("web/_placed_messages.html", takes_context=True)
def messages_at(context, place: str) -> dict:
    placed = [m for m in context.get("messages") or () if f"{PREFIX}{place}" in _places(m)]
    return {"placed": placed, "errors": any(m.level_tag == "error" for m in placed)}
