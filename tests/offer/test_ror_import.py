"""`manage.py import_ror`: a ROR Bundle as a second source of the directory."""

import copy
import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from relais.fhir.testing import fhir_json
from relais.offer.codes import CareMode
from relais.offer.models import CapacityUpdate, LegalEntity, Site, Source, Unit
from tests.fhir import offer_data

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "fixtures" / "ror" / "bundle-35-fictif.json"
SHARED_LOCATION = settings.REFERENCE_DIR / "examples" / "fhir" / "ror" / "Location-ror-location-exemple.json"
ZERO = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}


@pytest.fixture(autouse=True)
def geography():
    offer_data.rennes()
    cache.clear()  # the FHIR reads below are rate-limited per IP


def bundle() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def run(tmp_path, data=None, *args) -> tuple[dict, str]:
    path = FIXTURE
    if data is not None:
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps(data), encoding="utf-8")
    out = StringIO()
    call_command("import_ror", str(path), *args, stdout=out)
    output = out.getvalue()
    return json.loads(output.strip().splitlines()[-1]), output


def test_import_creates_the_directory_units_and_dated_capacities(tmp_path):
    summary, output = run(tmp_path)
    assert summary == {
        "legal_entities": {**ZERO, "created": 1},
        "sites": {**ZERO, "created": 2},
        "units": {**ZERO, "created": 3, "skipped": 1},
        "capacities": {"updated": 3, "unchanged": 0, "skipped": 0},
        "ignored": 3,  # the internal organisation, a location without service, a Practitioner
        "organisations_linked": 0,
    }
    assert "Consultation mémoire" in output and "TRE_R213 : 32" in output and "Practitioner/ror-pr-1" in output

    entity = LegalEntity.objects.get(finess="359900200")
    assert (entity.source, entity.siren, entity.legal_status, entity.commune_id) == (
        Source.ROR,
        "359902001",
        "60",
        "35238",
    )
    ehpad = Site.objects.get(finess="359900218")
    assert ehpad.legal_entity == entity and ehpad.category_id == "500" and ehpad.siret == "35990200100018"
    assert (ehpad.phone, ehpad.long_name, ehpad.latitude, ehpad.longitude) == (
        "02.99.00.00.10",
        "Résidence Les Genêts",
        48.1131,
        -1.6789,
    )
    ime = Site.objects.get(finess="359900226")
    assert ime.is_open is False and str(ime.closed_on) == "2023-12-31" and ime.category_id == "183"
    assert (ime.latitude, ime.coordinates_source) == (48.1208, "ROR (lieu)")  # from its Location's position

    permanent = Unit.objects.get(external_id="ror-hs-1")
    assert (permanent.site, permanent.care_mode, permanent.age_min, permanent.age_max) == (
        ehpad,
        CareMode.PERMANENT_ACCOMMODATION,
        60,
        None,
    )
    assert (permanent.installed, permanent.available, permanent.occupied) == (80, 3, 77)  # 1 + 2 available
    assert permanent.capacity_updated_at == datetime(2024, 7, 8, 18, 15, 39, tzinfo=UTC)
    history = CapacityUpdate.objects.filter(unit=permanent)
    assert {(u.status, u.value, u.previous_value, u.source) for u in history} == {
        ("installed", 80, 0, Source.ROR),
        ("available", 3, 0, Source.ROR),
        ("occupied", 77, 0, Source.ROR),
    }
    assert {u.at for u in history} == {permanent.capacity_updated_at}
    temporary = Unit.objects.get(external_id="ror-hs-2")  # provided by an internal organisation of the EHPAD
    assert (temporary.site, temporary.care_mode, temporary.available) == (ehpad, CareMode.TEMPORARY_ACCOMMODATION, 2)
    semi = Unit.objects.get(external_id="ror-hs-3")
    # Inactive only because its site is closed: the unit itself is open, and not served as such while the site is.
    assert (semi.site, semi.care_mode, semi.is_open, semi.installed) == (ime, CareMode.SEMI_INTERNAT, True, 12)
    assert (semi.age_min, semi.age_max, semi.deficiencies) == (6, 20, ["intellectual"])
    assert (
        semi.eligibility_zone == ["35238", "35051"] and semi.activity == "Accompagnements pour vivre dans un logement"
    )


def test_a_second_import_changes_nothing(tmp_path):
    run(tmp_path)
    stamps = {u.pk: u.updated_at for u in Unit.objects.all()}
    history = CapacityUpdate.objects.count()
    summary, _ = run(tmp_path)
    assert summary["legal_entities"] == {**ZERO, "unchanged": 1}
    assert summary["sites"] == {**ZERO, "unchanged": 2}
    assert summary["units"] == {**ZERO, "unchanged": 3, "skipped": 1}
    assert summary["capacities"] == {"updated": 0, "unchanged": 3, "skipped": 0}
    assert {u.pk: u.updated_at for u in Unit.objects.all()} == stamps and CapacityUpdate.objects.count() == history


def test_finess_identity_is_not_overwritten_by_the_ror(tmp_path):
    entity = offer_data.legal_entity(name="ASSOCIATION LES GENETS", finess="359900200", source=Source.FINESS)
    ehpad = offer_data.site(
        entity,
        name="EHPAD LES GENETS",
        finess="359900218",
        latitude=48.1,
        longitude=-1.7,
        coordinates_source="Lambert 93",
    )
    summary, _ = run(tmp_path)
    assert summary["legal_entities"] == {**ZERO, "updated": 1} and summary["sites"]["updated"] == 1
    entity.refresh_from_db()
    ehpad.refresh_from_db()
    assert (entity.name, entity.source, entity.siren) == (
        "ASSOCIATION LES GENETS",
        Source.FINESS,
        "359902001",
    )  # blank filled
    assert (ehpad.name, ehpad.latitude, ehpad.coordinates_source) == ("EHPAD LES GENETS", 48.1, "Lambert 93")
    assert ehpad.phone == "02.99.00.00.10" and ehpad.source == Source.FINESS

    changed = bundle()
    changed["entry"][1]["resource"]["name"] = "Autre nom"  # the FINESS EHPAD: ignored
    changed["entry"][2]["resource"]["name"] = "IME La Vilaine (nouveau nom)"  # created by the ROR: followed
    summary, _ = run(tmp_path, changed)
    assert summary["sites"] == {**ZERO, "updated": 1, "unchanged": 1}
    assert Site.objects.get(finess="359900218").name == "EHPAD LES GENETS"
    assert Site.objects.get(finess="359900226").name == "IME La Vilaine (nouveau nom)"


def test_figures_more_recent_in_relais_are_kept(tmp_path):
    run(tmp_path)
    Unit.objects.filter(external_id="ror-hs-1").update(available=10, capacity_updated_at=timezone.now())
    changed = bundle()
    changed["entry"][8]["resource"]["extension"][1]["extension"][0]["valueInteger"] = 0
    summary, _ = run(tmp_path, changed)
    assert summary["capacities"] == {"updated": 0, "unchanged": 3, "skipped": 0}
    assert Unit.objects.get(external_id="ror-hs-1").available == 10


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (
            lambda b: b["entry"][8]["resource"]["extension"][1]["extension"][0].update(valueInteger="beaucoup"),
            "Bundle.entry[8].resource.extension[1].extension[0].valueInteger",
        ),
        (lambda b: b["entry"][4]["resource"].update(colour="blue"), "Bundle.entry[4].resource.colour"),
        (lambda b: b["entry"][12]["resource"]["extension"][0].pop("url"), "Bundle.entry[12].resource.extension[0].url"),
        (lambda b: b.update(type="document"), "Bundle.type"),
        (lambda b: b.update(resourceType="Patient"), "Bundle.resourceType"),
    ],
)
def test_an_invalid_bundle_is_refused_whole_naming_the_path(tmp_path, mutate, path):
    data = bundle()
    mutate(data)
    with pytest.raises(CommandError, match="rien n'a été importé") as refused:
        run(tmp_path, data)
    assert path in str(refused.value)
    assert not LegalEntity.objects.exists() and not Site.objects.exists() and not Unit.objects.exists()


def test_bad_json_names_the_line_and_a_failure_midway_writes_nothing(tmp_path, monkeypatch):
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Bundle",\n "type": }', encoding="utf-8")
    with pytest.raises(CommandError, match="ligne 2"):
        call_command("import_ror", str(broken), stdout=StringIO())

    from relais.offer.fhir import ror_import

    def explode(self, unit, location):
        raise RuntimeError("panne au milieu de l'import")

    monkeypatch.setattr(ror_import._Importer, "_capacity", explode)
    with pytest.raises(RuntimeError):
        run(tmp_path)
    assert not LegalEntity.objects.exists() and not Unit.objects.exists()


def test_dry_run_counts_without_writing(tmp_path):
    summary, output = run(tmp_path, None, "--dry-run")
    assert summary["units"]["created"] == 3 and "essai à blanc" in output
    assert not LegalEntity.objects.exists() and not CapacityUpdate.objects.exists()


def test_the_shared_ror_location_example(tmp_path):
    shared = json.loads(SHARED_LOCATION.read_text(encoding="utf-8"))
    alone = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": shared}]}
    summary, output = run(tmp_path, alone)
    assert summary["ignored"] == 1 and "aucun HealthcareService" in output and not Unit.objects.exists()

    fixture = bundle()
    service = copy.deepcopy(fixture["entry"][4]["resource"])
    service.update(id="ror-hs-versailles", location=[{"reference": "Location/ror-location-exemple"}])
    entries = [fixture["entry"][0], fixture["entry"][1], {"resource": service}, {"resource": shared}]
    summary, _ = run(tmp_path, {"resourceType": "Bundle", "type": "transaction", "entry": entries})
    assert summary["units"]["created"] == 1 and summary["capacities"] == {"updated": 0, "unchanged": 0, "skipped": 0}
    unit = Unit.objects.get(external_id="ror-hs-versailles")
    assert unit.care_mode == CareMode.PERMANENT_ACCOMMODATION and unit.capacity_updated_at is None


def test_imported_units_are_served_back_in_the_ror_shape(tmp_path, client):
    run(tmp_path)
    permanent = Unit.objects.get(external_id="ror-hs-1")
    location = fhir_json(client.get(f"/fhir/Location/unit-{permanent.pk}"), resource_type="Location")
    figures = {}
    for extension in location["extension"]:
        if extension["url"].endswith("ror-location-supported-capacity"):
            parts = {e["url"]: e for e in extension["extension"]}
            figures[parts["capacityStatus"]["valueCodeableConcept"]["coding"][0]["code"]] = parts["nbCapacity"][
                "valueInteger"
            ]
    assert figures == {"01": 80, "02": 3, "03": 77, "04": 0, "05": 0}
    service = fhir_json(client.get(f"/fhir/HealthcareService/unit-{permanent.pk}"))
    # The ROR's offer id goes back out as the one identifier (1..1), in the system the ROR sent it in.
    assert service["identifier"] == [
        {"use": "official", "system": "https://ror.example.invalid/offre", "value": "ROR-HS-1"}
    ]
    assert (permanent.ror_identifier, permanent.ror_identifier_system) == (
        "ROR-HS-1",
        "https://ror.example.invalid/offre",
    )
    assert fhir_json(client.get("/fhir/Organization/359900226"))["active"] is False


def test_an_organisation_waiting_for_its_entry_is_linked_after_the_import(tmp_path, make_organisation):
    esms = make_organisation(name="Résidence Les Genêts", finess="359900218")
    summary, _output = run(tmp_path)
    assert summary["organisations_linked"] == 1
    esms.refresh_from_db()
    assert Site.objects.get(finess="359900218").organisation == esms and esms.finess is None
