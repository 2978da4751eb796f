"""Two bookings of one slot at the same instant: exactly one wins (row lock + partial unique constraint)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from relais.agenda.models import Appointment
from relais.agenda.services import appointment_book


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
