"""Reminders the day before an appointment (command ``agenda_reminders``, run daily or more often).

Idempotent twice over: an appointment is reminded once (``reminder_sent_at``) and the notification's dedup key carries
the appointment and its start, so a run repeated the same day, or by two schedulers at once, notifies once.

"Tomorrow" is the day after today *where the appointment happens* (the agenda's zone, decision 0034): the job runs at
18:00 Paris time, which is 20:00/21:00 in La Réunion and 12:00/13:00 in the Antilles, and each appointment is reminded
the local day before.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from relais.territory.timezones import local_today

from .models import Appointment, AppointmentStatus
from .notification_kinds import notify_reminder


def _due(now: datetime) -> list[int]:
    """Booked appointments not reminded yet whose start falls tomorrow in their agenda's zone."""
    # Every zone's "tomorrow" ends within 2 days of now (UTC+4 at most ahead of Paris, the Antilles behind).
    candidates = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        reminder_sent_at__isnull=True,
        slot__start__gt=now,
        slot__start__lt=now + timedelta(days=2, hours=12),
    ).select_related("slot__agenda__organisation")
    due = []
    for appointment in candidates:
        zone = appointment.slot.agenda.zone
        if timezone.localtime(appointment.slot.start, zone).date() == local_today(zone, now) + timedelta(days=1):
            due.append(appointment.pk)
    return due


def appointment_reminders_send(*, now: datetime | None = None) -> int:
    """Remind every appointment booked for tomorrow (in its agenda's zone) not reminded yet; returns how many."""
    now = now or timezone.now()
    count = 0
    for pk in _due(now):
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("slot__agenda__owner", "slot__agenda__organisation", "person", "booked_by_user")
                .get(pk=pk)
            )
            if appointment.reminder_sent_at is not None or appointment.status != AppointmentStatus.BOOKED:
                continue
            notify_reminder(appointment=appointment)
            appointment.reminder_sent_at = now
            appointment.save(update_fields=["reminder_sent_at"])
            count += 1
    return count
