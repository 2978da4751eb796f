"""Restore: everything is checked before anything is touched, then database and files are replaced.

Order (decision 0027): manifest and checksums of every file of the backup; the database copy (SQLite integrity check,
pg_restore's table of contents); each uploaded file of the archive against the manifest; same database vendor; same
migration state as the target database (unless forced). Only then: the uploaded files are extracted beside MEDIA_ROOT's
content; the database is replaced in one step (SQLite backup API) or one transaction (pg_restore --single-transaction);
last, the files are swapped in by renames (the old ones kept until the end, then deleted). The database goes first
because it is the long step: a failure or a crash there leaves the database and the files as they were. Only a crash
during the renames (an instant) leaves the restored database with some old files: running the restore again completes
it (docs/operations.md). If a rename fails, the files are swapped back and the message says to run it again.
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from . import databases
from .backup import DATABASE_FILES, MEDIA_TAR, RESTORE_STAGING_PREFIX, backup_verify, migration_state, outside_media
from .errors import BackupError


def media_check(tar_path: Path, expected: list[dict]) -> None:
    """Stream the archive: only plain relative paths of regular files, each exactly as the manifest lists it."""
    wanted = {entry["path"]: entry for entry in expected}
    seen = set()
    try:
        with tarfile.open(tar_path, "r:") as tar:
            for member in tar:
                name = member.name
                parts = PurePosixPath(name).parts
                if member.isdir():
                    continue
                if not member.isfile() or name.startswith("/") or ".." in parts or name not in wanted:
                    raise BackupError(f"{tar_path.name} : élément « {name} » refusé (absent du manifeste ou non sûr).")
                digest = hashlib.sha256()
                handle = tar.extractfile(member)
                while block := handle.read(1 << 20):
                    digest.update(block)
                entry = wanted[name]
                if member.size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                    raise BackupError(f"{tar_path.name} : « {name} » diffère du manifeste (fichier altéré).")
                seen.add(name)
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{tar_path.name} : archive illisible ({error}).") from None
    missing = sorted(set(wanted) - seen)
    if missing:
        raise BackupError(f"{tar_path.name} : « {missing[0]} » manque dans l'archive ({len(missing)} fichier(s)).")


def _target_migrations(connection) -> dict[str, str]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    return migration_state(recorder.applied_migrations())


def _migrations_compare(saved: dict, target: dict) -> str | None:
    """None when the target may receive the backup: same state, or a database where nothing was ever migrated."""
    if not target or saved == target:
        return None
    gaps = [
        f"{app} : sauvegarde {saved.get(app, '—')}, base {target.get(app, '—')}"
        for app in sorted(set(saved) | set(target))
        if saved.get(app) != target.get(app)
    ]
    more = f" (et {len(gaps) - 3} autre(s))" if len(gaps) > 3 else ""
    return "; ".join(gaps[:3]) + more


class _MediaSwap:
    """Uploaded files replaced by renames inside MEDIA_ROOT (works when MEDIA_ROOT is a mount point), reversibly."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=RESTORE_STAGING_PREFIX, dir=root))
        self.new, self.old = self.staging / "new", self.staging / "old"
        self.new.mkdir()
        self.old.mkdir()
        self.moves: list[tuple[Path, Path]] = []  # done so far, undone in reverse order

    def extract(self, tar_path: Path) -> None:
        with tarfile.open(tar_path, "r:") as tar:
            tar.extractall(self.new, filter="data")  # the data filter refuses links, devices, absolute paths, ".."

    def _move(self, source: Path, target: Path) -> None:
        source.rename(target)
        self.moves.append((source, target))

    def swap_in(self) -> None:
        for entry in list(self.root.iterdir()):
            if not entry.name.startswith(RESTORE_STAGING_PREFIX):
                self._move(entry, self.old / entry.name)
        for entry in list(self.new.iterdir()):
            self._move(entry, self.root / entry.name)

    def swap_back(self) -> None:
        while self.moves:
            source, target = self.moves.pop()
            target.rename(source)

    def cleanup(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def backup_restore(*, path: Path, force: bool = False, check_only: bool = False) -> dict:
    """Replace the database, then MEDIA_ROOT, by the backup in `path`; `check_only`: verify only.

    The server and the worker must be stopped (a request served halfway would mix old and new data); on PostgreSQL
    the restore refuses while another session is connected.
    """
    path = Path(path).absolute()
    manifest = backup_verify(path)
    outside_media(path)
    connection = connections["default"]
    vendor = manifest["database"].get("vendor")
    if vendor != connection.vendor:
        raise BackupError(
            f"{path} : sauvegarde d'une base {vendor}, la base configurée est {connection.vendor} : "
            "restauration impossible."
        )
    database = path / DATABASE_FILES[vendor]
    if vendor == "sqlite":
        inside = migration_state(databases.sqlite_check(database))
        if inside != manifest["migrations"]:
            raise BackupError(f"{database} : état des migrations différent de celui du manifeste (fichier remplacé ?).")
    else:
        databases.pg_check(database, connection.settings_dict)
    media_check(path / MEDIA_TAR, manifest["media"]["files"])
    gap = _migrations_compare(manifest["migrations"], _target_migrations(connection))
    if gap and not force:
        raise BackupError(
            f"La base cible n'a pas le même état de migrations que la sauvegarde ({gap}). Restaurez avec la version de "
            f"Relais qui l'a faite (commit {manifest['relais'].get('commit') or 'inconnu'}) ou ajoutez --force."
        )
    sessions = databases.pg_other_sessions(connection) if vendor == "postgresql" else 0
    if sessions and not check_only:
        raise BackupError(
            f"{sessions} autre(s) session(s) connectée(s) à la base {connection.settings_dict['NAME']} : arrêtez le "
            "serveur, le worker et tout autre client avant de restaurer (rien n'a été modifié)."
        )
    summary = {
        "path": str(path),
        "vendor": vendor,
        "created_at": manifest.get("created_at"),
        "relais": manifest.get("relais"),
        "media_files": manifest["media"]["count"],
        "media_bytes": manifest["media"]["bytes"],
        "migrations_differ": bool(gap),
        "other_sessions": sessions,
        "restored": False,
    }
    if check_only:
        return summary
    try:
        swap = _MediaSwap(Path(settings.MEDIA_ROOT))
    except OSError as error:
        raise BackupError(f"MEDIA_ROOT : dossier de travail impossible, rien n'a été modifié ({error}).") from None
    try:
        swap.extract(path / MEDIA_TAR)
    except (OSError, tarfile.TarError) as error:
        swap.cleanup()
        raise BackupError(f"{MEDIA_TAR} : extraction impossible, rien n'a été modifié ({error}).") from None
    try:
        if vendor == "sqlite":
            databases.sqlite_restore(connection, database)
        else:
            databases.pg_restore(connection, database)
    except BaseException as error:
        swap.cleanup()  # only the extracted copy: MEDIA_ROOT's files were not touched
        if isinstance(error, (OSError, BackupError)):
            raise BackupError(f"Restauration impossible, la base et les fichiers sont inchangés : {error}") from None
        raise
    try:
        swap.swap_in()
    except BaseException as error:
        try:
            swap.swap_back()
        except OSError as undo_error:
            raise BackupError(
                f"Base restaurée, mais fichiers déposés non remplacés ({error}) ni remis en place ({undo_error}) : "
                f"les anciens sont dans {swap.old}, les nouveaux dans {swap.new} ; relancez la restauration."
            ) from error
        swap.cleanup()
        raise BackupError(
            f"Base restaurée, mais fichiers déposés non remplacés ({error}) : les anciens sont remis en place ; "
            "relancez la restauration, elle recommence à l'identique."
        ) from None
    swap.cleanup()
    ContentType.objects.clear_cache()  # ids in this process's cache may belong to the replaced database
    return {**summary, "restored": True}
