"""The reference folder: complete and unchanged (manifest checksums), refreshed only from files that validate, and the
only place reference data is read from (nothing beside the repository)."""

import json
import re
import shutil
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from relais.operations.reference import manifest_read, reference_check, reference_refresh
from relais.orientation.terminology.sources import DEFAULT_DIR, read_terminology

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def reference_copy(tmp_path, settings):
    copy = tmp_path / "reference"
    shutil.copytree(settings.REFERENCE_DIR, copy)
    settings.REFERENCE_DIR = copy
    return copy


def test_the_shipped_reference_folder_matches_its_manifest():
    assert reference_check() == []
    sets = manifest_read()["sets"]
    assert {"sdo-terminology", "cnsa-categories"} <= set(sets)
    for entry in sets.values():
        # A set gathered from several sources (the FHIR profile constraints) gives the licence of each.
        guides = entry.get("guides", {})
        # The open licences the sets come under: Etalab's, or MIT (the ANS guides' repositories that carry a LICENSE).
        licensed = entry["licence"].startswith(("Licence Ouverte", "MIT License"))
        assert licensed or (guides and all(g["licence"] for g in guides.values()))
        assert entry["source"] and entry["publisher"] and entry["files"]


def test_the_product_reads_the_sdo_terminology_from_the_repository():
    assert DEFAULT_DIR.is_relative_to(ROOT)
    terminology = read_terminology()
    assert terminology.code_systems[0].name.startswith("TRE_R357")


def test_a_changed_missing_or_unlisted_file_is_named(reference_copy):
    (reference_copy / "cnsa" / "cnsa_corresp_categorie_complete.csv").write_bytes(b"code_domaine;categorie\n")
    (reference_copy / "examples" / "fhir" / "ror" / "Location-ror-location-exemple.json").unlink()
    (reference_copy / "cnsa" / "extra.csv").write_text("x")
    problems = "\n".join(reference_check())
    assert "cnsa_corresp_categorie_complete.csv : contenu différent" in problems
    assert "Location-ror-location-exemple.json : fichier absent" in problems
    assert "extra.csv : fichier absent du manifeste" in problems
    with pytest.raises(CommandError, match="3 problème"):
        call_command("reference_check", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))  # noqa: SIM115


def _newer_sdo_folder(tmp_path: Path, source: Path) -> Path:
    """The shipped SDO files with TRE_R358 republished under a newer version and one more reason."""
    folder = tmp_path / "newer"
    shutil.copytree(source, folder)
    path = next(folder.glob("CodeSystem-TRE-R358-*.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["version"] = "20270101120000"
    data["concept"].append({"code": "999", "display": "Motif ajouté par la mise à jour"})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


def test_refresh_swaps_in_newer_files_and_records_them(reference_copy, tmp_path):
    newer = _newer_sdo_folder(tmp_path, reference_copy / "sdo-terminology")
    summary = reference_refresh(name="sdo-terminology", source=newer, origin="ansforge/IG@abc123")
    assert summary["changed"] is True and "20270101120000" in summary["version"]
    entry = manifest_read(reference_copy)["sets"]["sdo-terminology"]
    assert entry["source"] == "ansforge/IG@abc123" and "20270101120000" in entry["version"]
    assert reference_check(reference_copy) == []
    assert "999" in read_terminology(reference_copy / "sdo-terminology").code_systems[1].concepts
    # Readable by the server's user like the folder it replaced, not mkdtemp's 0700 (issue 10 review).
    assert stat.S_IMODE((reference_copy / "sdo-terminology").stat().st_mode) == 0o755
    again = reference_refresh(name="sdo-terminology", source=newer)
    assert again["changed"] is False


def test_refresh_refuses_an_invalid_file_and_changes_nothing(reference_copy, tmp_path):
    newer = _newer_sdo_folder(tmp_path, reference_copy / "sdo-terminology")
    broken = next(newer.glob("ConceptMap-ASS-A32-*.json"))
    broken.write_text('{"resourceType": "ConceptMap",\n "group": [', encoding="utf-8")
    before = manifest_read(reference_copy)
    with pytest.raises(CommandError, match=r"ConceptMap-ASS-A32-.*ligne 2 : JSON invalide"):
        call_command("reference_refresh", "sdo-terminology", str(newer), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert manifest_read(reference_copy) == before
    assert reference_check(reference_copy) == []
    assert not [p for p in reference_copy.iterdir() if p.name.startswith(".")]


def test_refresh_dry_run_validates_without_writing(reference_copy, tmp_path):
    newer = _newer_sdo_folder(tmp_path, reference_copy / "sdo-terminology")
    summary = reference_refresh(name="sdo-terminology", source=newer, dry_run=True)
    assert summary["changed"] is True and summary["dry_run"] is True
    assert reference_check(reference_copy) == []


# The product and its tests never read from a folder beside the repository.
OUTSIDE = re.compile(r"""(parent|parents\[\d\])\s*/\s*["']shared["']|["']\.\./shared""")


def test_no_code_reads_from_beside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("relais", "tests", "config", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []
