"""Concertation meetings in iCalendar (RFC 5545), with the agenda's writer (``agenda.ics``): UTC times, stable UIDs
(``relais-meeting-<id>@<host>``), the person by initials only, no agenda or conclusions (e-mail and calendars are not
secure channels), a link to Relais where the policy applies."""

from __future__ import annotations

from datetime import UTC

from django.urls import reverse
from icalendar import Calendar, Event

from relais.agenda.ics import PRODID, Text
from relais.pathway.access import initials


def meeting_event(meeting, *, base_url: str, host: str) -> Event:
    link = base_url + reverse("agenda:meeting", args=[meeting.pk])
    event = Event()
    event.add("uid", f"relais-meeting-{meeting.pk}@{host}")
    event.add("dtstamp", meeting.created_at.astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", Text(f"Réunion de concertation : {initials(meeting.person)}"))
    event.add("location", Text(meeting.place or meeting.video_link))
    event.add("url", link)
    event.add(
        "description", Text(f"Convoquée par {meeting.convened_by}. Ordre du jour et réponse dans Relais : {link}")
    )
    event.add("status", "CONFIRMED")
    return event


def meeting_calendar(*, meetings, base_url: str, host: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, base_url=base_url, host=host))
    return cal.to_ical()
