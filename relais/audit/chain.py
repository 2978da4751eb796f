"""The hash chain, in pure Python: how an entry's hash is computed and how a log is checked."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "api_client_id",
    "actor_label",
    "organisation_id",
    "organisation_label",
    "action",
    "object_type",
    "object_id",
    "subject",
    "ground",
    "detail",
    "prev_hash",
)


def _canonical(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def entry_hash(fields: dict) -> str:
    payload = json.dumps({name: _canonical(fields[name]) for name in HASHED_FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    entry_id: int | None
    message: str


def verify_chain(entries: Iterable[dict], head: dict | None) -> ChainProblem | None:
    """Return the first problem in `entries` (dicts in seq order), or None when the chain is intact.

    `head` is the stored last link ({"last_seq", "last_hash"}); it reveals entries
    removed from the end, which the links between entries alone cannot show.
    """
    expected_seq, prev = 1, GENESIS_HASH
    for entry in entries:
        if entry["seq"] != expected_seq:
            return ChainProblem(expected_seq, None, f"l'entrée n° {expected_seq} manque (supprimée)")
        if entry["prev_hash"] != prev:
            return ChainProblem(entry["seq"], entry["id"], "le lien vers l'entrée précédente est rompu")
        if entry_hash(entry) != entry["hash"]:
            return ChainProblem(entry["seq"], entry["id"], "le contenu a été modifié après écriture")
        prev, expected_seq = entry["hash"], expected_seq + 1
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            return ChainProblem(last_seq, None, "la tête de chaîne a disparu")
        return None
    if head["last_seq"] != last_seq or head["last_hash"] != prev:
        return ChainProblem(
            last_seq + 1, None, f"des entrées manquent en fin de journal (attendu jusqu'au n° {head['last_seq']})"
        )
    return None
