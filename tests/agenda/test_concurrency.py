"""Two bookings of one slot at the same instant: exactly one wins (row lock + partial unique constraint). Two
bookings of one person on overlapping slots, two overlapping slots of one professional: one wins (row locks, 0034)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from relais.agenda.models import Appointment, Slot
from relais.agenda.services import agenda_create, appointment_book, slot_create


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bookers", [2, 6])
def test_parallel_bookings_of_one_slot_one_wins(world, bookers):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    actors = [world.gp, world.referent, world.subjects["social_care_team"].actor] * 2
    start = threading.Barrier(bookers)
    won, refused, unexpected = [], [], []

    def book(actor):
        try:
            start.wait()
            won.append(appointment_book(actor=actor, slot=world.slots[0], person=world.person))
        except ValidationError as error:
            refused.append(error)
        except Exception as error:  # reported by the assertion below
            unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(actor,)) for actor in actors[:bookers]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not unexpected, unexpected
    assert len(won) == 1 and len(refused) == bookers - 1
    assert all("déjà réservé" in " ".join(e.messages) for e in refused)
    assert Appointment.objects.filter(slot=world.slots[0], status="booked").count() == 1


def _race(calls):
    """Run the calls at the same instant, each in its own thread and connection; (results, refusals, unexpected)."""
    start = threading.Barrier(len(calls))
    won, refused, unexpected = [], [], []

    def run(call):
        try:
            start.wait()
            won.append(call())
        except ValidationError as error:
            refused.append(error)
        except Exception as error:  # reported by the assertion of the caller
            unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won, refused, unexpected


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_of_one_person_on_overlapping_slots_of_two_professionals_one_wins(world):
    """Two slots of two professionals overlap: the person's row lock lets only one booking through (decision 0034)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    nurse_slot = world.slots[0]  # 9:00-9:30 tomorrow
    gp_agenda = agenda_create(actor=world.gp)
    gp_slot = slot_create(
        actor=world.gp,
        agenda=gp_agenda,
        start=nurse_slot.start + timedelta(minutes=15),
        duration_minutes=30,
        kind="in_person",
    )
    won, refused, unexpected = _race(
        [
            lambda: appointment_book(actor=world.gp, slot=nurse_slot, person=world.person),
            lambda: appointment_book(actor=world.referent, slot=gp_slot, person=world.person),
        ]
    )
    assert not unexpected, unexpected
    assert len(won) == 1 and len(refused) == 1
    assert "La personne a déjà un rendez-vous qui chevauche" in " ".join(refused[0].messages)
    assert Appointment.objects.filter(person=world.person, status="booked").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_overlapping_slots_of_one_professional_one_wins(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    begin = world.slots[-1].end + timedelta(hours=2)
    won, refused, unexpected = _race(
        [
            lambda: slot_create(
                actor=world.nurse, agenda=world.agenda, start=begin, duration_minutes=30, kind="in_person"
            ),
            lambda: slot_create(
                actor=world.nurse,
                agenda=world.agenda,
                start=begin + timedelta(minutes=10),
                duration_minutes=30,
                kind="in_person",
            ),
        ]
    )
    assert not unexpected, unexpected
    assert len(won) == 1 and len(refused) == 1 and "chevauche" in " ".join(refused[0].messages)
    assert Slot.objects.filter(agenda=world.agenda, start__gte=begin).count() == 1
