"""The SDO terminology loader, on the real shared files (the copy shipped in reference/)."""

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relais.orientation.terminology.models import CodeSystem, Concept, StatusReasonRule, ValueSet
from relais.orientation.terminology.selectors import concept_label, resolve_system, sdo_rules
from relais.orientation.terminology.sources import DEFAULT_DIR, parse_fsh_code_system, read_terminology

pytestmark = pytest.mark.django_db
STATUS_URL = "https://mos.esante.gouv.fr/NOS/TRE_R357-StatutPersonnePriseCharge/FHIR/TRE-R357-StatutPersonnePriseCharge"


def _load(directory=None) -> dict:
    out = StringIO()
    call_command("load_sdo_terminology", *([str(directory)] if directory else []), stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def _expected():
    """Counts computed from the files themselves."""
    fsh = (DEFAULT_DIR / "CodeSystem-TRE-R357-StatutPersonnePriseCharge.fsh").read_text(encoding="utf-8")
    statuses = {line.split()[1][1:] for line in fsh.splitlines() if line.startswith("* #") and '"' in line.split()[2]}
    reasons = json.loads((DEFAULT_DIR / "CodeSystem-TRE-R358-MotifStatutPersonnePriseCharge.json").read_text())
    cmap = json.loads((DEFAULT_DIR / "ConceptMap-ASS-A32-StatutMotifPersonnePriseCharge.json").read_text())
    pairs = {(e["code"], t["code"]) for g in cmap["group"] for e in g["element"] for t in e["target"]}
    members = sum(
        len(inc["concept"])
        for path in DEFAULT_DIR.glob("ValueSet-JDV-*.json")
        for inc in json.loads(path.read_text())["compose"]["include"]
    )
    return len(statuses), len(reasons["concept"]), pairs, members


def test_load_real_files_counts_and_idempotence():
    n_statuses, n_reasons, pairs, members = _expected()
    report = _load()
    assert report["concepts"]["created"] == n_statuses + n_reasons == Concept.objects.count()
    assert report["rules"]["created"] == len(pairs) == StatusReasonRule.objects.count()
    assert report["value_set_members"]["created"] == members
    assert CodeSystem.objects.get(url=STATUS_URL).oid == "urn:oid:1.2.250.1.213.3.3.247"
    assert set(ValueSet.objects.values_list("kind", "level")) == {
        ("status", "esms"),
        ("status", "unit"),
        ("reason", "esms"),
        ("reason", "unit"),
    }
    assert {(s, r) for s, reasons in sdo_rules().items() for r in reasons} == pairs

    again = _load()
    for table in ("code_systems", "aliases", "concepts", "value_sets", "value_set_members", "rules"):
        assert again[table]["created"] == again[table]["updated"] == again[table]["deleted"] == 0, table
    assert Concept.objects.count() == n_statuses + n_reasons


def test_value_set_membership_per_level():
    _load()
    esms = ValueSet.objects.get(kind="status", level="esms")
    assert set(esms.concepts.values_list("code", flat=True)) >= {"39", "40", "47", "48", "71", "72"}
    assert not esms.concepts.filter(code="182").exists()
    unit_reasons = ValueSet.objects.get(kind="reason", level="unit")
    assert unit_reasons.concepts.filter(code="98", code_system__url__contains="TRE_R358").exists()


def test_alias_urls_accepted():
    _load()
    status = CodeSystem.objects.get(url=STATUS_URL)
    # The forms the SDO examples put in Coding.system (SDOTask.json), with and without the trailing slash.
    for url in (
        STATUS_URL,
        "https://mos.esante.gouv.fr/NOS/JDV_J252-StatutPersonnePriseChargeESMS/",
        "https://mos.esante.gouv.fr/NOS/JDV_J253-StatutPersonnePriseChargeUnite",
        "https://mos.esante.gouv.fr/NOS/TRE_R357-StatutPersonnePriseCharge/",
    ):
        assert resolve_system(url) == status, url
    reason = resolve_system("https://mos.esante.gouv.fr/NOS/JDV_J250-MotifStatutPersonnePriseChargeUnite/")
    assert reason is not None and "TRE_R358" in reason.url
    assert resolve_system("https://exemple.test/autre") is None


def test_labels():
    _load()
    assert concept_label("48") == "Usager sorti"
    assert concept_label("119", system="TRE_R358_MotifStatutPersonnePriseCharge").startswith("L'usager a été admis")
    assert concept_label("9999") == ""


def _copy(tmp_path):
    target = tmp_path / "terminology"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def test_bad_json_refused_naming_path(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "ConceptMap-ASS-A32-StatutMotifPersonnePriseCharge.json"
    data = json.loads(path.read_text())
    data["group"][0]["element"][3]["target"][0]["code"] = "99999"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"ASS-A32.*group\[0\]\.element\[3\]\.target\[0\]\.code.*99999"):
        _load(directory)
    assert not Concept.objects.exists()  # all or nothing


def test_invalid_fhir_refused_naming_path(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "ValueSet-JDV-J252-StatutPersonnePriseChargeESMS.json"
    data = json.loads(path.read_text())
    data["compose"]["include"][0]["concept"][2]["code"] = {"not": "a code"}
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"J252.*compose\.include\[0\]\.concept\[2\]\.code"):
        _load(directory)
    (directory / "ValueSet-JDV-J252-StatutPersonnePriseChargeESMS.json").write_text("{ broken")
    with pytest.raises(CommandError, match=r"J252.*ligne 1 : JSON invalide"):
        _load(directory)


def test_bad_fsh_refused_naming_line(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "CodeSystem-TRE-R357-StatutPersonnePriseCharge.fsh"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith('* #39 "'))
    lines[index] = "* #39 Notification envoyée sans guillemets"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match=rf"R357.*ligne {index + 1} : ligne de concept illisible"):
        _load(directory)


def test_fsh_parser_duplicates_and_missing_file(tmp_path):
    with pytest.raises(Exception, match="ligne 3 : code « 1 » déjà défini ligne 2"):
        parse_fsh_code_system('CodeSystem: X\n* #1 "un"\n* #1 "encore"\n')
    directory = _copy(tmp_path)
    (directory / "ValueSet-JDV-J250-MotifStatutPersonnePriseChargeUnite.json").unlink()
    with pytest.raises(CommandError, match=r"4 fichier\(s\) .*3 trouvé"):
        _load(directory)


def test_read_terminology_matches_value_set_levels():
    data = read_terminology()
    assert {vs.name[:8]: (vs.kind, vs.level) for vs in data.value_sets}["JDV_J253"] == ("status", "unit")
