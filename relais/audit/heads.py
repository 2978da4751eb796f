"""Signed heads: the chain's last link, signed with a key that is not in the database, appended to a file outside it.

Someone who can write the database can rewrite the chain and recompute every hash, but cannot sign; a head published
earlier then no longer matches (chain.verify_chain). Key: RELAIS_AUDIT_KEY_FILE (Ed25519, PKCS#8 PEM, mode 0600,
created on first publication; public key alongside as .pub). Heads: RELAIS_AUDIT_HEADS_FILE, one JSON line each.
"""

import base64
import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from .models import AccessLogEntry
from .services import chain_tip

DOMAIN = b"relais-audit-head-v1\n"


class HeadError(Exception):
    pass


def _key_path() -> Path:
    return Path(settings.RELAIS_AUDIT_KEY_FILE)


def _public_path() -> Path:
    return _key_path().with_suffix(".pub")


def _heads_path() -> Path:
    return Path(settings.RELAIS_AUDIT_HEADS_FILE)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create `path` whole or not at all: written under a temporary name, then linked (fails if it exists)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    finally:
        tmp.unlink()


def signing_key(*, create: bool) -> Ed25519PrivateKey | None:
    path = _key_path()
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            _write_new(path, pem, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return signing_key(create=False)
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _public_path().unlink(missing_ok=True)
        _write_new(_public_path(), public, 0o644)
        return key
    if path.stat().st_mode & 0o077:
        raise HeadError(f"{path} : la clé de signature est lisible par d'autres utilisateurs (chmod 600 attendu).")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as error:
        raise HeadError(f"{path} : clé de signature illisible ({error}).") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise HeadError(f"{path} : la clé de signature doit être une clé Ed25519.")
    return key


def public_key() -> Ed25519PublicKey | None:
    """The key heads are checked with: from the signing key when present, else the .pub file (verifying elsewhere)."""
    key = signing_key(create=False)
    if key is not None:
        return key.public_key()
    if not _public_path().exists():
        return None
    try:
        loaded = serialization.load_pem_public_key(_public_path().read_bytes())
    except ValueError as error:
        raise HeadError(f"{_public_path()} : clé publique illisible ({error}).") from error
    if not isinstance(loaded, Ed25519PublicKey):
        raise HeadError(f"{_public_path()} : la clé publique doit être une clé Ed25519.")
    return loaded


def heads_expected() -> bool:
    """A key exists, so heads were published: the key is created by the first publication (or the .pub copied with
    the heads to verify elsewhere). Then a chain with no heads at all means the heads file was deleted or emptied."""
    return _key_path().exists() or _public_path().exists()


def _message(head: dict) -> bytes:
    body = {"seq": head["seq"], "hash": head["hash"], "at": head["at"]}
    return DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def head_sign(key: Ed25519PrivateKey, *, seq: int, hash: str, at: str) -> dict:
    head = {"seq": seq, "hash": hash, "at": at}
    return {**head, "sig": base64.b64encode(key.sign(_message(head))).decode()}


@dataclass
class HeadsFile:
    heads: list[dict] = field(default_factory=list)  # lines whose signature is valid, in file order
    problems: list[str] = field(default_factory=list)  # one per bad line


def heads_read() -> HeadsFile:
    """Every line of the heads file, each checked against the public key; a bad line is a problem, not an error."""
    result = HeadsFile()
    path = _heads_path()
    if not path.exists():
        return result
    key = public_key()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}, ligne {number}"
        try:
            head = json.loads(line)
            seq, hash_, at, sig = int(head["seq"]), str(head["hash"]), str(head["at"]), str(head["sig"])
        except (ValueError, KeyError, TypeError):
            result.problems.append(f"{where} : tête illisible")
            continue
        if key is None:
            result.problems.append(f"{where} : aucune clé ({_key_path()} ni {_public_path()}) pour vérifier la tête")
            continue
        try:
            key.verify(base64.b64decode(sig, validate=True), _message({"seq": seq, "hash": hash_, "at": at}))
        except (InvalidSignature, ValueError):
            result.problems.append(f"{where} : signature invalide (tête n° {seq} falsifiée ou d'une autre clé)")
            continue
        result.heads.append({"seq": seq, "hash": hash_, "at": at})
    return result


def _last_line(fd: int) -> str:
    size = os.fstat(fd).st_size
    start = max(0, size - 8192)
    data = os.pread(fd, size - start, start).decode("utf-8", errors="replace")
    lines = [line for line in data.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def access_log_publish_head() -> dict:
    """Sign the chain's current last link and append it to the heads file (nothing when it has not moved).

    Refuses to sign a chain that no longer contains the last published head: that database was rewound or rewritten,
    and signing it would bless the tampering.
    """
    seq, hash_ = chain_tip()
    if seq == 0:
        return {"published": False, "seq": 0, "hash": hash_, "reason": "journal vide"}
    path = _heads_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = signing_key(create=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one publisher at a time reads the last line and appends
        last = _last_line(fd)
        if last:
            try:
                previous = json.loads(last)
                previous_seq, previous_hash = int(previous["seq"]), str(previous["hash"])
            except (ValueError, KeyError, TypeError) as error:
                raise HeadError(f"{path} : dernière ligne illisible, rien n'est publié.") from error
            if (previous_seq, previous_hash) == (seq, hash_):
                return {"published": False, "seq": seq, "hash": hash_, "reason": "inchangée"}
            stored = AccessLogEntry.objects.filter(seq=previous_seq).values_list("hash", flat=True).first()
            if previous_seq > seq or stored != previous_hash:
                raise HeadError(
                    f"La chaîne ne contient plus la dernière tête publiée (n° {previous_seq}) : base restaurée ou "
                    "réécrite, rien n'est publié. Lancez audit_verify."
                )
        head = head_sign(key, seq=seq, hash=hash_, at=timezone.now().isoformat(timespec="seconds"))
        os.write(fd, (json.dumps(head, sort_keys=True) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return {"published": True, "seq": seq, "hash": hash_, "file": str(path)}
