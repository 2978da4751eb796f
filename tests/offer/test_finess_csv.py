"""etalab CSV import: fixtures written for these tests (latin-1) in fixtures/finess/."""

from datetime import date

import pytest
from django.conf import settings

from relais.offer.codes import Domain
from relais.offer.finess import finess_import
from relais.offer.finess.sync import STALE
from relais.offer.models import Category, LegalEntity, Site
from relais.territory.services import geography_load

pytestmark = pytest.mark.django_db

FIXTURES = settings.BASE_DIR / "tests" / "offer" / "fixtures" / "finess"
SITES = FIXTURES / "etalab_sites.csv"
ALL_SITES = {"350000001", "030000011", "970100012", "970400024", "350000027", "350000035"}
PLACEHOLDERS = {"350000019", "030000029", "970100103", "970408589", "350000043"}


def position(finess: str) -> tuple[float | None, float | None]:
    site = Site.objects.get(finess=finess)
    return site.latitude, site.longitude


def test_sites_and_their_legal_entities_are_created():
    report = finess_import(SITES)

    assert report["format"] == "etalab (CSV)"
    assert report["sites"] == {"created": 6, "updated": 0, "closed": 0, "unchanged": 0, "skipped": 0}
    assert report["legal_entities"] == {"created": 5, "updated": 0, "closed": 0, "unchanged": 0, "skipped": 0}
    assert set(Site.objects.values_list("finess", flat=True)) == ALL_SITES
    # The extract names legal entities only by number: created with a provisional name.
    assert dict(LegalEntity.objects.values_list("finess", "name")) == {n: f"Entité juridique {n}" for n in PLACEHOLDERS}
    assert report["placeholder_legal_entities"] == 5
    assert Site.objects.get(finess="350000027").legal_entity.finess == "350000019"
    assert not Site.objects.filter(is_open=False).exists()  # the extract lists open sites only


def test_values_are_decoded_trimmed_and_split():
    finess_import(SITES)

    ehpad = Site.objects.get(finess="350000001")
    assert ehpad.name == "EHPAD LES TILLEULS"
    assert ehpad.long_name == "RÉSIDENCE LES TILLEULS DE RENNES"  # latin-1
    assert (ehpad.address_line, ehpad.postal_code, ehpad.city) == ("12 R DE LA MAIRIE", "35000", "RENNES")
    assert (ehpad.siret, ehpad.phone, ehpad.category_id) == ("12345678900012", "0299000001", "500")
    assert (ehpad.opened_on, ehpad.source_updated_on) == (date(2001, 5, 1), date(2025, 3, 10))
    ime = Site.objects.get(finess="350000035")
    assert ime.name == "IME LE PHARE"
    assert ime.long_name == 'FOYER "LE PHARE"; ANNEXE DE CESSON'  # a quoted value holding ";" and quotes
    assert ime.address_line == "LIEU-DIT LA PRAIRIE" and ime.opened_on == date(1975, 9, 1)
    assert Site.objects.get(finess="350000027").address_line == "3B AV DU GENERAL LECLERC"
    reunion = Site.objects.get(finess="970400024")
    assert (reunion.postal_code, reunion.city) == ("97405", "ST DENIS CEDEX")
    assert reunion.address_line == "ALL DES TOPAZES, CS 11021"


def test_categories_unknown_to_the_reference_are_created_with_the_file_label():
    finess_import(SITES)

    hospital = Category.objects.get(code="355")
    assert (hospital.label, hospital.domain, hospital.is_medico_social) == (
        "Centre Hospitalier (C.H.)",
        Domain.HEALTH,  # aggregate 1102
        False,
    )
    ehpad = Category.objects.get(code="500")
    assert (ehpad.label, ehpad.domain) == ("EHPAD", Domain.OLDER_PEOPLE)  # reference label kept
    assert Category.objects.get(code="437").replaced_by_id == "448"  # reference loaded first


def test_lambert93_points_convert_to_wgs84():
    finess_import(SITES)

    # The Lambert-93 origin (700000, 6600000) is 46.5° N, 3° E by definition of the projection.
    latitude, longitude = position("030000011")
    assert latitude == pytest.approx(46.5, abs=1e-4) and longitude == pytest.approx(3.0, abs=1e-4)
    # Rennes town hall, 48.1114° N 1.6799° W.
    latitude, longitude = position("350000001")
    assert latitude == pytest.approx(48.1114, abs=1e-4) and longitude == pytest.approx(-1.6799, abs=1e-4)
    site = Site.objects.get(finess="030000011")
    assert site.coordinates_source == "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93"


def test_overseas_points_use_their_own_projection():
    finess_import(SITES)

    # EPSG:5490 named by sourcecoordet: Les Abymes, next to Pointe-à-Pitre (16.24° N, 61.53° W).
    latitude, longitude = position("970100012")
    assert latitude == pytest.approx(16.24, abs=0.05) and longitude == pytest.approx(-61.53, abs=0.05)
    # No projection named: the département (9D, La Réunion) gives UTM 40S. Saint-Denis, 20.8823° S 55.4504° E.
    latitude, longitude = position("970400024")
    assert latitude == pytest.approx(-20.8823, abs=1e-4) and longitude == pytest.approx(55.4504, abs=1e-4)


def test_sites_without_coordinates_are_imported_and_flagged():
    report = finess_import(SITES)

    # 350000027 has no geolocalisation line, 350000035 an empty one.
    assert set(Site.objects.filter(latitude=None).values_list("finess", flat=True)) == {"350000027", "350000035"}
    assert report["flagged"] == {"sans coordonnées dans le fichier": 2}


def test_second_import_changes_nothing():
    finess_import(SITES)
    stamps = dict(Site.objects.values_list("finess", "updated_at"))

    report = finess_import(SITES)

    assert report["sites"] == {"created": 0, "updated": 0, "closed": 0, "unchanged": 6, "skipped": 0}
    assert report["legal_entities"] == {"created": 0, "updated": 0, "closed": 0, "unchanged": 5, "skipped": 0}
    assert dict(Site.objects.values_list("finess", "updated_at")) == stamps


def test_a_changed_record_is_updated_and_only_it():
    finess_import(SITES)
    stamps = dict(Site.objects.values_list("finess", "updated_at"))

    report = finess_import(FIXTURES / "etalab_sites_v2.csv")

    assert report["sites"] == {"created": 0, "updated": 1, "closed": 0, "unchanged": 5, "skipped": 0}
    ehpad = Site.objects.get(finess="350000001")
    assert ehpad.name == "EHPAD LES TILLEULS DE RENNES" and ehpad.source_updated_on == date(2026, 4, 1)
    assert ehpad.longitude == pytest.approx(-1.6799 + 37.5 / 74_300, abs=1e-4)  # moved 37.5 m east
    after = dict(Site.objects.values_list("finess", "updated_at"))
    assert after.pop("350000001") > stamps.pop("350000001")
    assert after == stamps


def test_an_older_extract_does_not_overwrite_newer_data():
    finess_import(FIXTURES / "etalab_sites_v2.csv")

    report = finess_import(SITES)

    assert report["sites"]["skipped"] == 1 and report["skipped_reasons"]["sites"] == {STALE: 1}
    assert Site.objects.get(finess="350000001").name == "EHPAD LES TILLEULS DE RENNES"


def test_legal_entity_section_replaces_the_placeholder_and_sites_never_revert_it():
    finess_import(SITES)

    report = finess_import(FIXTURES / "etalab_entities.csv")

    assert report["legal_entities"]["updated"] == 1
    entity = LegalEntity.objects.get(finess="350000019")
    assert (entity.name, entity.long_name, entity.siren, entity.legal_status) == (
        "ASSOCIATION LES TILLEULS",
        "ASSOCIATION LES TILLEULS DE BRETAGNE",
        "775700001",
        "60",
    )
    assert (entity.address_line, entity.postal_code, entity.opened_on) == ("5 R DE PARIS", "35000", date(1960, 1, 1))
    report = finess_import(SITES)
    assert report["legal_entities"] == {"created": 0, "updated": 0, "closed": 0, "unchanged": 5, "skipped": 0}
    assert LegalEntity.objects.get(finess="350000019").name == "ASSOCIATION LES TILLEULS"


def test_communes_linked_and_overseas_codes_rebuilt():
    geography_load(departements={"35"})

    report = finess_import(SITES)

    assert Site.objects.get(finess="350000001").commune_id == "35238"
    assert Site.objects.get(finess="350000035").commune_id == "35051"
    # Outside the loaded geography: null commune, reported; the INSEE code is built from 9A/9D + commune.
    assert report["unknown_commune_codes"] == ["03999", "97101", "97411"]
    assert Site.objects.get(finess="970400024").commune_id is None


def test_variants_of_the_layout_are_read(tmp_path):
    """cs1100502 adds numuai; older extracts split sourcecoordet into fields; a reuser may re-encode to UTF-8."""
    lines = SITES.read_text(encoding="latin-1").splitlines()
    lines[1] = lines[1] + "0350001A;"  # numuai after datemaj
    recent = "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)"
    lines[7] = lines[7].replace(recent, "1;ATLASANTE;100;LAMBERT_93")
    path = tmp_path / "variant.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = finess_import(path)

    assert report["sites"]["created"] == 6
    assert Site.objects.get(finess="350000001").long_name == "RÉSIDENCE LES TILLEULS DE RENNES"
    assert position("350000001")[0] == pytest.approx(48.1114, abs=1e-4)
    assert Site.objects.get(finess="350000001").coordinates_source == "1,ATLASANTE,100,LAMBERT_93"
