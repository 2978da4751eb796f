"""iCalendar (RFC 5545) export of an agenda, written with the ``icalendar`` library (escaping, folding, CRLF).

Times are UTC (``DTSTART:...Z``), so no VTIMEZONE is needed and a client anywhere shows the right instant;
``X-WR-TIMEZONE`` names the agenda's zone (e.g. Indian/Reunion, decision 0034) for clients that display in it.
UIDs are stable (``relais-slot-<id>@<host>``) so a
calendar client updates an event instead of duplicating it. No personal medical data: a booked slot shows the person's
initials (only to whoever may read the person's PLAN, else "Réservé") and a link to Relais; never the purpose.
"""

from __future__ import annotations

from datetime import UTC

from icalendar import Calendar, Event, vText

from .models import SlotKind

PRODID = "-//Relais//Agenda//FR"


class Text(vText):
    """RFC 5545 TEXT escaping (section 3.3.11). icalendar 7.3 reads a literal backslash followed by "N" as a newline
    and leaves X- properties unescaped; this escapes exactly: backslash, semicolon, comma, line breaks."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n").encode()


def calendar_for(*, agenda, slots, shown_by_slot: dict, base_url: str, host: str, extra_events=()) -> bytes:
    """``shown_by_slot``: slot id -> (initials, link path) for booked slots the reader may name; other booked
    slots are "Réservé"; free slots are "Créneau libre". ``extra_events``: other events of the holder (concertation
    meetings they are convened to, decision 0046)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", Text(agenda.label))
    cal.add("x-wr-timezone", Text(str(agenda.zone.key)))
    for slot in slots:
        event = Event()
        event.add("uid", f"relais-slot-{slot.pk}@{host}")
        event.add("dtstamp", slot.start.astimezone(UTC))
        event.add("dtstart", slot.start.astimezone(UTC))
        event.add("dtend", slot.end.astimezone(UTC))
        kind = slot.get_kind_display()
        booked = bool(getattr(slot, "active", []))
        if slot.pk in shown_by_slot:
            initials, link = shown_by_slot[slot.pk]
            event.add("summary", Text(f"{kind} : {initials}"))
            event.add("url", base_url + link)
            event.add("description", Text(f"Rendez-vous avec {initials}. Détails dans Relais : {base_url}{link}"))
        elif booked:
            event.add("summary", Text(f"{kind} : réservé"))
        else:
            event.add("summary", Text(f"{kind} : créneau libre"))
            event.add("transp", "TRANSPARENT")
        if booked and slot.kind == SlotKind.TELECONSULTATION and slot.pk in shown_by_slot:
            event.add("location", slot.video_link)
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    for event in extra_events:
        cal.add_component(event)
    return cal.to_ical()
