"""Walking one demo admission request along the SI-SDO workflow, as the services would (demo set-up only).

Each step is checked by the département's ``check`` (``workflow.transition`` with the ASS_A32 rules) and recorded as
the ``StatusTransition`` row the services would write; ``orientation.py`` plans the cases and inserts the rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf

SYSTEM_LABEL = "système"
REFUSAL_REASONS = (
    st.REASON_GEOGRAPHICALLY_REMOTE,
    st.REASON_INSUFFICIENT_RESOURCES,
    st.REASON_DISABILITY_NOT_COVERED,
    st.REASON_AGE_INCOMPATIBLE,
)
CONTACT_REASONS = (st.REASON_PERSON_CONTACTED_ESMS, st.REASON_ESMS_CONTACTED_PERSON)


@dataclass
class RequestPlan:
    site_id: int
    unit_id: int | None
    wish_rank: int
    sender: tuple  # (organisation id, user id, label)
    status: str = ""
    reason: str = ""
    unit_status: str = ""
    unit_reason: str = ""
    stay_on_list: bool = False
    steps: list[dict] = field(default_factory=list)  # StatusTransition fields, in order


def at_time(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(8 + rng.randrange(10), rng.randrange(60)), tzinfo=UTC)


class RequestWalker:
    """Walks one request along the workflow, checking every step as the services do."""

    def __init__(self, dep, request: RequestPlan, esms: tuple, orientation: tuple):
        self.dep, self.r, self.rng = dep, request, dep.rng
        self.actors = {
            wf.ESMS_STAFF: esms,
            wf.ORIENTATION: orientation,
            wf.SYSTEM: (SYSTEM_LABEL, None, None, "system"),
        }

    def _step(self, level, target, kind, day: date, reason=None) -> None:
        r = self.r
        current = (r.status if level == wf.ESMS else r.unit_status) or None
        result = self.dep.check(current, target, kind, reason)
        label, user_id, org_id, source = self.actors[kind]
        at = at_time(min(day, self.dep.today), self.rng)
        at = max(at, r.steps[-1]["at"] + timedelta(minutes=1)) if r.steps else at
        r.steps.append(
            {
                "level": level,
                "unit_id": r.unit_id if level == wf.UNIT else None,
                "from_status": current or "",
                "to_status": target,
                "reason": result.reason or "",
                "actor_kind": kind,
                "actor_label": label,
                "user_id": user_id,
                "organisation_id": org_id,
                "at": at,
                "source": source,
            }
        )
        if level == wf.ESMS:
            r.status, r.reason = target, result.reason or ""
        else:
            r.unit_status, r.unit_reason = target, result.reason or ""

    def esms(self, target, day, reason=None):
        self._step(wf.ESMS, target, wf.ESMS_STAFF, day, reason)

    def unit(self, target, day, reason=None, kind=wf.ESMS_STAFF):
        self._step(wf.UNIT, target, kind, day, reason)

    def orientation(self, target, day, reason=None):
        self._step(wf.ESMS, target, wf.ORIENTATION, day, reason)

    def _read(self, day: date) -> None:
        if self.r.status == st.NOTIFIED:
            self.esms(st.NOTIFICATION_READ, day)
            if self.rng.random() < 0.3:
                self.esms(st.CONTACTED, day, self.rng.choice(CONTACT_REASONS))
        if self.r.status in (st.NOTIFICATION_READ, st.CONTACTED):
            self.esms(st.UNDER_ANALYSIS, day)
            self.unit(st.UNIT_UNDER_ANALYSIS, day)

    def admit(self, sent: date, on: date, *, trial: bool) -> None:
        span = max((on - sent).days, 1)
        self._read(sent + timedelta(days=max(1, span // 10)))
        day72 = sent + timedelta(days=span * 8 // 10)
        self.esms(st.ADMISSIBLE, day72)
        self.unit(st.UNIT_ADMISSIBLE, day72)
        self.esms(st.ADMITTED, on)
        self.unit(st.UNIT_ADMITTED, on)
        entry = on + timedelta(days=self.rng.randint(0, 20))
        if entry > self.dep.today:
            return
        if trial:
            self.esms(st.TRIAL, entry)
            self.unit(st.UNIT_TRIAL, entry)
            entry += timedelta(days=self.rng.randint(30, 60))
            if entry > self.dep.today:
                return
        self.esms(st.ENTERED, entry)
        self.unit(st.UNIT_TAKEN_IN_CHARGE, entry)

    def pending(self, sent: date, cutoff: date) -> None:
        """Progress while the person waits, up to ``cutoff``: read, list, admissible, sometimes refused."""
        rng, days = self.rng, max((cutoff - sent).days, 0)
        if days < 2 or rng.random() < 0.08:
            return
        self._read(sent + timedelta(days=rng.randint(1, min(days - 1, 20))))
        roll = rng.random()
        later = sent + timedelta(days=rng.randint(min(days - 1, 20), days - 1))
        if roll < 0.12:
            reason = rng.choice(REFUSAL_REASONS)
            self.esms(st.ADMISSION_IMPOSSIBLE_REPORTED, later, reason)
            if (cutoff - later).days > 15:
                confirmed = later + timedelta(days=rng.randint(2, 15))
                self._step(wf.ESMS, st.ADMISSION_IMPOSSIBLE_CONFIRMED, wf.ORIENTATION, confirmed, reason)
                self.unit_close(later, st.REASON_AUTOMATIC_CANCELLATION)
        elif roll < 0.17:
            self.orientation(st.NOTIFICATION_CANCELLED, later, st.REASON_PERSON_WISH)
            self.unit_close(later, st.REASON_PERSON_WISH)
        elif roll < 0.45 and self.r.status == st.UNDER_ANALYSIS:
            self.esms(st.ADMISSIBLE, later)
            self.unit(st.UNIT_ADMISSIBLE, later)

    def unit_close(self, day: date, reason: str, kind=wf.ORIENTATION) -> None:
        if self.r.unit_status in st.UNIT_PENDING:
            self.unit(st.UNIT_REMOVED, day, reason, kind)

    def system_close(self, target: str, reason: str, day: date, unit_reason: str) -> None:
        self._step(wf.ESMS, target, wf.SYSTEM, day, reason)
        self.unit_close(day, unit_reason, wf.SYSTEM)
