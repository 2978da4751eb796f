"""The sequencer against real parallel transactions (PostgreSQL): appends never wait for each other, and every
committed entry is chained exactly once, even one that commits after entries with higher ids were chained."""

import threading

import pytest
from django.db import connection, connections, transaction

from relais.audit.models import AccessLogEntry
from relais.audit.selectors import access_log_verify
from relais.audit.services import SEQUENCER_LOCK, access_log_record, access_log_sequence

WRITERS, PER_WRITER, SEQUENCERS = 20, 10, 3

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only(audit_files):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")


def _append(detail: str) -> AccessLogEntry:
    with transaction.atomic():
        return access_log_record(actor=None, action="read", object_type="x", object_id="1", ground="g", detail=detail)


def test_parallel_writers_and_sequencers_chain_every_entry_exactly_once():
    start = threading.Barrier(WRITERS + SEQUENCERS)
    writers_done = threading.Event()
    errors, summaries = [], []

    def write(n):
        try:
            start.wait()
            for i in range(PER_WRITER):
                _append(f"writer {n} entry {i}")
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    def sequence():
        try:
            start.wait()
            while not writers_done.is_set():
                summaries.append(access_log_sequence(batch_size=7))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    sequencers = [threading.Thread(target=sequence) for _ in range(SEQUENCERS)]
    for thread in writers + sequencers:
        thread.start()
    for thread in writers:
        thread.join()
    writers_done.set()
    for thread in sequencers:
        thread.join()
    assert not errors, errors
    access_log_sequence()
    total = WRITERS * PER_WRITER
    assert sum(s["sequenced"] for s in summaries) <= total
    seqs = sorted(AccessLogEntry.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    assert access_log_verify() is None


def test_entry_committed_late_with_a_lower_id_is_chained_after_the_others():
    inserted, release = threading.Event(), threading.Event()
    late = {}

    def slow_transaction():
        try:
            with transaction.atomic():
                late["entry"] = access_log_record(actor=None, action="read", object_type="x", object_id="1", ground="g")
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_transaction)
    thread.start()
    assert inserted.wait(10)
    quick = [_append(f"quick {i}") for i in range(3)]
    assert late["entry"].pk < quick[0].pk
    assert access_log_sequence()["sequenced"] == 3  # the late entry is not visible yet: not skipped, just not yet
    release.set()
    thread.join()
    assert access_log_sequence()["sequenced"] == 1
    order = list(AccessLogEntry.objects.order_by("seq").values_list("pk", flat=True))
    assert order == [e.pk for e in quick] + [late["entry"].pk]
    assert access_log_verify() is None


def test_a_second_sequencer_does_not_wait_when_asked_not_to():
    _append("one")
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCER_LOCK])
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    assert holding.wait(10)
    assert access_log_sequence(wait=False)["busy"] is True
    release.set()
    thread.join()
    assert access_log_sequence(wait=False)["busy"] is False
