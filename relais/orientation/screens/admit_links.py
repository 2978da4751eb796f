"""Where the admission's confirmation opens: the request page with it open for a unit (decision 0043).

The waiting list's and proposals' « Admettre… » and the admission view's errors all come back to this place.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from relais.orientation.admission.admit import UNIT_PATH_TO_ADMITTED


def admit_open(query, blocks: list[dict]) -> int | None:
    """The unit whose confirmation opens on arrival (``?admettre=<unit>``, or ``?admettre`` from the waiting list's
    "Admettre…"): the one asked for, else the only unit the request is on its way to admission in, else the only
    unit; None (all closed) when the choice is the user's."""
    if "admettre" not in query or not blocks:
        return None
    wanted = query.get("admettre", "")
    pks = [block["unit"].pk for block in blocks]
    if wanted.isdigit() and int(wanted) in pks:
        return int(wanted)
    started = [block["unit"].pk for block in blocks if block["status"] in UNIT_PATH_TO_ADMITTED]
    if len(started) == 1:
        return started[0]
    return pks[0] if len(pks) == 1 else None


def admit_url(pk: int, unit_pk: int | str = "", entry: str = "") -> str:
    """The request page with the admission's confirmation open (for the unit), where its messages are shown."""
    query = urlencode({"admettre": unit_pk, **({"entree": entry} if entry else {})})
    return f"{reverse('orientation:esms_request', args=[pk])}?{query}#admettre"
