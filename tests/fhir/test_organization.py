"""Organization, Relais organisations without a directory entry ("relais-<pk>"): public read and search,
ROR-shaped identifiers, paging links that can be followed. The directory itself: test_offer_organization.py."""

from urllib.parse import parse_qs, urlsplit

import pytest

from relais.accounts.roles import OrganisationKind
from relais.fhir.testing import fhir_json, local_path
from relais.offer.fhir.organization_type import FINESS_SYSTEM, KIND_SYSTEM, SIRET_SYSTEM

from .conftest import SITE_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def esms(make_organisation):
    body = make_organisation(
        kind=OrganisationKind.MANAGING_BODY, name="Association Les Tilleuls", siret="12345678900012"
    )
    return make_organisation(name="Établissement d'accueil Les Érables", finess="750000001", parent=body)


def search(client, query="", **extra):
    bundle = fhir_json(client.get(f"/fhir/Organization?{query}", **extra), resource_type="Bundle")
    assert bundle["type"] == "searchset"
    for entry in bundle.get("entry", []):
        assert entry["search"] == {"mode": "match"}
        assert entry["fullUrl"] == f"{SITE_URL}/fhir/Organization/{entry['resource']['id']}"
    return bundle


def names(bundle):
    return [entry["resource"]["name"] for entry in bundle.get("entry", [])]


def test_read_is_public_and_ror_shaped(client, esms):
    resource = fhir_json(client.get(f"/fhir/Organization/relais-{esms.pk}"), resource_type="Organization")
    assert resource["id"] == f"relais-{esms.pk}" and resource["name"] == esms.name and resource["active"] is True
    # Not a directory entry, so not a ROR one: it claims FR Core's Organization (decision 0049).
    assert resource["meta"] == {"profile": ["https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-organization"]}
    finess = resource["identifier"][0]
    assert finess["system"] == FINESS_SYSTEM == "https://finess.esante.gouv.fr"
    assert finess["value"] == "750000001" and finess["type"]["coding"][0]["code"] == "1"
    assert resource["type"][0]["coding"][0] == {
        "system": KIND_SYSTEM,
        "code": "esms",
        "display": OrganisationKind.ESMS.label,
    }
    assert resource["partOf"] == {
        "reference": f"Organization/relais-{esms.parent_id}",
        "display": "Association Les Tilleuls",
    }

    parent = fhir_json(client.get(f"/fhir/Organization/relais-{esms.parent_id}"), resource_type="Organization")
    assert (
        parent["identifier"] == [{**parent["identifier"][0], "system": SIRET_SYSTEM, "value": "12345678900012"}]
        and "partOf" not in parent
    )


def test_read_unknown_or_malformed_id_is_not_found(client, esms):
    for resource_id in (
        "999999",
        "abc",
        "a" * 65,
        "9" * 30,
        "²",
        str(esms.pk),
        "relais-999999",
        "relais-x",
        "359999999",
    ):
        outcome = fhir_json(client.get(f"/fhir/Organization/{resource_id}"), 404, "OperationOutcome")
        assert outcome["issue"][0]["code"] == "not-found"


def test_search_by_name_ignores_case_and_accents(client, esms, make_organisation):
    make_organisation(name="Foyer L’Étape")
    assert names(search(client, "name=etab")) == [esms.name]
    assert names(search(client, "name=ÉTABLISSEMENT%20D'ACCUEIL")) == [esms.name]
    assert names(search(client, "name=foyer%20l'etape")) == ["Foyer L’Étape"]
    assert names(search(client, "name=erables")) == []  # starts with, by default
    assert names(search(client, "name:contains=erables")) == [esms.name]
    assert names(search(client, "name:exact=etablissement")) == []
    assert names(search(client, f"name:exact={esms.name}")) == [esms.name]
    assert set(names(search(client, "name=foyer,etab"))) == {esms.name, "Foyer L’Étape"}  # comma: OR
    assert names(search(client, "name=foyer&name=etab")) == []  # repetition: AND


def test_search_by_identifier_type_partof_active_id(client, esms, make_organisation):
    make_organisation(kind=OrganisationKind.DAC, name="Ancien service", is_active=False)
    assert names(search(client, "identifier=750000001")) == [esms.name]
    assert names(search(client, f"identifier={FINESS_SYSTEM}|750000001")) == [esms.name]
    assert names(search(client, "identifier=http://autre.example|750000001")) == []
    assert names(search(client, f"identifier={SIRET_SYSTEM}|12345678900012")) == ["Association Les Tilleuls"]
    assert names(search(client, "type=managing_body")) == ["Association Les Tilleuls"]
    assert names(search(client, f"type={KIND_SYSTEM}|esms")) == [esms.name]
    assert names(search(client, f"partof=Organization/relais-{esms.parent_id}")) == [esms.name]
    assert names(search(client, "active=false")) == ["Ancien service"]
    assert names(search(client, f"_id=relais-{esms.pk}")) == [esms.name]
    assert names(search(client, f"_id={esms.pk}")) == []
    for odd in ("²", "9" * 30, "-1", "relais-²"):
        assert names(search(client, f"_id={odd}&partof=Organization/{odd}")) == []
    outcome = fhir_json(client.get("/fhir/Organization?active=maybe"), 400, "OperationOutcome")
    assert outcome["issue"][0]["expression"] == ["active"]


def test_paging_links_can_be_followed(client, make_organisation):
    for n in range(7):
        make_organisation(name=f"Service {n}")
    make_organisation(name="Autre chose")
    first = search(client, "name=service&_count=3")
    assert first["total"] == 7 and names(first) == ["Service 0", "Service 1", "Service 2"]
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert set(links) == {"self", "next"}
    assert parse_qs(urlsplit(links["self"]).query) == {"name": ["service"], "_count": ["3"], "_offset": ["0"]}

    seen, url, pages = names(first), links["next"], 1
    while url:
        page = search(client, local_path(url).partition("?")[2])
        pages += 1
        page_links = {link["relation"]: link["url"] for link in page["link"]}
        assert "previous" in page_links
        assert parse_qs(urlsplit(page_links["self"]).query)["name"] == ["service"]
        seen += names(page)
        url = page_links.get("next")
    assert pages == 3 and seen == [f"Service {n}" for n in range(7)]

    last = search(client, "name=service&_count=3&_offset=6")
    previous = next(link["url"] for link in last["link"] if link["relation"] == "previous")
    assert names(search(client, local_path(previous).partition("?")[2])) == ["Service 3", "Service 4", "Service 5"]


def test_count_defaults_caps_and_zero(client, make_organisation):
    for n in range(22):
        make_organisation(name=f"Service {n:02}")
    bundle = search(client, "_count=&_offset=")  # empty parameters are ignored
    assert bundle["total"] == 22 and len(bundle["entry"]) == 20
    capped = search(client, "_count=5000")
    assert "_count=200" in capped["link"][0]["url"] and len(capped["entry"]) == 22
    only_total = search(client, "_count=0")
    assert only_total["total"] == 22 and "entry" not in only_total
    assert [link["relation"] for link in only_total["link"]] == ["self"]


@pytest.mark.parametrize(
    ("query", "expression", "code"),
    [
        ("_count=abc", "_count", "invalid"),
        ("_count=-1", "_count", "invalid"),
        ("_offset=x", "_offset", "invalid"),
        ("_offset=" + "9" * 30, "_offset", "invalid"),
        ("_count=²", "_count", "invalid"),
        ("_count=1&_count=2", "_count", "invalid"),
        ("colour=blue", "colour", "not-supported"),
        ("_sort=name", "_sort", "not-supported"),
        ("name:fuzzy=x", "name:fuzzy", "not-supported"),
    ],
)
def test_bad_search_parameters_are_named(client, query, expression, code):
    outcome = fhir_json(client.get(f"/fhir/Organization?{query}"), 400, "OperationOutcome")
    assert outcome["issue"][0]["expression"] == [expression] and outcome["issue"][0]["code"] == code


def test_organization_has_no_create(client):
    response = client.post("/fhir/Organization", data="{}", content_type="application/fhir+json")
    fhir_json(response, 405, "OperationOutcome")
    assert response.headers["Allow"] == "GET"


def test_a_bad_token_is_refused_even_on_a_public_type(client, esms):
    response = client.get("/fhir/Organization", HTTP_AUTHORIZATION="Bearer relais_nope")
    outcome = fhir_json(response, 401, "OperationOutcome")
    assert outcome["issue"][0]["code"] == "login" and "invalid_token" in response.headers["WWW-Authenticate"]


def test_a_valid_token_reads_public_organizations(client, esms, make_token):
    bundle = search(client, "", **make_token(esms))
    assert bundle["total"] == 2
