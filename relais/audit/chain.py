"""The hash chain, in pure Python: how an entry's hash is computed and how a log is checked against signed heads."""

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


def listing_digest(rows: Iterable[tuple[str, str, str]]) -> str:
    """The identifier of a list entry (decision 0047): SHA-256 of its rows (subject, object id, ground), sorted, so
    that the chain, which signs the entry, pins every row of the list too."""
    payload = json.dumps(sorted([list(row) for row in rows]), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    entry_id: int | None
    message: str


def verify_chain(entries: Iterable[dict], heads: Iterable[dict] = ()) -> ChainProblem | None:
    """Return the first problem in `entries` (the chained entries, dicts in seq order), or None when intact.

    `heads` are signed heads ({"seq", "hash"}) whose signature was already checked: the links between entries cannot
    show a tail removed, nor a rewrite that recomputed every later hash, nor a database restored from an older copy;
    a head published before that happened can.
    """
    wanted = {}
    for head in heads:
        wanted.setdefault(head["seq"], set()).add(head["hash"])
    expected_seq, prev = 1, GENESIS_HASH
    for entry in entries:
        if entry["seq"] != expected_seq:
            return ChainProblem(expected_seq, None, f"l'entrée n° {expected_seq} manque (supprimée)")
        if entry["prev_hash"] != prev:
            return ChainProblem(entry["seq"], entry["id"], "le lien vers l'entrée précédente est rompu")
        if entry_hash(entry) != entry["hash"]:
            return ChainProblem(entry["seq"], entry["id"], "le contenu a été modifié après écriture")
        if entry["seq"] in wanted and wanted[entry["seq"]] != {entry["hash"]}:
            return ChainProblem(
                entry["seq"], entry["id"], "la chaîne diffère de la tête signée à ce n° (entrées réécrites)"
            )
        prev, expected_seq = entry["hash"], expected_seq + 1
    last_seq = expected_seq - 1
    beyond = [seq for seq in wanted if seq > last_seq]
    if beyond:
        return ChainProblem(
            last_seq + 1,
            None,
            f"la base s'arrête au n° {last_seq} alors qu'une tête signée atteste le n° {max(beyond)} "
            "(entrées supprimées en fin de journal ou base restaurée depuis une copie plus ancienne)",
        )
    return None
