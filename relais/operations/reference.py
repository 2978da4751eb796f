"""The reference data shipped in ``reference/``: its manifest (source, version, licence, checksums) and its refresh.

Every file Relais reads at run time or in tests as national reference data lives in one folder of the repository, listed
in ``reference/provenance.json``. ``reference_check`` proves the folder is what the manifest says (a changed or missing
file is named); ``reference_refresh`` replaces one set from newer official files after validating them with the same
readers the product uses, so a bad file never lands: the new files are written beside the old ones and swapped in at the
end, and the manifest is rewritten with their checksums and versions.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings

MANIFEST = "provenance.json"


class ReferenceError(Exception):
    """A reference file is missing, changed or invalid; the message names the file."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_read(root: Path | None = None) -> dict:
    root = root or settings.REFERENCE_DIR
    path = root / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceError(f"{path} : manifeste des données de référence introuvable.") from None
    except json.JSONDecodeError as error:
        raise ReferenceError(f"{path}, ligne {error.lineno} : JSON invalide ({error.msg}).") from None


def reference_check(root: Path | None = None) -> list[str]:
    """Problems found (empty when every listed file is present with its checksum and no file is unlisted)."""
    root = root or settings.REFERENCE_DIR
    manifest = manifest_read(root)
    problems, listed = [], set()
    for name, entry in manifest["sets"].items():
        for relative, expected in entry["files"].items():
            path = root / entry["folder"] / relative
            listed.add(path)
            if not path.is_file():
                problems.append(f"{path} : fichier absent (jeu « {name} »).")
            elif sha256(path) != expected:
                problems.append(f"{path} : contenu différent de celui du manifeste (jeu « {name} »).")
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name not in (MANIFEST, "README.md") and path not in listed:
            problems.append(f"{path} : fichier absent du manifeste {MANIFEST}.")
    return problems


# --- Refresh ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshableSet:
    """A set the product reads: which files to take from a source folder, and how to validate them."""

    folder: str
    patterns: tuple[str, ...]
    validate: Callable[[Path], str]  # validates the folder, returns a version label


def _validate_sdo(folder: Path) -> str:
    from relais.orientation.terminology.sources import TerminologyError, read_terminology

    try:
        terminology = read_terminology(folder)
    except TerminologyError as error:
        raise ReferenceError(str(error)) from None
    return ", ".join(f"{system.name} {system.version}" for system in terminology.code_systems)


def _validate_cnsa(folder: Path) -> str:
    from relais.offer.finess.categories import read_cnsa
    from relais.offer.finess.records import FinessError

    path = folder / "cnsa_corresp_categorie_complete.csv"
    try:
        rows = read_cnsa(path.read_bytes())
    except FinessError as error:
        raise ReferenceError(f"{path} : {error}") from None
    return f"{len(rows)} catégories"


REFRESHABLE = {
    "sdo-terminology": RefreshableSet(
        "sdo-terminology",
        (
            "CodeSystem-TRE-R357-*.fsh",
            "CodeSystem-TRE-R358-*.json",
            "ConceptMap-ASS-A32-*.json",
            "ValueSet-JDV-J25[0-3]-*.json",
        ),
        _validate_sdo,
    ),
    "cnsa-categories": RefreshableSet("cnsa", ("cnsa_corresp_categorie_complete.csv",), _validate_cnsa),
}


def reference_refresh(*, name: str, source: Path, origin: str = "", dry_run: bool = False) -> dict:
    """Replace the set ``name`` with the matching files of ``source`` (a folder), once they validate."""
    if name not in REFRESHABLE:
        raise ReferenceError(f"jeu « {name} » inconnu ; jeux actualisables : {', '.join(sorted(REFRESHABLE))}.")
    spec, root = REFRESHABLE[name], settings.REFERENCE_DIR
    if not source.is_dir():
        raise ReferenceError(f"{source} : dossier introuvable.")
    files = sorted({path for pattern in spec.patterns for path in source.glob(pattern) if path.is_file()})
    if not files:
        raise ReferenceError(f"{source} : aucun fichier attendu ({', '.join(spec.patterns)}).")
    manifest = manifest_read(root)
    target = root / spec.folder
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.folder}-", dir=root))
    try:
        for path in files:
            shutil.copy2(path, staging / path.name)
        version = spec.validate(staging)
        checksums = {path.name: sha256(staging / path.name) for path in files}
        entry = manifest["sets"][name]
        changed = checksums != entry["files"]
        summary = {"set": name, "files": len(files), "version": version, "changed": changed, "dry_run": dry_run}
        if dry_run or not changed:
            return summary
        entry.update(files=checksums, version=version, retrieved=date.today().isoformat())
        if origin:
            entry["source"] = origin
        staging.chmod(0o755)  # mkdtemp made it 0700: the server may run as another user than the one refreshing
        old = root / f".{spec.folder}-old"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old)
        _manifest_write(root, manifest)
        return summary
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _manifest_write(root: Path, manifest: dict) -> None:
    temporary = root / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, root / MANIFEST)
