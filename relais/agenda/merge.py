"""Persons merge hook: the duplicate's appointments (booked, cancelled or moved) and concertation meetings follow the
kept person.

No uniqueness involves the person (one booking per slot whoever booked it), so every row simply moves."""

from relais.agenda.models import Appointment, Meeting


def agenda_merge_hook(*, actor, keep, duplicate) -> None:
    Appointment.objects.filter(person=duplicate).update(person=keep)
    Meeting.objects.filter(person=duplicate).update(person=keep)  # concertation meetings (decision 0046)
