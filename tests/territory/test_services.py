"""geography_load: real packages at département scale, idempotence, updates, postcodes, atomicity."""

import pytest

from relais.territory import services
from relais.territory.geography import GeographyError, GeographySourceError
from relais.territory.models import Commune, Departement, PostalCode, Region
from relais.territory.services import geography_load

pytestmark = pytest.mark.django_db

SCALE = {"2A", "35"}
ZERO = {"created": 0, "updated": 0}


def postcodes(insee_code):
    return sorted(PostalCode.objects.filter(commune_id=insee_code).values_list("code", flat=True))


def test_real_load_two_departements():
    messages = []
    report = geography_load(departements=SCALE, progress=messages.append)
    assert set(Region.objects.values_list("code", "name")) == {("53", "Bretagne"), ("94", "Corse")}
    assert set(Departement.objects.values_list("code", "region_id")) == {("2A", "94"), ("35", "53")}
    assert Commune.objects.filter(departement="35").count() == 332
    assert Commune.objects.filter(departement="2A").count() == 124
    rennes = Commune.objects.get(insee_code="35238")
    assert rennes.name == "Rennes" and rennes.population > 200_000
    assert (rennes.latitude, rennes.longitude) == (pytest.approx(48.11, abs=0.02), pytest.approx(-1.68, abs=0.02))
    assert {"35000", "35200"} <= set(postcodes("35238"))
    ajaccio = Commune.objects.get(insee_code="2A004")
    assert (ajaccio.latitude, ajaccio.longitude) == (pytest.approx(41.93, abs=0.02), pytest.approx(8.70, abs=0.02))
    assert report["communes"] == {
        "created": 456,
        "updated": 0,
        "unchanged": 0,
        "obsolete": 0,
        "without_coordinates": 0,
    }
    assert report["regions"]["created"] == 2 and report["departements"]["created"] == 2
    assert report["postal_codes"] == {"created": PostalCode.objects.count(), "deleted": 0}
    assert report["departements_loaded"] == ["2A", "35"]
    assert messages and messages[0].startswith("Lecture des sources")


def test_second_run_changes_nothing():
    geography_load(departements=SCALE)
    report = geography_load(departements=SCALE)
    for key in ("regions", "departements", "communes"):
        assert {k: report[key][k] for k in ZERO} == ZERO, key
    assert report["communes"]["unchanged"] == 456
    assert report["postal_codes"] == {"created": 0, "deleted": 0}


def test_changed_rows_are_detected_and_fixed():
    geography_load(departements=SCALE)
    Commune.objects.filter(insee_code="35238").update(name="Renne", latitude=0.0, longitude=0.0, population=1)
    Region.objects.filter(code="94").update(name="Corsica")
    report = geography_load(departements=SCALE)
    assert report["communes"]["updated"] == 1 and report["communes"]["unchanged"] == 455
    assert report["regions"] == {"created": 0, "updated": 1, "unchanged": 1}
    rennes = Commune.objects.get(insee_code="35238")
    assert rennes.name == "Rennes" and rennes.population > 200_000 and rennes.latitude > 48
    assert Region.objects.get(code="94").name == "Corse"


def test_postcodes_synced_per_commune():
    geography_load(departements=SCALE)
    before = postcodes("35238")
    PostalCode.objects.filter(commune_id="35238", code="35000").delete()
    PostalCode.objects.create(commune_id="35238", code="99999")
    PostalCode.objects.create(commune_id="2A004", code="35000")
    report = geography_load(departements=SCALE)
    assert report["postal_codes"] == {"created": 1, "deleted": 2}
    assert postcodes("35238") == before
    assert "35000" not in postcodes("2A004")


def test_communes_gone_from_the_source_are_kept_and_reported():
    geography_load(departements=SCALE)
    Commune.objects.create(insee_code="35998", name="Ancienne commune", departement_id="35")
    report = geography_load(departements=SCALE)
    assert report["communes"]["obsolete"] == 1 and report["obsolete_communes"] == ["35998"]
    assert Commune.objects.filter(insee_code="35998").exists()
    # Outside the filter, nothing is reported: only the loaded départements are compared.
    assert geography_load(departements={"2A"})["obsolete_communes"] == []


def test_fixture_sources_loaded(make_cog, make_coordinates):
    report = geography_load(cog_dir=make_cog(), coordinates_file=make_coordinates())
    assert report["communes"]["created"] == 7 and report["communes"]["without_coordinates"] == 2
    assert report["coordinates"]["unlocated"] == ["35004"]
    assert report["coordinates"]["absent_from_source"] == {"35": 1}
    assert report["coordinates"]["town_hall"] == 2 and report["coordinates"]["representative_point"] == 1
    assert Commune.objects.get(insee_code="35004").latitude is None


def test_bad_source_writes_nothing(make_cog, make_coordinates):
    with pytest.raises(GeographySourceError, match="missing field 'code'"):
        geography_load(cog_dir=make_cog(communes="bad/communes_missing_code.json"), coordinates_file=make_coordinates())
    with pytest.raises(GeographyError, match="unknown département code"):
        geography_load(departements={"99"})
    assert not Region.objects.exists() and not Commune.objects.exists()


def test_failure_during_the_write_rolls_everything_back(monkeypatch):
    def fail(wanted):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_sync_postal_codes", fail)
    with pytest.raises(RuntimeError):
        geography_load(departements={"2A"})
    assert not Region.objects.exists() and not Departement.objects.exists() and not Commune.objects.exists()


def test_full_national_load():
    report = geography_load()
    assert Commune.objects.count() == 34_969
    assert Commune.objects.filter(latitude__isnull=False, longitude__isnull=False).count() >= 34_870
    assert Region.objects.count() == 26 and Departement.objects.count() == 109
    assert Commune.objects.filter(insee_code__in=["75056", "69123", "13055"]).count() == 3
    assert not Commune.objects.filter(insee_code="75101").exists()  # a municipal arrondissement
    assert report["communes"]["without_coordinates"] == Commune.objects.filter(latitude__isnull=True).count()
    assert set(report["coordinates"]["unlocated"]) == {"14581", "15031", "15035", "15047", "15171"}
    # Idempotent at national scale too: coordinates read back from the database compare equal.
    again = geography_load()
    assert again["communes"]["created"] == again["communes"]["updated"] == 0
    assert again["postal_codes"] == {"created": 0, "deleted": 0}
