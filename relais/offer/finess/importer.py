"""`finess_import`: detect the format, parse and check the whole file, then write it in one transaction."""

import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from relais.accounts.onboarding import organisations_link_to_directory

from .etalab import read_etalab
from .finessplus import read_finessplus
from .records import FinessError, Parsed
from .sync import UNKNOWN_COMMUNE, write

ETALAB_START = re.compile(rb"(finess|structureet|structureej|geolocalisation);")
ETALAB, FINESSPLUS = "etalab", "finessplus"


class Bar(Protocol):
    def update(self, n: int) -> object: ...
    def close(self) -> object: ...


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _no_progress(description: str, total: int | None, unit: str) -> Bar:
    return _NoBar()


def detect(raw: bytes) -> str:
    """FINESS+ JSON starts with `{`; an etalab extract with one of its section names and `;`."""
    head = raw[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head[:1] in (b"{", b"["):
        return FINESSPLUS
    if ETALAB_START.match(head):
        return ETALAB
    raise FinessError(
        "ligne 1 : format non reconnu (attendu : un JSON FINESS+ commençant par « { », ou un extrait etalab "
        "dont les lignes commencent par « finess; », « structureet; » ou « geolocalisation; »)"
    )


def finess_import(
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Callable[[str, int | None, str], Bar] = _no_progress,
    today: date | None = None,
) -> dict:
    """Import a FINESS file (etalab CSV or FINESS+ JSON); all or nothing. Raises FinessError, nothing written.

    Returns the report: counts per kind (created, updated, closed, unchanged, skipped), skip reasons,
    flagged sites (no usable coordinates), warnings, categories created or updated.
    """
    started = time.monotonic()
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FinessError(f"{path} : lecture impossible ({error.strerror})") from None
    kind = detect(raw)
    today = today or timezone.localdate()
    if kind == ETALAB:
        bar = progress("Lecture", raw.count(b"\n") or None, "lignes")
        read = read_etalab
    else:
        bar = progress("Lecture", None, "EJ")
        read = read_finessplus
    try:
        parsed = read(raw, today=today, tick=bar.update)
    finally:
        bar.close()
    parsed_at = time.monotonic()

    bar = progress("Écriture", len(parsed.entities) + len(parsed.sites), "enr.")
    try:
        with transaction.atomic():
            report = write(parsed, advance=bar.update)
            # An organisation that was waiting for its entry becomes that entry's identity (decision 0029).
            report["organisations_linked"] = organisations_link_to_directory()
            if dry_run:
                transaction.set_rollback(True)
    finally:
        bar.close()
    return _report(parsed, report, dry_run=dry_run, parse_s=parsed_at - started, total_s=time.monotonic() - started)


def _report(parsed: Parsed, report: dict, *, dry_run: bool, parse_s: float, total_s: float) -> dict:
    warnings = Counter(parsed.warnings)
    unknown = report.pop("unknown_communes")
    if unknown:
        warnings[UNKNOWN_COMMUNE] = sum(unknown.values())
    return {
        **report,
        "format": parsed.format,
        "dry_run": dry_run,
        "flagged": dict(Counter(site.flag for site in parsed.sites.values() if site.flag)),
        "placeholder_legal_entities": sum(1 for entity in parsed.entities.values() if entity.placeholder),
        "warnings": dict(warnings),
        "unknown_commune_codes": sorted(unknown)[:20],
        "seconds": {"parse": round(parse_s, 2), "total": round(total_s, 2)},
    }


def summary_lines(report: dict) -> list[str]:
    """Human-readable lines (French) printed before the JSON summary."""
    words = {"created": "créé(e)s", "updated": "mis(es) à jour", "closed": "fermé(e)s", "unchanged": "inchangé(e)s"}
    seconds = report["seconds"]
    lines = [f"Format détecté : {report['format']} ; lu en {seconds['parse']} s, total {seconds['total']} s."]
    for kind, label in (("legal_entities", "Entités juridiques"), ("sites", "Établissements")):
        counts = report[kind]
        lines.append(
            f"{label} : "
            + ", ".join(f"{counts[key]} {word}" for key, word in words.items())
            + f", {counts['skipped']} ignoré(e)s."
        )
        for reason, n in sorted(report["skipped_reasons"][kind].items()):
            lines.append(f"  ignoré(e)s — {reason} : {n}")
    categories = report["categories"]
    lines.append(f"Catégories : {categories['created']} créée(s), {categories['updated']} mise(s) à jour.")
    if report["placeholder_legal_entities"]:
        lines.append(
            f"{report['placeholder_legal_entities']} entité(s) juridique(s) connue(s) seulement par leur numéro "
            "(pas de section structureej) : créées avec un nom provisoire si absentes, jamais modifiées."
        )
    if report.get("organisations_linked"):
        lines.append(f"Organisations Relais reliées à leur entrée du répertoire : {report['organisations_linked']}")
    flagged = report["flagged"]
    if flagged:
        lines.append(f"Établissements signalés, importés sans coordonnées : {sum(flagged.values())}")
        lines.extend(f"  signalé(s) — {reason} : {n}" for reason, n in sorted(flagged.items()))
    for warning, n in sorted(report["warnings"].items()):
        lines.append(f"Avertissement — {warning} : {n}")
    if report["unknown_commune_codes"]:
        lines.append("  codes commune inconnus (20 au plus) : " + ", ".join(report["unknown_commune_codes"]))
    if report["dry_run"]:
        lines.append("Simulation (--dry-run) : tout a été vérifié et calculé, puis annulé ; rien n'a été enregistré.")
    return lines


def summary_counts(report: dict) -> dict:
    """Exactly the two kinds and five counts of the summary's last line."""
    return {kind: {key: report[kind][key] for key in ("created", "updated", "closed", "unchanged", "skipped")}
            for kind in ("legal_entities", "sites")}  # fmt: skip
