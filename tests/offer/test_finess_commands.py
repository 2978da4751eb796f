"""`import_finess` and `load_categories` commands: output contract, dry run, errors, CNSA categories."""

import csv
import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from relais.offer.codes import Domain
from relais.offer.models import Category, LegalEntity, Site

pytestmark = pytest.mark.django_db

SAMPLE = settings.REFERENCE_DIR / "examples" / "finess" / "finess-structures-sample-part.json"
CNSA = settings.REFERENCE_DIR / "cnsa" / "cnsa_corresp_categorie_complete.csv"
FIXTURES = settings.BASE_DIR / "tests" / "offer" / "fixtures" / "finess"
KEYS = ["created", "updated", "closed", "unchanged", "skipped"]


def run(*args) -> list[str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue().splitlines()


def test_last_line_is_exactly_the_json_summary():
    lines = run("import_finess", str(SAMPLE))

    summary = json.loads(lines[-1])
    assert list(summary) == ["legal_entities", "sites"]
    assert list(summary["sites"]) == KEYS and list(summary["legal_entities"]) == KEYS
    assert summary["sites"]["created"] == Site.objects.count() > 0
    assert summary["legal_entities"]["created"] == LegalEntity.objects.count()
    above = "\n".join(lines[:-1])
    assert "Format détecté : FINESS+ (JSON)" in above
    assert "importés sans coordonnées : 2" in above  # flagged sites, with their reason below
    assert "commune absente du référentiel" in above

    again = json.loads(run("import_finess", str(SAMPLE))[-1])
    assert all(again[kind][key] == 0 for kind in again for key in ("created", "updated", "closed"))


def test_skip_reasons_are_printed_above_the_json(tmp_path):
    lines = (FIXTURES / "etalab_sites.csv").read_text(encoding="latin-1").splitlines()
    path = tmp_path / "doublon.csv"
    path.write_text("\n".join([*lines, lines[5]]) + "\n", encoding="latin-1")

    output = run("import_finess", str(path))

    assert json.loads(output[-1])["sites"]["skipped"] == 1
    assert any("ignoré(e)s — en double dans le fichier" in line for line in output[:-1])
    assert any("nom provisoire" in line for line in output[:-1])


def test_dry_run_checks_everything_and_writes_nothing():
    lines = run("import_finess", str(SAMPLE), "--dry-run")

    assert json.loads(lines[-1])["sites"]["created"] > 0
    assert any("rien n'a été enregistré" in line for line in lines)
    assert not Site.objects.exists() and not LegalEntity.objects.exists() and not Category.objects.exists()


def test_a_bad_file_exits_with_the_line_and_writes_nothing():
    with pytest.raises(CommandError, match=r"rien n'a été importé\. ligne 6, champ « nofinesset »"):
        run("import_finess", str(FIXTURES / "bad_finess.csv"))
    assert not Site.objects.exists()


def cnsa_rows() -> dict[str, tuple[str, str]]:
    """code → (label without its "NNN - " prefix, domain), read here from the CNSA table."""
    d = Domain
    domains = {"1": d.DISABLED_CHILDREN, "2": d.DISABLED_ADULTS, "3": d.OLDER_PEOPLE, "4": d.MULTI_PUBLIC}
    with CNSA.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    return {
        row["categorie"]: (
            " ".join(row["libelle_categorie_long"].split(" - ", 1)[1].split()),
            domains[row["code_domaine"]],
        )
        for row in rows
    }


def test_load_categories_from_the_cnsa_table_is_idempotent():
    rows = cnsa_rows()

    report = json.loads(run("load_categories")[-1])

    assert sum(report["categories"].values()) == len(rows)
    assert report["domain_disagreements"] == []
    for code, (label, domain) in rows.items():
        category = Category.objects.get(code=code)
        assert (category.label, category.domain, category.is_medico_social) == (label, domain, True)
    assert Category.objects.get(code="446").label == "Service d'Accompagnement à la Vie Sociale"
    assert Category.objects.get(code="437").replaced_by_id == "448"

    again = json.loads(run("load_categories", str(CNSA))[-1])
    assert again["categories"] == {"created": 0, "updated": 0, "unchanged": len(rows)}


def test_import_keeps_cnsa_labels_of_medico_social_categories():
    run("load_categories")
    run("import_finess", str(FIXTURES / "etalab_sites.csv"))

    assert Category.objects.get(code="183").label == cnsa_rows()["183"][0]  # not the file's "Institut Médico-Educatif"


def test_load_categories_refuses_a_bad_table_naming_the_line(tmp_path):
    lines = CNSA.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace("1;Enfants", "7;Enfants", 1)
    path = tmp_path / "cnsa.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"ligne 3, colonne « code_domaine » : code domaine invalide « 7 »"):
        run("load_categories", str(path))
    assert not Category.objects.exists()

    path.write_text("categorie;libelle\n182;SESSAD\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"ligne 1 : colonne\(s\) manquante\(s\)"):
        run("load_categories", str(path))
