"""Round trip of the directory (issue 14, item 4): what /fhir serves, imported by the ROR import into an empty Relais.

The directory is read through the API as a partner would (searchsets of Organization, HealthcareService, Location),
the database is emptied of it, and the import must give back the same organisations, sites, units, categories, care
modes and capacities. What the ROR shape cannot carry is listed in decision 0049 and checked here as such.
"""

import pytest
from django.utils import timezone

from relais.accounts.roles import OrganisationKind
from relais.fhir.testing import fhir_json
from relais.offer.codes import CareMode
from relais.offer.fhir.ror_import import ror_bundle_import
from relais.offer.models import CapacityUpdate, Category, LegalEntity, Site, Source, Unit
from relais.offer.organisation_category import unit_category
from tests.fhir import offer_data

pytestmark = pytest.mark.django_db

ENTRY_FIELDS = (
    "name long_name address_line postal_code city commune_id phone is_open opened_on closed_on created_at".split()
)
LEGAL_ENTITY_FIELDS = (*ENTRY_FIELDS, "siren", "legal_status")
SITE_FIELDS = (*ENTRY_FIELDS, "siret", "category_id", "email", "latitude", "longitude")
UNIT_FIELDS = (
    "name activity care_mode age_min age_max deficiencies gir_min gir_max alzheimer_unit eligibility_zone is_open "
    "ror_identifier ror_identifier_system authorised installed available occupied reserved closed "
    "capacity_updated_at created_at"
).split()


def snapshot() -> dict:
    return {
        "legal_entities": {
            e.finess: {f: getattr(e, f) for f in LEGAL_ENTITY_FIELDS} for e in LegalEntity.objects.all()
        },
        "sites": {
            s.finess: {"legal_entity": s.legal_entity.finess, **{f: getattr(s, f) for f in SITE_FIELDS}}
            for s in Site.objects.select_related("legal_entity")
        },
        "units": {
            # The category a unit has (its own or the FINESS default) is what travels (decision 0049).
            (u.site.finess, u.name): {**{f: getattr(u, f) for f in UNIT_FIELDS}, "category": unit_category(u)}
            for u in Unit.objects.select_related("site")
        },
        "categories": {
            c.code: (c.label, c.domain, c.is_medico_social)
            for c in Category.objects.filter(sites__isnull=False).distinct()
        },
    }


def served(client) -> dict:
    """Everything the three types serve, gathered into one collection Bundle (paging followed)."""
    entries = []
    for type_name in ("Organization", "HealthcareService", "Location"):
        url = f"/fhir/{type_name}?_count=50"
        while url:
            page = fhir_json(client.get(url), resource_type="Bundle")
            entries += [{"resource": e["resource"]} for e in page.get("entry", [])]
            url = next((link["url"] for link in page.get("link", []) if link["relation"] == "next"), None)
            url = url and url[url.index("/fhir/") :]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def test_the_served_directory_imported_into_an_empty_relais_is_the_same(client, make_organisation):
    ej, ehpad, _ime, (permanent, temporary, day) = offer_data.directory()
    make_organisation(kind=OrganisationKind.MDPH, name="MDPH d'Ille-et-Vilaine", finess="359999990")  # not an entry
    LegalEntity.objects.filter(pk=ej.pk).update(opened_on="1990-01-01")
    Unit.objects.filter(pk=permanent.pk).update(
        ror_identifier="53/4242", ror_identifier_system="https://ror.example.invalid/offre", activity="EHPAD"
    )
    Unit.objects.filter(pk=day.pk).update(
        reserved=0, closed=2, installed=10, occupied=8, capacity_updated_at=timezone.now()
    )
    offer_data.unit(ehpad, name="Accueil de jour", care_mode=CareMode.DAY_CARE, age_min=60)  # no figure at all
    before = snapshot()
    assert [len(before[k]) for k in ("legal_entities", "sites", "units", "categories")] == [1, 2, 4, 2]
    exported = served(client)
    assert {e["resource"]["resourceType"] for e in exported["entry"]} == {
        "Organization",
        "HealthcareService",
        "Location",
    }

    # An empty Relais: no directory, no categories (the import creates those it meets).
    CapacityUpdate.objects.all().delete()
    Unit.objects.all().delete()
    Site.objects.all().delete()
    LegalEntity.objects.all().delete()
    Category.objects.update(replaced_by=None)
    Category.objects.all().delete()

    report = ror_bundle_import(exported)
    summary = report.summary()
    assert summary["legal_entities"]["created"] == 1 and summary["sites"]["created"] == 2
    assert summary["units"] == {"created": 4, "updated": 0, "unchanged": 0, "skipped": 0}, report.messages
    assert summary["ignored"] == 1 and "organisation Relais hors du répertoire" in report.messages[0]
    after = snapshot()

    # One difference, by design (decision 0011): a unit whose figures were never updated sends its installed figure
    # dated by the unit's last change, and the import records that date as the date of its figures.
    unit_key = (ehpad.finess, temporary.name)
    assert before["units"][unit_key].pop("capacity_updated_at") is None
    assert (
        after["units"][unit_key].pop("capacity_updated_at") == Unit.objects.get(name=temporary.name).capacity_updated_at
    )
    assert after == before
    assert set(Site.objects.values_list("source", flat=True)) == {Source.ROR}
    assert Unit.objects.get(name="Accueil de jour").installed == 0


def counts() -> list[int]:
    return [model.objects.count() for model in (LegalEntity, Site, Unit)]


def test_relais_s_own_export_imported_into_the_same_relais_twice_changes_no_count(client):
    """Decision 0049: a unit of Relais's own export (meta.source = this Relais) is found by its Relais id, one with a
    national offer id by that id; importing the export again creates nothing."""
    _ej, _ehpad, _ime, (permanent, _temporary, _day) = offer_data.directory()
    Unit.objects.filter(pk=permanent.pk).update(ror_identifier="53/4242", ror_identifier_system="")
    before = counts()
    exported = served(client)
    for _ in range(2):
        summary = ror_bundle_import(exported).summary()
        assert summary["units"]["created"] == 0 and summary["units"]["skipped"] == 0, summary
        assert summary["sites"]["created"] == summary["legal_entities"]["created"] == 0
        assert counts() == before
    assert summary["units"]["unchanged"] == 3


def test_units_are_found_by_their_national_id_and_another_relais_s_ids_are_not_taken_for_ours(client):
    _ej, ehpad, _ime, (permanent, temporary, _day) = offer_data.directory()
    Unit.objects.filter(pk=permanent.pk).update(ror_identifier="53/4242", ror_identifier_system="")
    exported = served(client)
    services = [e["resource"] for e in exported["entry"] if e["resource"]["resourceType"] == "HealthcareService"]
    for resource in (e["resource"] for e in exported["entry"]):  # as another system would send the same directory
        resource["meta"].pop("source", None)
        if resource["resourceType"] in ("HealthcareService", "Location"):
            resource["id"] = "autre-" + resource["id"]
    for service in services:
        service["location"] = [{"reference": "Location/" + service["id"]}]
    before = counts()
    summary = ror_bundle_import(exported).summary()
    # The unit with a national id is found by it; the others carry only Relais ids, which are not this Relais's
    # here (no meta.source): they are new units under the sender's ids, as before.
    assert summary["units"]["created"] == 2 and counts() == [before[0], before[1], before[2] + 2]
    assert Unit.objects.filter(ror_identifier="53/4242").count() == 1
    assert Unit.objects.filter(site=ehpad, name=temporary.name).count() == 2
    again = ror_bundle_import(exported).summary()  # and the second time, by their HealthcareService ids
    assert again["units"]["created"] == 0 and counts() == [before[0], before[1], before[2] + 2]
