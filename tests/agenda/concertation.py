"""Helpers of the concertation meeting tests (decision 0046), on the synthetic circle of ``build_circle``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from relais.agenda.meetings import services as svc
from relais.agenda.meetings.models import Meeting
from relais.pathway.circle.services import record_open
from relais.persons.services import person_create
from relais.territory.timezones import PARIS


def tomorrow_at(hour: int = 14) -> datetime:
    return datetime.combine(timezone.localdate() + timedelta(days=1), time(hour, 0), tzinfo=PARIS)


def convene(circle, *invitees, **fields):
    data = {
        "title": "Retour à domicile",
        "starts_at": tomorrow_at(),
        "place": "DAC Rance, salle 2",
        "agenda_items": "Point sur la toilette\n- Passage de nuit",
        "invitees": [circle.members[key] for key in invitees or ("nurse", "gp", "educator")],
    }
    return svc.meeting_convene(actor=circle.referent, person=circle.person, **{**data, **fields})


def held(meeting) -> Meeting:
    """The meeting took place: its start moved to an hour ago (as time passing would)."""
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    meeting.refresh_from_db()
    return meeting


def stranger_member(circle):
    """The referent's membership of another person's circle."""
    other = person_create(
        actor=circle.referent,
        ground="test",
        family_name="Le Goff",
        first_names="Yann",
        birth_date=date(1950, 1, 2),
        sex="M",
    )
    return record_open(actor=circle.referent, person=other).members.get()


def subject(circle, key):
    return circle.subjects[key].actor
