"""Malformed files are refused whole, naming the line (CSV) or the path (JSON); projections picked per territory."""

import pytest
from django.conf import settings

from relais.offer.finess import FinessError, finess_import
from relais.offer.finess.projection import ANTILLES, METROPOLE, OUTSIDE_ZONE, REUNION, UNKNOWN_PROJECTION, choose
from relais.offer.models import Category, LegalEntity, Site

FIXTURES = settings.BASE_DIR / "tests" / "offer" / "fixtures" / "finess"
SITES = FIXTURES / "etalab_sites.csv"


def nothing_written() -> bool:
    return not (Site.objects.exists() or LegalEntity.objects.exists() or Category.objects.exists())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("bad_finess.csv", "ligne 6, champ « nofinesset » : numéro FINESS invalide « 35000027X »"),
        ("bad_date.csv", "ligne 4, champ « datemaj » : date invalide « 2010-02-30 »"),
        ("truncated.csv", "ligne 5, champ « categetab » : ligne structureet tronquée (17 champs sur 30)"),
        ("bad_coordinates.csv", "ligne 9, champ « coordyet » : nombre invalide « NORD »"),
        ("not_utf8.json", "fichier JSON non UTF-8"),
    ],
)
def test_bad_fixture_is_refused_whole(fixture, message):
    with pytest.raises(FinessError) as error:
        finess_import(FIXTURES / fixture)

    assert message in str(error.value)
    assert nothing_written()


@pytest.mark.django_db
def test_a_bad_file_leaves_existing_data_untouched():
    finess_import(SITES)
    before = sorted(Site.objects.values_list("finess", "name", "latitude", "updated_at"))

    with pytest.raises(FinessError, match="ligne 4"):
        finess_import(FIXTURES / "bad_date.csv")

    assert sorted(Site.objects.values_list("finess", "name", "latitude", "updated_at")) == before


def lines_with(index: int, line: str) -> list[str]:
    lines = SITES.read_text(encoding="latin-1").splitlines()
    lines[index] = line
    return lines


def write(tmp_path, lines: list[str]):
    path = tmp_path / "extract.csv"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("index", "transform", "message"),
    [
        (2, lambda line: line.replace(";500;", ";5000;"), "ligne 2, champ « categetab » : code catégorie invalide"),
        (2, lambda line: line.replace(";35;ILLE", ";350;ILLE"), "ligne 2, champ « departement »"),
        (2, lambda line: line.replace("12345678900012", "1234567890001"), "ligne 2, champ « siret » : SIRET invalide"),
        (2, lambda line: line + "EN;TROP;", "ligne 2 : 33 champs dans une ligne structureet, 30 attendus"),
        (3, lambda line: line.replace("CH DU CENTRE", ""), None),  # rslongue stands in for an empty rs
        (
            8,
            lambda _: "geolocalisation;350000001;351912.5",
            "ligne 8, champ « coordyet » : ligne geolocalisation tronq",
        ),
        (8, lambda line: line.replace(";6789321.3;", ";;"), "ligne 8, champ « coordyet » : coordonnée manquante"),
        (4, lambda line: "structuresej;" + line[12:], "ligne 4 : section inconnue « structuresej »"),
    ],
)
def test_bad_line_names_line_and_field(tmp_path, index, transform, message):
    lines = SITES.read_text(encoding="latin-1").splitlines()
    path = write(tmp_path, lines_with(index - 1, transform(lines[index - 1])))
    if message is None:
        finess_import(path)
        assert Site.objects.get(finess="030000011").name == "CENTRE HOSPITALIER DU CENTRE DE LA FRANCE"
        return
    with pytest.raises(FinessError) as error:
        finess_import(path)
    assert message in str(error.value)
    assert nothing_written()


@pytest.mark.django_db
def test_conflicting_duplicates_are_refused_and_identical_ones_skipped(tmp_path):
    lines = SITES.read_text(encoding="latin-1").splitlines()
    report = finess_import(write(tmp_path, [*lines, lines[5]]))
    assert report["sites"]["skipped"] == 1 and report["sites"]["created"] == 6

    with pytest.raises(FinessError, match=r"ligne 13 : numéro FINESS 350000027 déjà présent \(ligne 6\)"):
        finess_import(write(tmp_path, [*lines, lines[5].replace("SESSAD LES TILLEULS;", "SESSAD;", 1)]))


@pytest.mark.django_db
def test_unrecognised_files_are_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("nom;prenom\nDupont;Camille\n", encoding="utf-8")
    with pytest.raises(FinessError, match="ligne 1 : format non reconnu"):
        finess_import(path)
    with pytest.raises(FinessError, match="lecture impossible"):
        finess_import(tmp_path / "absent.csv")
    path.write_text("finess;etalab;111;2026-05-12\n", encoding="utf-8")
    with pytest.raises(FinessError, match="aucune ligne structureet"):
        finess_import(path)


@pytest.mark.django_db
def test_implausible_or_unprojectable_points_are_flagged_not_refused(tmp_path):
    lines = SITES.read_text(encoding="latin-1").splitlines()
    lines[10] = lines[10].replace("338811.2;7690101.4;;", "338811.2;7690101.4;1,ATLASANTE,100,IGN,LAMBERT_93;")
    lines[9] = lines[9].replace("EPSG:5490", "EPSG:3395")

    report = finess_import(write(tmp_path, lines))

    assert report["flagged"] == {"sans coordonnées dans le fichier": 2, OUTSIDE_ZONE: 1, UNKNOWN_PROJECTION: 1}
    assert Site.objects.filter(latitude=None).count() == 4 and Site.objects.count() == 6


def test_projection_table():
    assert choose("1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)", "35") == (2154, METROPOLE)
    assert choose("2,ATLASANTE,96,BAN,EPSG:5490 RGAF09/UTM Zone 20N (Antilles)", "9A") == (5490, ANTILLES)
    assert choose("1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,UTM_S40", "9D") == (2975, REUNION)
    assert choose("", "9D") == (2975, REUNION)
    assert choose("", "2A") == (2154, METROPOLE)
    assert choose("", "971") == (5490, ANTILLES)
    assert choose("", "9C")[0] == 2972 and choose("", "9F")[0] == 4471 and choose("", "9E")[0] == 4467
    assert choose("", "9J") == (None, None)  # Wallis-et-Futuna: no projection known
    assert choose("EPSG:3395", "35") == (None, METROPOLE)  # named but not supported
    # A Lambert-93 point declared for La Réunion is checked against La Réunion's box.
    assert choose("LAMBERT_93", "9D") == (2154, REUNION)
