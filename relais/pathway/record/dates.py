"""Which dates of a coordination record may be in the future (decision 0034). No ORM: the services and the forms call
these checks with the values they hold, so the screen, the FHIR API and the services refuse the same dates.

- "Personne informée le" and a consent's collection date happened: never after now. No clock skew is allowed: a
  typed minute is "now" at the latest in the acting organisation's zone (activated per request), which is the same
  instant everywhere.
- Objections, their withdrawal and a consent's revocation are never typed: the services stamp them with now.
- A timeline event happened, except the kinds that are planned ahead (an admission, a discharge, a hospital stay, a
  home visit): those may be up to a year ahead. A note, an evaluation or "another event" is written after the fact.
- Nothing before 1900 (a mistyped year such as 0202 or 1024).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from relais.pathway.record.models import EventKind

FLOOR = datetime(1900, 1, 1, tzinfo=UTC)
PLANNED_AHEAD = timedelta(days=366)
# Event kinds that may be recorded before they happen (planned), up to PLANNED_AHEAD; every other kind happened.
MAY_BE_PLANNED = frozenset({EventKind.ADMISSION, EventKind.DISCHARGE, EventKind.HOSPITAL_STAY, EventKind.HOME_VISIT})


def _fr(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y à %H:%M}"


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def past_only(value: datetime | None, *, field: str, label: str, now: datetime | None = None) -> None:
    """Refuse a date after now (or before 1900), naming the field and the limit."""
    if value is None:
        return
    value, now = _aware(value), now or timezone.now()
    if value > now:
        raise ValidationError(
            {field: f"« {label} » ({_fr(value)}) ne peut pas être dans le futur : {_fr(now)} au plus tard."}
        )
    if value < FLOOR:
        raise ValidationError({field: f"« {label} » ({value:%d/%m/%Y}) : date antérieure à 1900, vérifiez l'année."})


def event_date_check(kind: str, value: datetime | None, *, field: str = "occurred_at", now: datetime | None = None):
    """An event's date: in the past, or, for a kind planned ahead, up to a year ahead."""
    label = "Date de l'événement"
    if value is None or kind not in MAY_BE_PLANNED:
        past_only(value, field=field, label=label, now=now)
        return
    value, now = _aware(value), now or timezone.now()
    limit = now + PLANNED_AHEAD
    if value > limit:
        what = f"une {EventKind(kind).label.lower()} se prévoit au plus un an à l'avance"
        raise ValidationError({field: f"« {label} » ({_fr(value)}) : {what} ({_fr(limit)})."})
    past_only(min(value, now), field=field, label=label, now=now)
