"""SI-SDO DocumentReference and ESMSConsent (decision 0050): the official examples in, the decision's documents out,
under the orientation policy (a document out of scope answers like a missing one)."""

import base64
import copy

import pytest
from django.urls import reverse

from relais.accounts.roles import OrganisationKind, Role
from relais.fhir.testing import fhir_json
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.admission.services import admission_file_medical_update
from relais.orientation.decisions.models import DecisionConsent, DecisionDocument, OrientationDecision
from relais.orientation.fhir import codes as c

from .conftest import example, post_json
from .test_notification import completed_example

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]
ESMS_DOC = "ESMSDocumentReference.json"
SDO_DOC = "SDODocumentReference.json"


@pytest.fixture
def notified(client, world, token):
    """The MDPH notified sites 0 and 1 of decision IdDecision / IdNat_Decision (the filled ANS Bundle)."""
    fhir_json(post_json(client, "/fhir/Bundle", completed_example(world), token(world.mdph.organisation)), 201)
    world.decision = OrientationDecision.objects.get(mdph_decision_id="IdDecision")
    return world


def esms_document(**changes) -> dict:
    document = copy.deepcopy(example(ESMS_DOC))
    document["identifier"] = [{"use": "usual", "value": "IdDecision"}, {"use": "official", "value": "IdNat_Decision"}]
    document["content"][0]["attachment"]["title"] = "Document Individu et décision"
    document.update(changes)
    return document


def test_the_esms_example_is_refused_for_its_placeholders_then_its_title(client, notified, token):
    headers = token(notified.mdph.organisation)
    as_published = fhir_json(post_json(client, "/fhir/DocumentReference", example(ESMS_DOC), headers), 422)
    assert as_published["issue"][0]["code"] == "not-found"  # "idDecision" / "idNat_Decision" name no decision
    assert as_published["issue"][0]["expression"] == ["DocumentReference.identifier"]

    filled = esms_document()
    filled["content"][0]["attachment"]["title"] = example(ESMS_DOC)["content"][0]["attachment"]["title"]
    wrong_title = fhir_json(post_json(client, "/fhir/DocumentReference", filled, headers), 422)
    assert wrong_title["issue"][0]["expression"] == ["DocumentReference.content[0].attachment.title"]
    assert "regle-NomPieceJointe-type" in wrong_title["issue"][0]["diagnostics"]
    assert not DecisionDocument.objects.exists()


def test_the_filled_esms_example_is_kept_and_served_to_the_notified_esms_only(client, notified, token):
    created = fhir_json(
        post_json(client, "/fhir/DocumentReference", esms_document(), token(notified.mdph.organisation)),
        201,
        "DocumentReference",
    )
    document = DecisionDocument.objects.get()
    assert bytes(document.data) == b"Hello world" and document.kind == "57830-2"
    assert document.author_display == "Practitioner/Dr Test" and document.decision == notified.decision
    assert created["meta"]["profile"] == [c.SDO_DOCUMENT_PROFILE, c.ESMS_DOCUMENT_PROFILE]

    read = fhir_json(client.get(f"/fhir/DocumentReference/{created['id']}", **token(notified.sites[0].organisation)))
    assert read["identifier"] == [
        {"use": "usual", "value": "IdDecision"},
        {"use": "official", "value": "IdNat_Decision"},
    ]
    assert base64.b64decode(read["content"][0]["attachment"]["data"]) == b"Hello world"
    assert read["subject"]["reference"] == f"Patient/{notified.decision.person_id}"
    # Site 2 got no request of this decision: the same 404 as a missing document.
    hidden = fhir_json(
        client.get(f"/fhir/DocumentReference/{created['id']}", **token(notified.sites[2].organisation)), 404
    )
    missing = fhir_json(client.get("/fhir/DocumentReference/doc-999999", **token(notified.sites[2].organisation)), 404)
    assert hidden["issue"][0]["code"] == missing["issue"][0]["code"] == "not-found"


def test_the_sdo_example_without_type_is_kept_as_a_decision_document(client, notified, token):
    document = example(SDO_DOC)
    document["identifier"][0]["value"] = "IdDecision"
    created = fhir_json(post_json(client, "/fhir/DocumentReference", document, token(notified.mdph.organisation)), 201)
    assert created["meta"]["profile"] == [c.SDO_DOCUMENT_PROFILE] and "type" not in created
    assert created["content"][0]["attachment"]["title"] == "Suivie des orientations de Michel Test"


def test_only_the_orientation_side_of_the_decision_posts_documents(client, notified, token, make_organisation):
    esms = fhir_json(
        post_json(client, "/fhir/DocumentReference", esms_document(), token(notified.sites[0].organisation)), 403
    )
    assert esms["issue"][0]["code"] == "forbidden"
    other_mdph = make_organisation(kind=OrganisationKind.MDPH)
    unknown = fhir_json(post_json(client, "/fhir/DocumentReference", esms_document(), token(other_mdph)), 422)
    assert unknown["issue"][0]["code"] == "not-found"
    no_data = esms_document()
    del no_data["content"][0]["attachment"]["data"]
    outcome = fhir_json(post_json(client, "/fhir/DocumentReference", no_data, token(notified.mdph.organisation)), 400)
    assert outcome["issue"][0]["expression"] == ["DocumentReference.content[0].attachment.data"]
    assert not DecisionDocument.objects.exists()


def test_the_decision_and_the_file_parts_are_served_as_documents(client, notified, token, make_member):
    decision = notified.decision
    AdmissionFile.objects.create(
        person=decision.person, author_organisation=notified.mdph.organisation, wishes="Près de Brest"
    )
    _u, doctor = make_member(
        notified.mdph.organisation, role=Role.ORIENTATION_OFFICER, professional_category="physician"
    )
    admission_file_medical_update(actor=doctor, person=decision.person, gir=3, care_needs="Soins-X9", medical_notes="")
    esms = token(notified.sites[0].organisation)

    found = fhir_json(client.get(f"/fhir/DocumentReference?patient=Patient/{decision.person_id}", **esms))
    assert [e["resource"]["id"] for e in found["entry"]] == [f"decision-{decision.pk}"]  # a machine: no medical part
    text = base64.b64decode(found["entry"][0]["resource"]["content"][0]["attachment"]["data"]).decode()
    assert "IdDecision" in text and "Près de Brest" in text and "Soins-X9" not in text
    assert found["entry"][0]["resource"]["content"][0]["attachment"]["title"] == "Document Individu et décision"

    _u, nurse = make_member(notified.sites[0].organisation, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    client.force_login(nurse.user)
    evaluation = fhir_json(client.get(f"/fhir/DocumentReference/evaluation-{decision.pk}"), 200, "DocumentReference")
    assert evaluation["type"]["coding"][0]["code"] == "51848-0"
    assert "Soins-X9" in base64.b64decode(evaluation["content"][0]["attachment"]["data"]).decode()
    client.force_login(notified.staff[0].user)  # the admission officer: not a health professional
    fhir_json(client.get(f"/fhir/DocumentReference/evaluation-{decision.pk}"), 404)
    fhir_json(client.get(f"/fhir/DocumentReference/decision-{decision.pk}"), 200)
    client.logout()
    fhir_json(
        client.get(f"/fhir/DocumentReference/decision-{decision.pk}", **token(notified.sites[2].organisation)), 404
    )
    assert fhir_json(client.get(f"/fhir/DocumentReference/decision-{decision.pk}"), 401)


def consent(**changes) -> dict:
    resource = copy.deepcopy(example("ESMSConsent.json"))
    resource["provision"]["data"][0]["reference"]["identifier"]["value"] = "IdNat_Decision"
    resource.update(changes)
    return resource


def test_the_esms_consent_example_is_recorded_for_the_decision(client, notified, token):
    esms = token(notified.sites[0].organisation)
    as_published = fhir_json(post_json(client, "/fhir/Consent", example("ESMSConsent.json"), esms), 422)
    assert as_published["issue"][0]["code"] == "not-found"  # the placeholder "idNat_Decision"

    created = fhir_json(post_json(client, "/fhir/Consent", consent(), esms), 201, "Consent")

    recorded = DecisionConsent.objects.get()
    assert (recorded.decision, recorded.site, recorded.policy_rule) == (notified.decision, notified.sites[0], "OPTIN")
    assert str(recorded.collected_on) == "2022-05-11"
    assert created["id"] == f"esms-{recorded.pk}" and created["meta"]["source"] == "1290000100"
    assert created["provision"]["data"][0]["reference"]["identifier"] == {"use": "official", "value": "IdNat_Decision"}
    # The MDPH sees it, the other notified ESMS does not; a Consent search mixes both kinds of consents.
    fhir_json(client.get(f"/fhir/Consent/{created['id']}", **token(notified.mdph.organisation)), 200, "Consent")
    fhir_json(client.get(f"/fhir/Consent/{created['id']}", **token(notified.sites[1].organisation)), 404)
    assert fhir_json(client.get("/fhir/Consent", **esms), 200, "Bundle")["total"] == 1


def test_a_consent_from_an_esms_without_a_request_of_the_decision_is_refused(client, notified, token):
    outcome = fhir_json(post_json(client, "/fhir/Consent", consent(), token(notified.sites[2].organisation)), 422)
    assert outcome["issue"][0]["code"] == "not-found"  # it does not see the decision
    outcome = fhir_json(post_json(client, "/fhir/Consent", consent(), token(notified.mdph.organisation)), 422)
    assert "ESMS" in outcome["issue"][0]["diagnostics"]
    assert not DecisionConsent.objects.exists()


def test_the_capability_statement_names_the_sdo_profiles(client, world, token):
    metadata = fhir_json(client.get("/fhir/metadata"), 200, "CapabilityStatement")
    by_type = {r["type"]: r for r in metadata["rest"][0]["resource"]}
    assert by_type["DocumentReference"]["profile"] == c.SDO_DOCUMENT_PROFILE
    assert c.ESMS_DOCUMENT_PROFILE in by_type["DocumentReference"]["supportedProfile"]
    assert c.ESMS_CONSENT_PROFILE in by_type["Consent"]["supportedProfile"]
    assert c.SDO_TASK_PROFILE in by_type["Task"]["supportedProfile"]


def test_the_esms_request_page_lists_the_received_documents_for_download(client, notified, token):
    fhir_json(post_json(client, "/fhir/DocumentReference", esms_document(), token(notified.mdph.organisation)), 201)
    document = DecisionDocument.objects.get()
    request = notified.decision.requests.get(site=notified.sites[0])
    link = reverse("orientation:decision_document", args=[document.pk])

    client.force_login(notified.staff[0].user)
    page = client.get(reverse("orientation:esms_request", args=[request.pk]))
    assert page.status_code == 200 and link in page.content.decode()
    download = client.get(link)
    assert download.status_code == 200 and download.content == b"Hello world"
    assert download["Content-Disposition"].startswith("attachment")

    client.force_login(notified.staff[2].user)  # an ESMS without a request of this decision
    assert client.get(link).status_code == 404
