"""Reads of hospital movements (decision 0045), inside a record opened with ``circle.selectors.record_get``.

The movements' facts are SOCIAL data: who may not read them sees the policy's sentence instead. Their medical
content (the reason, the discharge summary) is handed to the page only when the user may read MEDICAL data: for
anybody else ``reason`` is blanked and ``summary`` is None on the rows returned, so no template can show them.
"""

from __future__ import annotations

from relais.pathway import matrix as m
from relais.pathway.circle.selectors import RecordAccess
from relais.pathway.record.movements import HospitalMovement


def movements_for(access: RecordAccess) -> list[HospitalMovement]:
    if not access.may(m.SOCIAL):
        return []
    medical = access.may(m.MEDICAL)
    rows = list(
        HospitalMovement.objects.filter(record=access.record)
        .select_related("discharge_summary", "recorded_by_organisation")
        .order_by("-admitted_on", "-pk")
    )
    for row in rows:
        row.summary = row.discharge_summary if medical else None
        row.has_summary = row.discharge_summary_id is not None
        if not medical:
            row.reason = ""
    return rows


def current_stay(movements: list[HospitalMovement]) -> HospitalMovement | None:
    """The stay going on (no discharge yet), the latest entry first."""
    return next((row for row in movements if row.in_hospital), None)
