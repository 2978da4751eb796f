"""Access-control review of the orientation screens: regressions for the scoping bugs found. Synthetic persons only."""

import pytest
from django.urls import reverse

from relais.accounts.roles import OrganisationKind, Role

pytestmark = pytest.mark.django_db

SIMULATION = {"category": "255", "departement": "35", "places": "2", "care_mode": ""}


def test_simulation_without_a_configured_territory_covers_no_departement(
    client, no_2fa, land, make_organisation, make_member
):
    """An ARS without a region (or an MDPH without a département) has no territory (``territory_scope``: empty);
    the simulation must not fall back to the whole country."""
    url = reverse("orientation:simulation")
    client.force_login(land.ars_here[0])  # (user, actor)
    assert "Résultat" in client.get(url, SIMULATION).content.decode()  # its own region: allowed
    assert "Résultat" not in client.get(url, {**SIMULATION, "departement": "75"}).content.decode()
    for kind, role in ((OrganisationKind.ARS, Role.ANALYST), (OrganisationKind.MDPH, Role.ORIENTATION_OFFICER)):
        _user, actor = make_member(make_organisation(kind=kind), role=role)
        client.force_login(actor.user)
        response = client.get(url, SIMULATION)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Résultat" not in html
        assert "35 — Ille-et-Vilaine" not in html and "75 — Paris" not in html


def _notification_for(world, subject: dict, patient: dict | None = None) -> dict:
    from tests.orientation.fhir.conftest import example

    bundle = example("SDOBundleResultatRechercheNotificationESMS.json")
    for entry, site in zip(bundle["entry"], world.sites[1:], strict=True):
        task = entry["resource"]
        for item in task["input"]:
            if item["type"]["text"] == "idNat_Struct":
                item["valueString"] = f"1{site.finess}"
        task["for"] = subject
    bundle["entry"][0]["resource"]["restriction"] = {"period": {"start": "2026-01-01", "end": "2031-12-31"}}
    if patient is not None:
        bundle["entry"].append({"fullUrl": "https://mdph.example.org/Patient/p1", "resource": patient})
    return bundle


def test_a_notification_cannot_reach_by_identifier_a_person_another_organisation_follows(client, world):
    """``Task.for.reference`` to a person the sender does not follow is refused (like a missing one); the INS or
    the external reference of that person (``Task.for.identifier``, ``Patient.identifier``) must not reach it
    either — as on the web (``admission_file_open``), a person whose file another organisation writes stays out of
    reach. Nothing is written and the MDPH still does not see the person."""
    from relais.accounts.services import api_client_create
    from relais.orientation.admission.models import AdmissionFile
    from relais.orientation.decisions.models import OrientationDecision
    from relais.orientation.policy import persons_visible_to
    from relais.orientation.requests.models import AdmissionRequest
    from relais.persons.models import Person
    from tests.orientation.fhir.conftest import post_json

    ins = "180052912345678"
    Person.objects.filter(pk=world.person.pk).update(ins=ins, external_ref="DAC-0001")
    AdmissionFile.objects.create(person=world.person, author_organisation=world.coordinator.organisation)
    _client, raw = api_client_create(actor=None, organisation=world.mdph.organisation, name="Logiciel MDPH")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "urn:mdph29:usager", "value": "DAC-0001"}],
        "name": [{"family": "Autre", "given": ["Nom"]}],
        "gender": "male",
        "birthDate": "1980-05-02",
    }
    bundles = [
        _notification_for(world, {"identifier": {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": ins}}),
        _notification_for(world, {"reference": "Patient/p1"}, patient),
    ]
    before = (Person.objects.count(), OrientationDecision.objects.count(), AdmissionRequest.objects.count())
    for bundle in bundles:
        response = post_json(client, "/fhir/Bundle", bundle, headers)
        assert response.status_code == 403, response.content
        assert (Person.objects.count(), OrientationDecision.objects.count(), AdmissionRequest.objects.count()) == before
    assert not persons_visible_to(world.mdph).filter(pk=world.person.pk).exists()
