"""FINESS+ JSON import on the real sample (reference/examples/finess): counts computed here from the JSON itself."""

import copy
import json
from datetime import date

import pytest
from django.conf import settings

from relais.offer.codes import Domain
from relais.offer.finess import FinessError, finess_import
from relais.offer.models import Category, LegalEntity, Site
from relais.territory.services import geography_load

pytestmark = pytest.mark.django_db

SAMPLE = settings.REFERENCE_DIR / "examples" / "finess" / "finess-structures-sample-part.json"
ZERO_CHANGES = {"created": 0, "updated": 0, "closed": 0}


def load_sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def write_json(tmp_path, data, name="finess.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def is_closed(state: str, closing: str | None) -> bool:
    return state == "I" or (closing is not None and date.fromisoformat(closing) <= date.today())


def expected(data: dict) -> dict:
    """What the importer must produce, read straight from the JSON."""
    entities = {pm["informationsGeneralesPMEJ"]["numFinessPm"]: pm for pm in data["pmej"]}
    sites = {ege["informationsGeneralesEGE"]["numFinessEge"]: (pm, ege) for pm in data["pmej"] for ege in pm["ege"]}

    def has_coordinates(node):
        geo = node["adresse"][0].get("coordonneesGeographique", {}) if node["adresse"] else {}
        return bool(geo.get("directionLatitude") and geo.get("directionLongitude"))

    return {
        "entities": set(entities),
        "sites": set(sites),
        "closed_entities": {
            number
            for number, pm in entities.items()
            if is_closed(pm["etatObjet"], pm["informationsGeneralesPMEJ"].get("dateFermeture"))
        },
        "closed_sites": {
            number
            for number, (_pm, ege) in sites.items()
            if is_closed(ege["etatObjet"], ege["informationsGeneralesEGE"].get("dateFermeture"))
        },
        "without_coordinates": {number for number, (_pm, ege) in sites.items() if not has_coordinates(ege)},
        "site_entity": {number: pm["informationsGeneralesPMEJ"]["numFinessPm"] for number, (pm, _ege) in sites.items()},
        "categories": {number: ege["categorieentiteGeographiqueExercice"] for number, (_pm, ege) in sites.items()},
        "communes": {ege["adresse"][0]["cogCommune"] for _pm, ege in sites.values()}
        | {pm["adresse"][0]["cogCommune"] for pm in entities.values()},
    }


def test_real_sample_imports_every_record_exactly():
    data = load_sample()
    want = expected(data)
    assert want["sites"] and want["closed_sites"] and want["without_coordinates"]  # the sample exercises each rule

    report = finess_import(SAMPLE)

    assert report["legal_entities"] == {
        "created": len(want["entities"]),
        "updated": 0,
        "closed": 0,
        "unchanged": 0,
        "skipped": 0,
    }
    assert report["sites"] == {"created": len(want["sites"]), "updated": 0, "closed": 0, "unchanged": 0, "skipped": 0}
    assert set(LegalEntity.objects.values_list("finess", flat=True)) == want["entities"]
    assert set(Site.objects.values_list("finess", flat=True)) == want["sites"]
    assert set(LegalEntity.objects.filter(is_open=False).values_list("finess", flat=True)) == want["closed_entities"]
    assert set(Site.objects.filter(is_open=False).values_list("finess", flat=True)) == want["closed_sites"]
    assert not Site.objects.filter(is_open=False, closed_on=None).exists()
    assert dict(Site.objects.values_list("finess", "legal_entity__finess")) == want["site_entity"]
    assert dict(Site.objects.values_list("finess", "category_id")) == want["categories"]
    assert set(Site.objects.filter(latitude=None).values_list("finess", flat=True)) == want["without_coordinates"]
    assert Site.objects.filter(longitude=None).count() == len(want["without_coordinates"])
    assert report["flagged"] == {"sans coordonnées dans le fichier": len(want["without_coordinates"])}
    assert set(Site.objects.values_list("source", flat=True)) == {"finess"}


def test_values_are_mapped_and_padded_strings_trimmed():
    data = load_sample()
    raw_names = [pm["informationsGeneralesPMEJ"]["denominationPm"] for pm in data["pmej"]]
    assert any(name != name.strip() for name in raw_names)  # FINESS pads fixed-width fields

    finess_import(SAMPLE)

    for pm in data["pmej"]:
        info = pm["informationsGeneralesPMEJ"]
        entity = LegalEntity.objects.get(finess=info["numFinessPm"])
        assert entity.name == " ".join(info["denominationPm"].split())
        assert entity.long_name == " ".join(info["denominationLonguePmSmsse"].split())
        assert entity.siren == info["siren"] and entity.legal_status == info["statutJuridique"]
        assert entity.source_updated_on == date.fromisoformat(pm["dateDerniereMaj"][:10])
    polyclinique = LegalEntity.objects.get(finess="010000164")
    assert polyclinique.name == "POLYCLINIQUE D'AMBERIEU"
    assert polyclinique.address_line == "17 R AIME VINGTRINIER"
    assert polyclinique.closed_on == date(2002, 7, 10)
    clinique = Site.objects.get(finess="010780195")
    assert (clinique.latitude, clinique.longitude) == (46.211257, 5.254203)
    assert clinique.siret == "77220148900022" and clinique.phone == "0428631234"
    assert (clinique.postal_code, clinique.city) == ("01000", "BOURG EN BRESSE")
    assert clinique.address_line == "62 AV DE JASSERON, BP 132"
    assert clinique.opened_on == date(1956, 11, 16) and clinique.is_open and clinique.closed_on is None
    # Categories unknown to the reference are created from the file's codes.
    assert Category.objects.get(code="365").domain == Domain.OTHER


def test_second_import_changes_nothing():
    finess_import(SAMPLE)
    stamps = dict(Site.objects.values_list("finess", "updated_at"))
    entity_stamps = dict(LegalEntity.objects.values_list("finess", "updated_at"))

    report = finess_import(SAMPLE)

    want = expected(load_sample())
    assert report["legal_entities"] == {**ZERO_CHANGES, "unchanged": len(want["entities"]), "skipped": 0}
    assert report["sites"] == {**ZERO_CHANGES, "unchanged": len(want["sites"]), "skipped": 0}
    assert report["categories"] == {"created": 0, "updated": 0}
    assert dict(Site.objects.values_list("finess", "updated_at")) == stamps
    assert dict(LegalEntity.objects.values_list("finess", "updated_at")) == entity_stamps


def test_newer_file_updates_changed_records_and_closes_closed_ones(tmp_path):
    finess_import(SAMPLE)
    data = load_sample()
    pm = data["pmej"][1]  # CLINIQUE CONVERT, open, one open site
    pm["informationsGeneralesPMEJ"]["denominationPm"] = "CLINIQUE CONVERT BOURG"
    pm["dateDerniereMaj"] = "2026-01-05 00:00:00"
    ege = pm["ege"][0]
    ege["etatObjet"] = "I"
    ege["informationsGeneralesEGE"]["dateFermeture"] = "2025-12-31"
    ege["dateDerniereMaj"] = "2026-01-05 00:00:00"
    untouched = Site.objects.exclude(finess="010780195").values_list("finess", "updated_at")
    before = dict(untouched)

    report = finess_import(write_json(tmp_path, data))

    assert report["legal_entities"]["updated"] == 1 and report["legal_entities"]["closed"] == 0
    assert report["sites"]["closed"] == 1 and report["sites"]["updated"] == 0
    site = Site.objects.get(finess="010780195")
    assert not site.is_open and site.closed_on == date(2025, 12, 31)
    assert LegalEntity.objects.get(finess="010000156").name == "CLINIQUE CONVERT BOURG"
    assert dict(untouched) == before


def test_records_absent_from_a_partial_file_are_not_touched(tmp_path):
    finess_import(SAMPLE)
    data = load_sample()
    data["pmej"] = data["pmej"][:2]
    before = dict(Site.objects.values_list("finess", "updated_at"))

    report = finess_import(write_json(tmp_path, data))

    assert report["sites"]["unchanged"] == sum(len(pm["ege"]) for pm in data["pmej"])
    assert dict(Site.objects.values_list("finess", "updated_at")) == before


def test_schema_spellings_read_like_the_published_ones(tmp_path):
    """schema-structures-v1 spells some keys differently from the published files and uses codings."""
    data = load_sample()
    schema_style = copy.deepcopy(data)
    for pm in schema_style["pmej"]:
        info = pm.pop("informationsGeneralesPMEJ")
        info["etatObjet"] = {"code": pm.pop("etatObjet"), "system": "https://mos.esante.gouv.fr/NOS/tre_r386"}
        info["statutJuridique"] = {"code": info["statutJuridique"]}
        info["dateDerniereMaj"] = {"dateEvenement": pm.pop("dateDerniereMaj")[:10]}
        pm["informationsGeneralesPmej"] = info
        for ege in pm["ege"]:
            ege["categorieEntiteGeographiqueExercice"] = {"code": ege.pop("categorieentiteGeographiqueExercice")}
            ege["etatObjet"] = {"code": ege["etatObjet"]}
            if "siret" in ege["informationsGeneralesEGE"]:
                ege["siret"] = ege["informationsGeneralesEGE"].pop("siret")
    finess_import(SAMPLE)
    columns = ("finess", "name", "is_open", "closed_on", "category_id", "siret", "latitude", "source_updated_on")
    published = sorted(Site.objects.values_list(*columns))
    entities = sorted(LegalEntity.objects.values_list("finess", "is_open", "legal_status", "source_updated_on"))

    report = finess_import(write_json(tmp_path, schema_style))

    assert report["sites"]["unchanged"] == len(published) and report["legal_entities"]["updated"] == 0
    assert sorted(Site.objects.values_list(*columns)) == published
    assert sorted(LegalEntity.objects.values_list("finess", "is_open", "legal_status", "source_updated_on")) == entities


def test_communes_are_linked_when_the_geography_holds_them():
    geography_load(departements={"01"})
    want = expected(load_sample())

    report = finess_import(SAMPLE)

    assert (
        set(Site.objects.values_list("commune_id", flat=True))
        | set(LegalEntity.objects.values_list("commune_id", flat=True))
        == want["communes"]
    )
    assert report["unknown_commune_codes"] == [] and not report["warnings"]


def test_unknown_communes_are_recorded_empty_and_counted():
    report = finess_import(SAMPLE)

    assert not Site.objects.exclude(commune=None).exists()
    assert report["unknown_commune_codes"] == sorted(expected(load_sample())["communes"])
    assert sum(report["warnings"].values()) == LegalEntity.objects.count() + Site.objects.count()


def test_dry_run_writes_nothing():
    report = finess_import(SAMPLE, dry_run=True)

    assert report["dry_run"] and report["sites"]["created"] == len(expected(load_sample())["sites"])
    assert not Site.objects.exists() and not LegalEntity.objects.exists() and not Category.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["pmej"][3]["ege"][0]["informationsGeneralesEGE"].update(numFinessEge="01078021"),
            "pmej[3].ege[0].informationsGeneralesEGE.numFinessEge : numéro FINESS invalide « 01078021 »",
        ),
        (
            lambda d: d["pmej"][5]["ege"][2]["informationsGeneralesEGE"].update(dateOuverture="2010-13-31"),
            "pmej[5].ege[2].informationsGeneralesEGE.dateOuverture : date invalide « 2010-13-31 »",
        ),
        (lambda d: d["pmej"][2].update(etatObjet="F"), "pmej[2].etatObjet : état invalide « F »"),
        (
            lambda d: d["pmej"][1]["ege"][0]["adresse"][0]["coordonneesGeographique"].update(directionLatitude="N46"),
            "pmej[1].ege[0].adresse[0].coordonneesGeographique.directionLatitude : nombre invalide « N46 »",
        ),
        (lambda d: d["pmej"][4].update(ege={"x": 1}), "pmej[4].ege : liste attendue"),
        (lambda d: d.pop("pmej"), "pmej : clé manquante"),
    ],
)
def test_a_bad_field_refuses_the_whole_file_with_its_path(tmp_path, change, message):
    data = load_sample()
    change(data)

    with pytest.raises(FinessError) as error:
        finess_import(write_json(tmp_path, data))

    assert message in str(error.value)
    assert not LegalEntity.objects.exists() and not Site.objects.exists() and not Category.objects.exists()


def test_non_utf8_and_broken_json_are_refused(tmp_path):
    with pytest.raises(FinessError, match=r"non UTF-8 : octet 0xC9"):
        finess_import(settings.BASE_DIR / "tests" / "offer" / "fixtures" / "finess" / "not_utf8.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"pmej": [\n  {"informationsGeneralesPMEJ": }\n]}', encoding="utf-8")
    with pytest.raises(FinessError, match=r"JSON invalide, ligne 2 colonne 33"):
        finess_import(broken)
    assert not LegalEntity.objects.exists()
