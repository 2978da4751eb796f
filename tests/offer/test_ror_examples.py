"""The ROR guide's own examples through Relais's ROR import: taken, or refused with a reason the guide supports.

The examples are the ANS files copied in reference/examples/fhir/ror/ (provenance: reference/README.md). They are
sent unchanged; where one needs a counterpart (the site a service is provided by), the test builds it in Relais.
"""

import json
from datetime import UTC, datetime

import pytest
from django.conf import settings

from relais.fhir.registry import model_class
from relais.offer.codes import CareMode
from relais.offer.fhir import codes as c
from relais.offer.fhir.ror_import import NO_FINESS, ror_bundle_import
from relais.offer.fhir.ror_units import capacity_values, unit_values
from relais.offer.models import LegalEntity, Site, Source, Unit
from tests.fhir import offer_data

pytestmark = pytest.mark.django_db
EXAMPLES = settings.REFERENCE_DIR / "examples" / "fhir" / "ror"
NAMES = {
    "ej": "Organization-ror-organization-exemple-ej.json",
    "eg": "Organization-ror-organisation-exemple-eg.json",
    "service": "HealthcareService-ror-healthcareservice-exemple.json",
    "service_ville": "HealthcareService-ror-healthcareservice-exemple-ville.json",
    "location": "Location-ror-location-exemple.json",
    "location_capacity": "Location-ror-location-exemple-1.json",
}


def example(key: str) -> dict:
    return json.loads((EXAMPLES / NAMES[key]).read_text(encoding="utf-8"))


def bundle(*resources) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def test_every_example_is_a_valid_r4_resource_that_claims_its_ror_profile():
    for key in NAMES:
        resource = example(key)
        model_class(resource["resourceType"]).model_validate(resource)
        if key != "location_capacity":  # the guide's second Location example declares no profile
            assert resource["meta"]["profile"][0].startswith(c.ROR_SD)


def test_all_six_examples_in_one_bundle_are_read_and_each_refusal_says_why():
    report = ror_bundle_import(bundle(*(example(key) for key in NAMES)))
    summary = report.summary()
    # The EJ is known by its SIREN only (numFINESS is 0..1 in ROROrganization); the EG's legal entity
    # (Organization/1111) is neither in the bundle nor in the directory; both services name a provider
    # (Organization/5958, /4947) that is not there either.
    assert summary["legal_entities"]["skipped"] == 1 and summary["sites"]["skipped"] == 1
    assert summary["units"]["skipped"] == 2 and summary["ignored"] == 2  # the two Locations: no service of theirs
    messages = "\n".join(report.messages)
    assert f"Organization/ror-organization-exemple-ej (Quiétude) : {NO_FINESS}" in messages
    assert "Organization/ror-organisation-exemple-eg (Quiétude BOIS COLOMBES) : entité juridique (partOf)" in messages
    assert "HealthcareService/ror-healthcareservice-exemple-ville (Cabinet du Dr Julie JOURDIN) : établissement" in (
        messages
    )
    assert not LegalEntity.objects.exists() and not Site.objects.exists() and not Unit.objects.exists()


def test_the_eg_example_completes_the_site_finess_already_gave():
    entity = offer_data.legal_entity()
    site = offer_data.site(entity, name="Quiétude (FINESS)", category="460", finess="458174839")
    created = site.created_at
    report = ror_bundle_import(bundle(example("eg")))
    assert report.summary()["sites"] == {"created": 0, "updated": 1, "unchanged": 0, "skipped": 0}
    site.refresh_from_db()
    # FINESS keeps its values; the ROR fills the blank phone (from the contact) and nothing else.
    assert (site.name, site.phone, site.legal_entity, site.source) == (
        "Quiétude (FINESS)",
        "01.01.01.01.01",
        entity,
        Source.FINESS,
    )
    assert site.created_at == created  # the directory's own creation date stays


def test_the_hospital_service_example_is_not_a_relais_unit():
    # Relais's units are medico-social offers (TRE_R213 46-49, decision 0011); the example is a hospital stay (28 HC).
    values, reason = unit_values(example("service"), None)
    assert values == {} and reason == "mode de prise en charge non reconnu (TRE_R213 : 28)"
    _, reason = unit_values(example("service_ville"), None)
    assert reason == "mode de prise en charge non reconnu (TRE_R213 : 32)"  # a GP's consultation


def test_the_capacity_example_gives_the_unit_its_figures(tmp_path):
    location = example("location_capacity")
    figures, at = capacity_values(location)
    # 15 installed; available 0 men + 0 women + 3 either (summed); status 06 "extra" (crisis) has no Relais figure.
    assert figures == {"installed": 15, "available": 3} and at == datetime(2024, 7, 8, 18, 15, 39, tzinfo=UTC)

    ehpad = offer_data.site(offer_data.legal_entity(), commune=offer_data.rennes())
    service = {
        "resourceType": "HealthcareService",
        "id": "hs-orleans",
        "identifier": [{"value": "24/1073-HS"}],
        "providedBy": {"reference": f"Organization/{ehpad.finess}"},
        "location": [{"reference": "Location/ror-location-exemple-1"}],
        "name": "Hébergement permanent",
        "characteristic": [c.concept(c.CARE_MODE_SYSTEM, ("46", "Hébergement (accueil jour et nuit)"))],
    }
    report = ror_bundle_import(bundle(service, location))
    assert report.summary()["units"]["created"] == 1 and report.summary()["capacities"]["updated"] == 1
    unit = Unit.objects.get(external_id="hs-orleans")
    assert (unit.care_mode, unit.installed, unit.available, unit.capacity_updated_at) == (
        CareMode.PERMANENT_ACCOMMODATION,
        15,
        3,
        at,
    )
    assert (unit.ror_identifier, unit.ror_identifier_system) == ("24/1073-HS", "")
