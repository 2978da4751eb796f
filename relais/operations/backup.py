"""Backups: the database and the uploaded files in one folder, with a manifest of checksums (decision 0027).

A backup is a folder that did not exist before::

    PATH/manifest.json       what follows, Relais version and commit, migration state, size and SHA-256 of each file
    PATH/database.sqlite3    SQLite: a copy made with the online backup API
    PATH/database.dump       PostgreSQL: pg_dump --format=custom
    PATH/media.tar           MEDIA_ROOT (every uploaded file; its size and SHA-256 are also in the manifest)

It is written under a hidden temporary name beside PATH and renamed to PATH only once complete, so a folder named
PATH is never a half-written backup. Not in it, on purpose: the secret key, the access log's signing key and signed
heads (they live outside the database so that a copy of the database cannot rewrite them), the job queue.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

from . import databases
from .errors import BackupError

FORMAT = "relais-backup/1"
MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
RESTORE_STAGING_PREFIX = ".relais-restore-"  # restore's working folder inside MEDIA_ROOT, never backed up
_BLOCK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def migration_state(applied) -> dict[str, str]:
    """The last migration applied per app, from (app, name) pairs (names start with their number)."""
    state: dict[str, str] = {}
    for app, name in applied:
        state[app] = max(state.get(app, name), name)
    return dict(sorted(state.items()))


def relais_version() -> dict:
    version = commit = None
    try:
        with (settings.BASE_DIR / "pyproject.toml").open("rb") as handle:
            version = tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (git from PATH: optional, only informative)
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        commit = done.stdout.strip() if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        pass
    return {"version": version, "commit": commit}


class _HashingReader:
    """Hands a file to tarfile while hashing it: each uploaded file is read once, checksum and archive agree."""

    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _media_files(root: Path):
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not (folder == str(root) and d.startswith(RESTORE_STAGING_PREFIX)))
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(root).as_posix()


def media_archive(root: Path, dest: Path) -> list[dict]:
    """MEDIA_ROOT into an uncompressed tar (uploads are PDFs and images, already compressed); each file's checksum."""
    listed = []
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for path, name in _media_files(root):
            info = tar.gettarinfo(path, arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as handle:
                reader = _HashingReader(handle)
                tar.addfile(info, reader)
            listed.append({"path": name, "size": reader.size, "sha256": reader.digest.hexdigest()})
    return listed


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def outside_media(path: Path) -> None:
    """A backup inside MEDIA_ROOT would be copied into the next one and moved away by a restore."""
    media = Path(settings.MEDIA_ROOT).absolute()
    if path == media or media in path.parents:
        raise BackupError(f"{path} est dans MEDIA_ROOT ({media}) : placez les sauvegardes ailleurs.")


def backup_create(*, path: Path) -> dict:
    """Write a complete backup to `path` (which must not exist yet); returns its manifest."""
    path = Path(path).absolute()
    if path.exists():
        raise BackupError(f"{path} existe déjà : une sauvegarde va dans un nouveau dossier, elle n'en écrase aucune.")
    outside_media(path)
    connection = connections["default"]
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Base {vendor} non prise en charge : seules SQLite et PostgreSQL le sont.")
    path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    try:
        database = work / DATABASE_FILES[vendor]
        dump = databases.sqlite_dump if vendor == "sqlite" else databases.pg_dump
        # The database first: a file uploaded meanwhile is then only an unreferenced extra, never a missing file.
        applied = dump(connection, database)
        media = media_archive(Path(settings.MEDIA_ROOT), work / MEDIA_TAR)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "relais": relais_version(),
            "database": {"vendor": vendor, "file": database.name, "name": str(connection.settings_dict["NAME"])},
            "migrations": migration_state(applied),
            "files": [
                {"name": file.name, "size": file.stat().st_size, "sha256": sha256_file(file)}
                for file in (database, work / MEDIA_TAR)
            ],
            "media": {
                "count": len(media),
                "bytes": sum(entry["size"] for entry in media),
                "files": media,
            },
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        for file in (database, work / MEDIA_TAR, work / MANIFEST):
            file.chmod(0o600)  # personal data: readable by the operator only
            _fsync(file)
        _fsync(work)
        os.rename(work, path)
        _fsync(path.parent)
    except BaseException as error:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(error, OSError):
            raise BackupError(f"écriture ou lecture impossible : {error}") from None
        raise
    return manifest


def manifest_read(path: Path) -> dict:
    """The manifest of the backup in `path`; a clear error when the folder or the manifest is missing or unreadable."""
    path = Path(path).absolute()
    if not path.exists():
        raise BackupError(f"{path} : sauvegarde introuvable.")
    if not path.is_dir():
        raise BackupError(f"{path} : une sauvegarde est un dossier (manifest.json, base, media.tar), pas un fichier.")
    file = path / MANIFEST
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{file} : manifeste introuvable, sauvegarde incomplète ou interrompue.") from None
    except UnicodeDecodeError:
        raise BackupError(f"{file} : manifeste illisible (pas de l'UTF-8).") from None
    except json.JSONDecodeError as error:
        raise BackupError(f"{file}, ligne {error.lineno} : JSON invalide ({error.msg}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"{file} : format de sauvegarde inconnu ({found!r}, attendu {FORMAT!r}).")
    for key in ("database", "migrations", "files", "media"):
        if key not in manifest:
            raise BackupError(f"{file} : champ « {key} » manquant.")
    return manifest


def backup_verify(path: Path) -> dict:
    """Every file the manifest lists is there with its size and SHA-256; returns the manifest. Reads, never writes."""
    path = Path(path).absolute()
    manifest = manifest_read(path)
    listed = {entry.get("name"): entry for entry in manifest["files"]}
    vendor = manifest["database"].get("vendor")
    for required in (DATABASE_FILES.get(vendor), MEDIA_TAR):
        if required not in listed:
            raise BackupError(f"{path / MANIFEST} : « {required} » n'est pas listé, sauvegarde incomplète.")
    for name, entry in listed.items():
        file = path / name
        if Path(name).name != name:
            raise BackupError(f"{path / MANIFEST} : nom de fichier refusé « {name} ».")
        if not file.is_file():
            raise BackupError(f"{file} : fichier absent, sauvegarde incomplète.")
        size = file.stat().st_size
        if size != entry.get("size"):
            raise BackupError(
                f"{file} : {size} octets au lieu de {entry.get('size')} selon le manifeste (fichier tronqué ou altéré)."
            )
        if sha256_file(file) != entry.get("sha256"):
            raise BackupError(f"{file} : somme SHA-256 différente du manifeste (fichier altéré ou corrompu).")
    return manifest
