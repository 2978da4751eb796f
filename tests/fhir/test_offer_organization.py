"""Organization from the offer directory: EJ and EG shaped like ROROrganization, id = FINESS number,
chained with the Relais organisations that have no directory entry."""

from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from relais.accounts.roles import OrganisationKind
from relais.fhir.testing import fhir_json, local_path
from relais.offer.fhir import codes as c
from relais.offer.fhir.ror_parse import finess_of
from relais.offer.models import LegalEntity, Site

from . import offer_data

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def directory():
    return offer_data.directory()


def search(client, query=""):
    bundle = fhir_json(client.get(f"/fhir/Organization?{query}"), resource_type="Bundle")
    assert all(entry["search"] == {"mode": "match"} for entry in bundle.get("entry", []))
    return bundle


def ids(bundle):
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def codings(resource):
    return {(coding["system"], coding["code"]) for concept in resource["type"] for coding in concept.get("coding", [])}


def test_legal_entity_is_ror_shaped(client, directory):
    ej, *_ = directory
    resource = fhir_json(client.get(f"/fhir/Organization/{ej.finess}"), resource_type="Organization")
    assert resource["id"] == ej.finess and resource["name"] == ej.name and resource["active"] is True
    assert resource["meta"]["profile"] == [
        "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-organization"
    ]
    id_nat_struct, finess, siren = resource["identifier"]
    assert (id_nat_struct["system"], id_nat_struct["value"]) == ("urn:oid:1.2.250.1.71.4.2.2", "1" + ej.finess)
    assert id_nat_struct["type"]["coding"][0]["code"] == "40"
    assert finess["system"] == c.FINESS_SYSTEM == "https://finess.esante.gouv.fr" and finess["value"] == ej.finess
    assert finess["type"]["coding"][0] == {"system": c.IDENTIFIER_TYPE_SYSTEM, "code": "1", "display": "FINESS"}
    assert siren["value"] == "359900001" and siren["type"]["coding"][0]["code"] == "2"
    assert siren["system"] == "http://sirene.fr"  # the system ROROrganization fixes for numSIRET
    assert codings(resource) == {(c.ORG_TYPE_SYSTEM, "LEGAL-ENTITY"), (c.LEGAL_STATUS_SYSTEM, "60")}
    assert resource["address"][0]["extension"] == [
        {"url": c.INSEE_EXTENSION, "valueCoding": {"system": c.COMMUNE_SYSTEM, "code": "35238", "display": "Rennes"}}
    ]
    ej.refresh_from_db()
    assert datetime.fromisoformat(resource["meta"]["lastUpdated"]) == ej.updated_at
    (created,) = [e for e in resource["extension"] if e["url"] == c.CREATION_DATE_EXTENSION]
    assert datetime.fromisoformat(created["valueDateTime"]) == ej.created_at
    assert "partOf" not in resource


def test_site_is_ror_shaped(client, directory):
    ej, ehpad, _, _ = directory
    resource = fhir_json(client.get(f"/fhir/Organization/{ehpad.finess}"), resource_type="Organization")
    assert codings(resource) == {(c.ORG_TYPE_SYSTEM, "GEOGRAPHICAL-ENTITY"), (c.CATEGORY_SYSTEM, "500")}
    assert c.CATEGORY_SYSTEM.endswith("TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement")
    assert resource["type"][1]["coding"][0]["display"] == "EHPAD"
    assert resource["partOf"] == {"reference": f"Organization/{ej.finess}", "display": ej.name}
    assert [i["type"]["coding"][0]["code"] for i in resource["identifier"]] == ["40", "1", "3"]
    address = resource["address"][0]
    assert (address["line"], address["city"], address["postalCode"]) == (["3 rue des Ajoncs"], "Rennes", "35200")
    geolocation = next(e for e in address["extension"] if e["url"] == c.GEOLOCATION_EXTENSION)
    assert geolocation["extension"] == [
        {"url": "latitude", "valueDecimal": 48.0921},
        {"url": "longitude", "valueDecimal": -1.6612},
    ]
    phone, email = resource["telecom"]
    assert phone["value"] == "02 99 00 00 01" and email["system"] == "email"
    assert phone["extension"][0]["url"] == c.ROR_SD + "ror-telecom-communication-channel"


def test_closed_site_is_inactive_and_unknown_ids_are_not_found(client, directory):
    _, _, ime, _ = directory
    assert fhir_json(client.get(f"/fhir/Organization/{ime.finess}"))["active"] is False
    for unknown in ("359999999", "35990000A", "relais-1"):
        outcome = fhir_json(client.get(f"/fhir/Organization/{unknown}"), 404, "OperationOutcome")
        assert outcome["issue"][0]["code"] == "not-found"


def test_a_relais_organisation_linked_to_the_directory_is_that_entry(client, directory, make_organisation):
    ej, ehpad, _, _ = directory
    linked = make_organisation(name="Compte Relais de l'EHPAD")
    Site.objects.filter(pk=ehpad.pk).update(organisation=linked)
    same_finess = make_organisation(kind=OrganisationKind.MANAGING_BODY, name="Compte de l'EJ", finess=ej.finess)
    make_organisation(kind=OrganisationKind.MDPH, name="MDPH d'Ille-et-Vilaine")
    for organisation in (linked, same_finess):
        fhir_json(client.get(f"/fhir/Organization/relais-{organisation.pk}"), 404, "OperationOutcome")
    resource = fhir_json(client.get(f"/fhir/Organization/{ehpad.finess}"))
    assert (c.KIND_SYSTEM, "esms") in codings(resource) and resource["name"] == ehpad.name
    assert ids(search(client, "type=esms")) == [ehpad.finess]
    assert ids(search(client, f"identifier={ej.finess}")) == [ej.finess]
    assert search(client)["total"] == 4  # EJ, EHPAD, IME, MDPH
    child = make_organisation(name="Antenne", parent=same_finess)
    assert fhir_json(client.get(f"/fhir/Organization/relais-{child.pk}"))["partOf"]["reference"] == (
        f"Organization/{ej.finess}"
    )
    assert set(ids(search(client, f"partof=Organization/{ej.finess}"))) == {
        ehpad.finess,
        directory[2].finess,
        f"relais-{child.pk}",
    }


def test_union_paging_across_legal_entities_sites_and_relais_organisations(client, directory, make_organisation):
    ej, ehpad, ime, _ = directory
    others = [make_organisation(kind=OrganisationKind.ARS, name=f"Service {n}") for n in range(3)]
    expected = [ej.finess, ehpad.finess, ime.finess] + [f"relais-{o.pk}" for o in others]
    first = search(client, "_count=4")
    assert first["total"] == 6 and ids(first) == expected[:4]
    seen, url = ids(first), next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = search(client, local_path(url).partition("?")[2])
    assert ids(second) == expected[4:] and not [link for link in second["link"] if link["relation"] == "next"]
    assert seen + ids(second) == expected
    for offset in range(7):
        page = search(client, f"_count=2&_offset={offset}")
        assert page["total"] == 6 and ids(page) == expected[offset : offset + 2]
    assert search(client, "_count=0")["total"] == 6


def test_search_parameters(client, directory):
    ej, ehpad, ime, _ = directory
    assert ids(search(client, f"identifier={c.FINESS_SYSTEM}|{ehpad.finess}")) == [ehpad.finess]
    assert ids(search(client, "identifier=http://sirene.fr|359900001")) == [ej.finess]
    assert ids(search(client, "identifier=35990000100017")) == [ehpad.finess]
    assert ids(search(client, "name=ehpad%20les%20AJONCS")) == [ehpad.finess]
    assert ids(search(client, "name:contains=rance")) == [ime.finess]
    assert ids(search(client, "type=EJ")) == [ej.finess]
    assert ids(search(client, f"type={quote(c.ORG_TYPE_SYSTEM)}|GEOGRAPHICAL-ENTITY")) == [ehpad.finess, ime.finess]
    assert ids(search(client, "type=500,183")) == [ehpad.finess, ime.finess]
    assert ids(search(client, f"type={c.CATEGORY_SYSTEM}|183")) == [ime.finess]
    assert ids(search(client, f"type={c.LEGAL_STATUS_SYSTEM}|60")) == [ej.finess]
    assert ids(search(client, "address-postalcode=352")) == [ehpad.finess]
    assert ids(search(client, "address-postalcode=35")) == [ej.finess, ehpad.finess]
    assert ids(search(client, f"partof=Organization/{ej.finess}")) == [ehpad.finess, ime.finess]
    assert ids(search(client, "active=false")) == [ime.finess]
    assert ids(search(client, f"_id={ime.finess}")) == [ime.finess]


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=PARIS)


def test_last_updated(client, directory, make_organisation):
    ej, ehpad, ime, _ = directory
    make_organisation(kind=OrganisationKind.MDPH, name="MDPH")  # no date: never in a _lastUpdated search
    LegalEntity.objects.filter(pk=ej.pk).update(updated_at=_at("2024-01-10"))
    Site.objects.filter(pk=ehpad.pk).update(updated_at=_at("2024-03-01"))
    Site.objects.filter(pk=ime.pk).update(updated_at=_at("2024-02-01"))
    assert search(client)["total"] == 4
    cases = {
        "gt2024-02-01": [ehpad.finess],
        "ge2024-02-01": [ehpad.finess, ime.finess],
        "lt2024-02-01": [ej.finess],
        "le2024-02-01": [ej.finess, ime.finess],
        "2024-02": [ime.finess],
        "eq2024-03-01": [ehpad.finess],
        "ne2024-03-01": [ej.finess, ime.finess],
        "ge2024-01-10T12:00:00%2B01:00": [ej.finess, ehpad.finess, ime.finess],
        "gt2024-01-10T12:00:00+01:00": [ehpad.finess, ime.finess],  # a bare "+" arrives as a space
        "gt2024-01-10T11:00:00Z": [ehpad.finess, ime.finess],
        "lt2024-01-10T11:00:00.000001Z": [ej.finess],
    }
    for value, expected in cases.items():
        assert ids(search(client, f"_lastUpdated={value}")) == expected, value
    assert ids(search(client, "_lastUpdated=ge2024&_lastUpdated=lt2024-02-15")) == [ej.finess, ime.finess]
    resource = fhir_json(client.get(f"/fhir/Organization/{ime.finess}"))
    assert resource["meta"]["lastUpdated"] == "2024-02-01T12:00:00+01:00"
    for bad in ("hier", "2024-13", "xx2024", "2024-02-30"):
        outcome = fhir_json(client.get(f"/fhir/Organization?_lastUpdated={bad}"), 400, "OperationOutcome")
        assert outcome["issue"][0]["expression"] == ["_lastUpdated"]


def test_every_form_of_a_finess_identifier_finds_the_entry(client, directory, make_organisation):
    """Decision 0049: the FINESS systems (FR Core's https and the older http ones) and the idNatSt of ROROrganization
    and FR Core (urn:oid:1.2.250.1.71.4.2.2, "1" + FINESS, "2" + SIREN, "3" + SIRET) find the same entry."""
    ej, ehpad, _ime, _ = directory
    for system in sorted(c.FINESS_SYSTEMS):
        assert ids(search(client, f"identifier={system}|{ehpad.finess}")) == [ehpad.finess]
    assert ids(search(client, f"identifier={c.ID_NAT_STRUCT_SYSTEM}|1{ehpad.finess}")) == [ehpad.finess]
    assert ids(search(client, f"identifier={c.ID_NAT_STRUCT_SYSTEM}|1{ej.finess}")) == [ej.finess]
    assert ids(search(client, f"identifier={c.ID_NAT_STRUCT_SYSTEM}|2359900001")) == [ej.finess]
    assert ids(search(client, f"identifier={c.ID_NAT_STRUCT_SYSTEM}|335990000100017")) == [ehpad.finess]
    assert ids(search(client, f"identifier={c.ID_NAT_STRUCT_SYSTEM}|{ehpad.finess}")) == []  # no prefix: not a FINESS
    assert ids(search(client, f"identifier=urn:oid:1.2.250.1.71.4.2.1|1{ehpad.finess}")) == []  # IdNatPS
    mdph = make_organisation(kind=OrganisationKind.MDPH, name="MDPH d'Ille-et-Vilaine", finess="350000006")
    assert ids(search(client, f"identifier={c.ID_NAT_STRUCT_SYSTEM}|1350000006")) == [f"relais-{mdph.pk}"]
    assert ids(search(client, "identifier=http://finess.sante.gouv.fr|350000006")) == [f"relais-{mdph.pk}"]
    # What the ROR reader takes as the FINESS number, from the same forms (and a TRE_G07 "1" in another system).
    typed = {"coding": [{"system": c.IDENTIFIER_TYPE_SYSTEM, "code": "1"}]}
    for identifier in (
        {"system": c.ID_NAT_STRUCT_SYSTEM, "value": f"1{ehpad.finess}"},
        {"system": "http://finess.esante.gouv.fr", "value": ehpad.finess},
        {"system": "urn:example:annuaire", "type": typed, "value": ehpad.finess},
    ):
        assert finess_of({"identifier": [identifier]}) == ehpad.finess
    assert finess_of({"identifier": [{"system": c.ID_NAT_STRUCT_SYSTEM, "value": "2359900001"}]}) is None
