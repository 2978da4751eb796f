"""A unit's organisation category (TRE_R244, the ROR's "type d'offre"): the reference list, the FINESS default, the
ROR import, HealthcareService.category and the site page (decision 0049)."""

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from relais.fhir.conformance import check
from relais.fhir.testing import fhir_json
from relais.offer import organisation_category as oc
from relais.offer.codes import CareMode as M
from relais.offer.models import Unit
from tests.fhir import offer_data

FIXTURE = Path(__file__).parent / "fixtures" / "ror" / "bundle-35-fictif.json"


def test_the_reference_list_is_the_rors_tre_r244_list():
    categories = oc.categories()
    assert len(categories) == 306
    assert categories["48"] == "Institut médico-éducatif (IME)"
    assert categories["21"] == "Accueil ou hébergement pour personnes âgées dépendantes, sans spécificité"
    assert oc.label("40") == "Maison d'accueil spécialisée (MAS)" and oc.label("") == "" and oc.label("999") == ""
    # Every default names a code of the list.
    assert set(oc.DEFAULT_BY_FINESS_CATEGORY.values()) <= set(categories)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"resourceType": "CodeSystem"}, "resourceType"),
        ({"resourceType": "ValueSet", "compose": {"include": [{"system": "urn:x", "concept": []}]}}, "[0].system"),
        (
            {
                "resourceType": "ValueSet",
                "compose": {"include": [{"system": oc.SYSTEM, "concept": [{"code": "1", "display": "a"}] * 2}]},
            },
            "concept[1] : code « 1 » en double",
        ),
        (
            {"resourceType": "ValueSet", "compose": {"include": [{"system": oc.SYSTEM, "concept": [{"code": "1"}]}]}},
            "concept[0] : code et libellé requis",
        ),
        ({"resourceType": "ValueSet"}, "aucun concept"),
    ],
)
def test_a_bad_list_is_refused_naming_the_path(data, message):
    with pytest.raises(oc.CategoryListError) as error:
        oc.parse_value_set(data, "liste.json")
    assert str(error.value).startswith("liste.json : ") and message in str(error.value)


@pytest.mark.parametrize(
    ("finess", "mode", "alzheimer", "expected"),
    [
        ("183", M.SEMI_INTERNAT, False, "48"),  # IME
        ("437", M.PERMANENT_ACCOMMODATION, False, "39"),  # FAM, replaced by EAM 448
        ("382", M.PERMANENT_ACCOMMODATION, False, "41"),  # foyer de vie, replaced by EANM 449
        ("500", M.PERMANENT_ACCOMMODATION, False, "21"),
        ("500", M.PERMANENT_ACCOMMODATION, True, ""),  # UVP, PASA or UHR: Relais cannot tell
        ("182", M.HOME_SERVICES, False, "57"),
        ("182", M.DAY_CARE, False, ""),
        ("501", M.PERMANENT_ACCOMMODATION, False, ""),  # EHPA: dependent or autonomous, not said
        ("207", M.DAY_CARE, True, ""),
        (None, M.PERMANENT_ACCOMMODATION, False, ""),
    ],
)
def test_the_default_comes_only_from_an_evident_finess_category(finess, mode, alzheimer, expected):
    assert oc.default_category(finess, mode, alzheimer) == expected


@pytest.fixture
def unit(make_site):
    site = make_site("IME Les Ajoncs", category="183", units=[{"care_mode": M.SEMI_INTERNAT}])
    return site.units.get()


@pytest.mark.django_db
def test_the_site_page_shows_the_category_in_french(client, unit):
    html = client.get(f"/offre/etablissement/{unit.site.finess}/").content.decode()
    assert "Type d'offre" in html and "Institut médico-éducatif (IME)" in html
    Unit.objects.filter(pk=unit.pk).update(organisation_category="55")
    html = client.get(f"/offre/etablissement/{unit.site.finess}/").content.decode()
    assert "Unité d&#x27;enseignement interne" in html and "Institut médico-éducatif" not in html


@pytest.mark.django_db
def test_healthcare_service_category_the_rors_else_the_default_else_none(client, unit):
    cache.clear()
    service = fhir_json(client.get(f"/fhir/HealthcareService/unit-{unit.pk}"), resource_type="HealthcareService")
    assert service["category"] == [
        {"coding": [{"system": oc.SYSTEM, "code": "48", "display": "Institut médico-éducatif (IME)"}]}
    ]
    assert not [p for p in check(service).errors if "category" in p.path]
    assert not [u for u in check(service).unchecked if "J238" in u]  # the binding is checked, not skipped
    Unit.objects.filter(pk=unit.pk).update(organisation_category="56")
    service = fhir_json(client.get(f"/fhir/HealthcareService/unit-{unit.pk}"))
    assert service["category"][0]["coding"][0]["code"] == "56"
    Unit.objects.filter(pk=unit.pk).update(organisation_category="", alzheimer_unit=True)
    unit.site.category_id = "501"
    unit.site.save()
    assert "category" not in fhir_json(client.get(f"/fhir/HealthcareService/unit-{unit.pk}"))


def _import(tmp_path, data) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("import_ror", str(path), stdout=StringIO())


@pytest.mark.django_db
def test_the_ror_import_keeps_the_category_it_knows_and_never_blanks_it(tmp_path):
    offer_data.rennes()
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    service = next(e["resource"] for e in data["entry"] if e["resource"].get("id") == "ror-hs-1")
    service["category"] = [{"coding": [{"system": oc.SYSTEM, "code": "24"}]}]
    _import(tmp_path, data)
    assert Unit.objects.get(external_id="ror-hs-1").organisation_category == "24"

    later = copy.deepcopy(data)
    for entry in later["entry"]:
        if entry["resource"].get("id") == "ror-hs-1":
            entry["resource"]["category"] = [{"coding": [{"system": oc.SYSTEM, "code": "9999"}]}]  # not in the list
    _import(tmp_path, later)
    assert Unit.objects.get(external_id="ror-hs-1").organisation_category == "24"
    for entry in later["entry"]:
        if entry["resource"].get("id") == "ror-hs-1":
            del entry["resource"]["category"]
    _import(tmp_path, later)
    assert Unit.objects.get(external_id="ror-hs-1").organisation_category == "24"
