"""NdE (ANS event notification) in FHIR: Subscription in and out, one CommunicationRequest per notification."""

import json
from datetime import date

from relais.fhir.testing import fhir_json
from relais.notifications.models import Notification, Subscription, SubscriptionStatus
from relais.pathway import matrix as m
from relais.pathway.circle.services import consent_revoke
from relais.pathway.record.models import EventKind
from relais.pathway.record.services import event_post

from .conftest import ans, post

EXAMPLE = "nde__Subscription-sub1.json"
GP_RPPS = "01234567897"  # the RPPS of the example's subscriber (IdNatPS 8 + RPPS)


NDE = "https://interop.esante.gouv.fr/ig/fhir/nde/StructureDefinition/"


def example_person(world):
    """The example's patient traits on the circle's person (synthetic: the guide's fictional Robert Langdon)."""
    person = world.person
    person.family_name, person.used_name, person.first_names, person.used_first_name = "Robert", "", "Langdon", ""
    person.birth_date, person.sex = date(1960, 3, 20), "M"
    person.save()
    return person


def example_for(world, **changes):
    """The ANS example, its subject pointing at the Relais person by Patient/<id>."""
    resource = ans(EXAMPLE)
    for extension in resource["extension"]:
        if extension["url"].endswith("/subject"):
            extension["valueReference"] = {"reference": f"Patient/{world.person.pk}"}
    resource.pop("end")  # the example's end (2020) is in the past
    resource.update(changes)
    return resource


def gp_client(world, as_subject):
    gp = world.subjects["health_consent"].user
    gp.rpps = GP_RPPS
    gp.save(update_fields=["rpps"])
    return as_subject(world.subjects["health_consent"])


def issue(response, status=422):
    data = fhir_json(response, status=status, resource_type="OperationOutcome")
    return data["issue"][0]


def test_the_example_as_is_is_refused_for_its_past_end_and_accepted_without_it(world, as_subject):
    """The guide's contained Patient (no INS) is matched on strict traits among the subscriber's circles; the
    example's end (2020) is past, a subscription that would follow nothing: refused, naming Subscription.end."""
    client = gp_client(world, as_subject)
    problem = issue(post(client, "/fhir/Subscription", ans(EXAMPLE)), status=404)  # no such person in their circles
    assert problem["expression"] == ["Subscription.contained[0]"] and problem["code"] == "not-found"
    example_person(world)
    problem = issue(post(client, "/fhir/Subscription", ans(EXAMPLE)))
    assert problem["expression"] == ["Subscription.end"] and "passée" in problem["diagnostics"]
    assert not Subscription.objects.exists()
    example = ans(EXAMPLE)
    example.pop("end")
    data = fhir_json(post(client, "/fhir/Subscription", example), status=201, resource_type="Subscription")
    row = Subscription.objects.get()
    assert row.person == world.person and set(row.kinds) == {"pathway.discharge", "pathway.hospital_discharge"}
    assert data["meta"]["profile"] == [NDE + "nde-subscription"]


def test_a_contained_patient_without_identifier_or_traits_is_refused(world, as_subject):
    client = gp_client(world, as_subject)
    example = example_for(world)
    example["extension"][1]["valueReference"] = {"reference": "#pat1"}
    del example["contained"][0]["birthDate"]
    problem = issue(post(client, "/fhir/Subscription", example))
    assert problem["expression"] == ["Subscription.contained[0]"] and "traits" in problem["diagnostics"]
    example["contained"][0]["identifier"] = [{"system": "urn:relais:person", "value": str(world.person.pk)}]
    fhir_json(post(client, "/fhir/Subscription", example), status=201, resource_type="Subscription")


def test_the_example_is_accepted_for_a_relais_person_and_answered_in_the_nde_shape(world, as_subject):
    client = gp_client(world, as_subject)
    data = fhir_json(post(client, "/fhir/Subscription", example_for(world)), status=201, resource_type="Subscription")
    row = Subscription.objects.get()
    assert row.user == world.subjects["health_consent"].user and row.organisation == world.organisations.practice
    # SOR follows every Relais kind it covers: a discharge noted in the record and a hospital discharge.
    assert row.kinds == ["pathway.discharge", "pathway.hospital_discharge"]
    assert row.source == "fhir" and row.status == SubscriptionStatus.ACTIVE
    assert data["status"] == "active" and data["meta"]["profile"] == [NDE + "nde-subscription"]
    assert data["criteria"] == f"CommunicationRequest?subject=Patient/{world.person.pk}&event-type=SOR"
    assert data["channel"] == {"type": "email", "endpoint": f"mailto:{row.user.email}"}
    by_url = {e["url"].rsplit("/", 1)[1]: e for e in data["extension"]}
    assert by_url["event-type"]["valueCodeableConcept"]["coding"][0]["code"] == "SOR"
    # The guide's contained resources: the person (Relais identifier), Relais as declarant, the subscriber.
    contained = {r["id"]: r for r in data["contained"]}
    assert by_url["subject"]["valueReference"] == {"reference": "#subject", "type": "Patient"}
    assert contained["subject"]["identifier"][0]["value"] == str(world.person.pk)
    assert contained[by_url["declarant"]["valueReference"]["reference"][1:]]["resourceType"] == "Organization"
    subscriber = contained[by_url["subscriber"]["valueReference"]["reference"][1:]]
    assert subscriber["resourceType"] == "Practitioner" and subscriber["identifier"][0]["value"] == "8" + GP_RPPS
    assert data["reason"].startswith("Abonnement pour recevoir")
    again = fhir_json(client.get(f"/fhir/Subscription/{row.pk}"), resource_type="Subscription")
    assert again["id"] == str(row.pk)
    off = fhir_json(post(client, "/fhir/Subscription", example_for(world, status="off")), status=201)
    assert off["status"] == "off" and Subscription.objects.get().status == SubscriptionStatus.OFF


def test_bad_subscriptions_are_refused_with_the_path(world, as_subject):
    client = gp_client(world, as_subject)
    unknown = example_for(world, criteria="CommunicationRequest?event-type=XYZ")
    assert issue(post(client, "/fhir/Subscription", unknown))["expression"] == ["Subscription.criteria"]
    sms = example_for(world, channel={"type": "sms", "endpoint": "tel:0600000000"})
    assert issue(post(client, "/fhir/Subscription", sms))["expression"] == ["Subscription.channel.type"]
    wrong = example_for(world, criteria="Patient?name=x")
    assert issue(post(client, "/fhir/Subscription", wrong))["expression"] == ["Subscription.criteria"]
    other = example_for(world)
    other["contained"][2]["identifier"][0]["value"] = "810000000001"
    assert "soi-même" in issue(post(client, "/fhir/Subscription", other))["diagnostics"]
    assert not Subscription.objects.exists()


def test_outside_the_circle_the_person_is_not_found(world, as_subject):
    client = as_subject(world.subjects["outsider"])
    resource = example_for(world)
    del resource["contained"][2]["identifier"]
    assert issue(post(client, "/fhir/Subscription", resource), status=404)["code"] == "not-found"


def test_each_member_sees_only_their_own_subscriptions(world, as_subject):
    client = gp_client(world, as_subject)
    fhir_json(post(client, "/fhir/Subscription", example_for(world)), status=201)
    row = Subscription.objects.get()
    assert fhir_json(client.get(f"/fhir/Subscription?patient=Patient/{world.person.pk}"))["total"] == 1
    nurse = as_subject(world.subjects["health_care_team"])
    assert nurse.get(f"/fhir/Subscription/{row.pk}").status_code == 404
    assert fhir_json(nurse.get("/fhir/Subscription"))["total"] == 0


def test_a_communication_request_per_notification_for_its_recipient_under_the_policy(
    world, as_subject, django_capture_on_commit_callbacks
):
    client = gp_client(world, as_subject)
    fhir_json(post(client, "/fhir/Subscription", example_for(world)), status=201)
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        event_post(
            actor=world.subjects["health_care_team"].actor,
            person=world.person,
            kind=EventKind.DISCHARGE,
            title="Sortie de cardiologie",
            category=m.MEDICAL,
        )
    notification = Notification.objects.get(recipient=world.subjects["health_consent"].user)
    client = as_subject(world.subjects["health_consent"])
    bundle = fhir_json(client.get(f"/fhir/CommunicationRequest?patient=Patient/{world.person.pk}&event-type=SOR"))
    assert bundle["total"] == 1
    data = fhir_json(client.get(f"/fhir/CommunicationRequest/{notification.pk}"), resource_type="CommunicationRequest")
    assert data["meta"]["profile"] == [NDE + "nde-notificationrequest"]
    assert data["basedOn"] == [{"reference": f"Subscription/{Subscription.objects.get().pk}", "type": "Subscription"}]
    assert data["subject"] == {"reference": "#subject", "type": "Patient"} and data["status"] == "active"
    contained = {r["id"]: r for r in data["contained"]}
    assert contained["subject"]["identifier"][0]["value"] == str(world.person.pk)
    assert contained[data["requester"]["reference"][1:]]["resourceType"] == "Organization"
    recipient = data["recipient"][0]
    assert contained[recipient["reference"][1:]]["identifier"][0]["value"] == "8" + GP_RPPS
    assert recipient["extension"][0]["url"] == NDE + "recipient-endpoint"
    assert recipient["extension"][0]["valueUrl"] == f"mailto:{notification.recipient.email}"
    by_url = {e["url"].rsplit("/", 1)[1]: e for e in data["extension"]}
    assert set(by_url) == {"event-type", "event-time", "event-emission-time"}
    assert data["medium"][0]["coding"][0]["code"] == "3"  # e-mailed
    assert "cardiologie" not in json.dumps(data)  # the title never travels in a notification
    nurse = as_subject(world.subjects["health_care_team"])
    assert nurse.get(f"/fhir/CommunicationRequest/{notification.pk}").status_code == 404
    consent_revoke(actor=world.referent, consent=world.consent, revoked_by="la personne")
    client = as_subject(world.subjects["health_consent"])
    assert client.get(f"/fhir/CommunicationRequest/{notification.pk}").status_code == 404
    assert fhir_json(client.get("/fhir/CommunicationRequest"))["total"] == 0


def _paths(value, prefix=""):
    """The element paths of a resource (lists flattened), with each extension's url: its shape, not its values."""
    if isinstance(value, dict):
        paths = set()
        for key, item in value.items():
            if key in {"text", "div"}:
                continue
            name = f"{prefix}.{key}" if prefix else key
            if key == "url" and isinstance(item, str) and prefix.endswith("extension"):
                paths.add(f"{prefix}[{item.rsplit('/', 1)[-1]}]")
                continue
            paths |= {name} | _paths(item, name)
        return paths
    if isinstance(value, list):
        return set().union(*(_paths(item, prefix) for item in value)) if value else set()
    return set()


def test_the_official_communication_request_has_the_shape_relais_serves_and_is_not_taken_in(
    world, as_subject, django_capture_on_commit_callbacks
):
    """Flow 4 (TransmissionOrdreNotification) goes from a subscription manager to a notification manager: Relais is
    the subscription manager and sends its notices itself, so it takes no CommunicationRequest (405). What it serves
    has every element of the official example outside the contained resources' own details."""
    client = gp_client(world, as_subject)
    official = ans("nde__CommunicationRequest-com1.json")
    response = post(client, "/fhir/CommunicationRequest", official)
    assert response.status_code == 405 and "POST" not in response["Allow"]
    fhir_json(post(client, "/fhir/Subscription", example_for(world)), status=201)
    with django_capture_on_commit_callbacks(execute=True):
        event_post(
            actor=world.subjects["health_care_team"].actor,
            person=world.person,
            kind=EventKind.DISCHARGE,
            title="Sortie",
            category=m.MEDICAL,
        )
    notification = Notification.objects.get(recipient=world.subjects["health_consent"].user)
    ours = fhir_json(client.get(f"/fhir/CommunicationRequest/{notification.pk}"), resource_type="CommunicationRequest")
    outside_contained = {p for p in _paths(official) if not p.startswith("contained.") and p != "basedOn.reference"}
    assert outside_contained - _paths(ours) == set()
    assert {r["resourceType"] for r in ours["contained"]} == {r["resourceType"] for r in official["contained"]}


def test_a_kind_without_national_type_and_a_default_follower(world, as_subject, django_capture_on_commit_callbacks):
    """The referent follows by default (no Subscription row): basedOn names that following; a home visit has no
    national event type, so the notice declares the base profile and carries its Relais type."""
    with django_capture_on_commit_callbacks(execute=True):
        event_post(
            actor=world.subjects["health_care_team"].actor,
            person=world.person,
            kind=EventKind.HOME_VISIT,
            title="Passage",
            category=m.SOCIAL,
        )
    referent = world.subjects["referent"]
    notification = Notification.objects.get(recipient=referent.user, kind="pathway.home_visit")
    client = as_subject(referent)
    data = fhir_json(client.get(f"/fhir/CommunicationRequest/{notification.pk}"), resource_type="CommunicationRequest")
    assert data["meta"]["profile"] == ["http://hl7.org/fhir/StructureDefinition/CommunicationRequest"]
    assert not any(e["url"] == NDE + "event-type" for e in data["extension"])
    relais_type = next(e for e in data["extension"] if e["url"] == "urn:relais:fhir:extension:person-event-type")
    assert relais_type["valueCodeableConcept"]["coding"][0]["code"] == "pathway.home_visit"
    assert (
        data["basedOn"][0]["identifier"]["system"] == "urn:relais:default-follow"
        and "reference" not in data["basedOn"][0]
    )
    assert data["recipient"][0]["extension"][0]["valueUrl"].startswith(("mailto:", "https://relais.example.org/"))


def test_the_capability_statement_names_both_profiles_of_each_nde_type(client):
    metadata = fhir_json(client.get("/fhir/metadata"), resource_type="CapabilityStatement")
    by_type = {r["type"]: r for r in metadata["rest"][0]["resource"]}
    assert by_type["Subscription"]["supportedProfile"] == [
        NDE + "nde-subscription",
        "http://hl7.org/fhir/StructureDefinition/Subscription",
    ]
    assert by_type["CommunicationRequest"]["supportedProfile"][0] == NDE + "nde-notificationrequest"
    assert (
        "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-appointment"
        in by_type["Appointment"]["supportedProfile"]
    )
