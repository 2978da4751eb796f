"""NdE (ANS event notification) in FHIR: Subscription in and out, one CommunicationRequest per notification."""

import json

from relais.fhir.testing import fhir_json
from relais.notifications.models import Notification, Subscription, SubscriptionStatus
from relais.pathway import matrix as m
from relais.pathway.circle.services import consent_revoke
from relais.pathway.record.models import EventKind
from relais.pathway.record.services import event_post

from .conftest import ans, post

EXAMPLE = "nde__Subscription-sub1.json"
GP_RPPS = "01234567897"  # the RPPS of the example's subscriber (IdNatPS 8 + RPPS)


def example_for(world, **changes):
    """The ANS example, its subject pointing at the Relais person (contained patients are not matched)."""
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


def test_the_example_as_is_names_the_contained_patient_it_cannot_match(world, as_subject):
    client = gp_client(world, as_subject)
    problem = issue(post(client, "/fhir/Subscription", ans(EXAMPLE)))
    assert "#pat1" in problem["diagnostics"] and "Patient/<id>" in problem["diagnostics"]
    assert problem["expression"] == ["Subscription.extension[1].valueReference"]
    assert not Subscription.objects.exists()


def test_the_example_is_accepted_for_a_relais_person_and_answered_in_the_nde_shape(world, as_subject):
    client = gp_client(world, as_subject)
    data = fhir_json(post(client, "/fhir/Subscription", example_for(world)), status=201, resource_type="Subscription")
    row = Subscription.objects.get()
    assert row.user == world.subjects["health_consent"].user and row.organisation == world.organisations.practice
    assert row.kinds == ["pathway.discharge"] and row.source == "fhir" and row.status == SubscriptionStatus.ACTIVE
    assert data["status"] == "active" and data["meta"]["profile"][0].endswith("nde-subscription")
    assert data["criteria"] == f"CommunicationRequest?subject=Patient/{world.person.pk}&event-type=SOR"
    assert data["channel"] == {"type": "email", "endpoint": f"mailto:{row.user.email}"}
    by_url = {e["url"].rsplit("/", 1)[1]: e for e in data["extension"]}
    assert by_url["event-type"]["valueCodeableConcept"]["coding"][0]["code"] == "SOR"
    assert by_url["subscriber"]["valueReference"]["identifier"]["value"] == "8" + GP_RPPS
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
    assert data["basedOn"] == [{"reference": f"Subscription/{Subscription.objects.get().pk}"}]
    assert data["subject"] == {"reference": f"Patient/{world.person.pk}"} and data["status"] == "active"
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
