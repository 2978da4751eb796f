"""Writes of the access log: the helper every feature calls, and the sequencer that chains the entries.

Appending takes no lock and reads nothing, so accesses in parallel transactions never wait for each other; the
sequencer (one at a time) later gives each committed entry its place in the hash chain. See docs/decisions/0026.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .chain import GENESIS_HASH, entry_hash, listing_digest
from .models import LIST_PREFIX, AccessAction, AccessLogEntry, AccessLogListing

CONTENT_FIELDS = tuple(
    f.name for f in AccessLogEntry._meta.concrete_fields if f.name not in {"id", "seq", "prev_hash", "hash"}
)
# pg_advisory_xact_lock key of the sequencer ("relais-a" in ASCII): one sequencer at a time.
SEQUENCER_LOCK = 0x72656C616973_2D61
_FILL = "UPDATE audit_accesslogentry SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s AND seq IS NULL"
_FILL_MANY = (
    "UPDATE audit_accesslogentry AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "
    "FROM (VALUES {values}) AS v(seq, prev_hash, hash, id) WHERE e.id = v.id AND e.seq IS NULL"
)
_next_kick = 0.0
# The worker's "chain soon" task (tasks.access_log_sequence_soon), set by AuditConfig.ready: tasks.py imports this
# module, so this module does not import tasks.py (issue 11, item 3: no import cycle).
_sequencer_queue: Callable[[], object] | None = None
logger = logging.getLogger(__name__)


def sequencer_queue_set(queue: Callable[[], object] | None) -> None:
    global _sequencer_queue
    _sequencer_queue = queue


def _object_ref(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def access_log_record(
    *,
    actor,
    action: str,
    ground: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    subject: models.Model | str | None = None,
    detail: str = "",
) -> AccessLogEntry:
    """Append one entry: who (actor), for which organisation, did what, to which object, on which ground.

    `subject` is the person the data is about (defaults to `obj` itself when it is a user).
    Runs inside the caller's transaction, so a failed write leaves no entry behind. One INSERT, no lock: the entry
    joins the hash chain when the sequencer next runs (`seq` is None until then).
    """
    entry = _entry(actor, action, ground, obj, object_type, object_id, subject, detail)
    entry.save(force_insert=True)
    if settings.RELAIS_AUDIT_SEQUENCE_ON_COMMIT:
        transaction.on_commit(_kick_sequencer)
    return entry


def _entry(actor, action, ground, obj, object_type, object_id, subject, detail) -> AccessLogEntry:
    if action not in AccessAction.values:
        raise ValueError(f"Unknown access action {action!r}")
    if not ground:
        raise ValueError("An access needs a ground (the rule that allowed it).")
    if obj is not None:
        object_type, object_id = _object_ref(obj)
    if subject is None and obj is not None and obj._meta.label_lower == "accounts.user":
        subject = obj
    if isinstance(subject, models.Model):
        subject = "{}:{}".format(*_object_ref(subject))
    user = getattr(actor, "user", None)
    client = getattr(actor, "api_client", None)
    organisation = getattr(actor, "organisation", None)
    return AccessLogEntry(
        at=timezone.now(),
        user_id=user.pk if user else None,
        api_client_id=client.pk if client else None,
        actor_label=actor.label if actor is not None else "système",
        organisation_id=organisation.pk if organisation else None,
        organisation_label=str(organisation) if organisation else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        subject=subject or "",
        ground=ground,
        detail=detail[:300],
    )


# The entry's ground when the rows of one list were shown on different grounds (each row keeps its own).
MIXED_GROUNDS = "list_mixed_grounds"


def access_log_list_record(
    *,
    actor,
    object_type: str,
    rows,
    detail: str,
    action: str = AccessAction.READ,
) -> AccessLogEntry | None:
    """A list shown: ONE entry for the list, one indexed ``AccessLogListing`` row per record in it (decision 0047).

    ``object_type`` is the model of the rows (``pathway.coordinationrecord``); ``rows`` are (subject, object id,
    ground) of each record shown, subject as ``"persons.person:7"``. The entry's object id is the digest of the rows
    (``chain.listing_digest``), so the signed chain pins them; its ground is the rows' ground when they share one.
    Nothing is written for an empty list. Same transaction as the caller, like ``access_log_record``.
    """
    listed = sorted({(str(subject), str(object_id), str(ground)) for subject, object_id, ground in rows})
    if not listed:
        return None
    if any(not ground for _subject, _object_id, ground in listed):
        raise ValueError("Each record of a list needs a ground (the rule that allowed it).")
    grounds = {ground for _subject, _object_id, ground in listed}
    subjects = {subject for subject, _object_id, _ground in listed}
    entry = access_log_record(
        actor=actor,
        action=action,
        ground=grounds.pop() if len(grounds) == 1 else MIXED_GROUNDS,
        object_type=f"{LIST_PREFIX}{object_type}",
        object_id=listing_digest(listed),
        subject=subjects.pop() if len(subjects) == 1 else "",
        detail=detail,
    )
    AccessLogListing.objects.bulk_create(
        [AccessLogListing(entry=entry, subject=s, object_id=o, ground=g) for s, o, g in listed], batch_size=1000
    )
    return entry


def _kick_sequencer() -> None:
    """Ask the worker to chain new entries soon, at most once a second per process (the minute job is the floor)."""
    global _next_kick
    now = time.monotonic()
    if now < _next_kick:
        return
    _next_kick = now + 1.0
    if _sequencer_queue is None:  # not wired (AuditConfig.ready did not run): the minute job will chain it
        return
    try:
        _sequencer_queue()
    except Exception:  # the access is committed; the every-minute job will chain it
        logger.warning("access log: could not queue the sequencer after a commit", exc_info=True)


def _take_sequencer_lock(*, wait: bool) -> bool:
    """PostgreSQL: a transaction-level advisory lock. SQLite: the IMMEDIATE transaction already holds the write lock."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCER_LOCK])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEQUENCER_LOCK])
        return cursor.fetchone()[0]


def chain_tip() -> tuple[int, str]:
    """The last link of the chain (0 and the genesis hash when nothing is chained yet)."""
    last = AccessLogEntry.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "hash").first()
    return last or (0, GENESIS_HASH)


def _sequence_batch(batch_size: int) -> int:
    seq, prev = chain_tip()
    # Whatever is committed and visible now, oldest id first. An entry whose transaction commits later (even with a
    # lower id) is still NULL then and is taken by a later batch: the chain order is the sequencer's, not the ids'.
    waiting = AccessLogEntry.objects.filter(seq__isnull=True).order_by("id").values("id", *CONTENT_FIELDS)
    rows = []
    for entry in waiting[:batch_size]:
        seq += 1
        link = entry_hash({**entry, "seq": seq, "prev_hash": prev})
        rows.append((seq, prev, link, entry["id"]))
        prev = link
    if rows:
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 1000):
                chunk = rows[start : start + 1000]
                if connection.vendor == "postgresql":  # one statement per thousand entries rather than per entry
                    values = ", ".join(["(%s::bigint, %s, %s, %s::bigint)"] * len(chunk))
                    cursor.execute(_FILL_MANY.format(values=values), [v for row in chunk for v in row])
                else:
                    cursor.executemany(_FILL, chunk)
                if cursor.rowcount != len(chunk):  # only the sequencer fills, under its lock: never happens
                    raise RuntimeError(f"access log sequencer: {cursor.rowcount} entries filled of {len(chunk)}")
    return len(rows)


def access_log_sequence(*, batch_size: int = 1000, wait: bool = True) -> dict:
    """Chain every entry committed so far, `batch_size` per transaction; returns a summary.

    Safe to run from several processes: one sequencer holds the lock at a time; with `wait=False` a second one
    returns at once ("busy") instead of queueing behind it.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    sequenced = batches = 0
    while True:
        with transaction.atomic():
            if not _take_sequencer_lock(wait=wait):
                return {"sequenced": sequenced, "batches": batches, "busy": True, "last_seq": None}
            count = _sequence_batch(batch_size)
            last_seq = chain_tip()[0]
        sequenced, batches = sequenced + count, batches + 1
        if count < batch_size:
            return {"sequenced": sequenced, "batches": batches, "busy": False, "last_seq": last_seq}
