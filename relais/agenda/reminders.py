"""Reminders the day before an appointment (command ``agenda_reminders``, run daily or more often).

Idempotent twice over: an appointment is reminded once (``reminder_sent_at``) and the notification's dedup key carries
the appointment and its start, so a run repeated the same day, or by two schedulers at once, notifies once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from .models import Appointment, AppointmentStatus
from .notification_kinds import notify_reminder
from .services import PARIS


def appointment_reminders_send(*, now: datetime | None = None) -> int:
    """Remind every appointment booked for tomorrow (Paris time) not reminded yet; returns how many."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now, PARIS).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time.min, tzinfo=PARIS)
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        reminder_sent_at__isnull=True,
        slot__start__gte=start,
        slot__start__lt=start + timedelta(days=1),
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
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
