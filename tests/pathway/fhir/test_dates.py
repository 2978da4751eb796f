"""Dates that make sense in the record (issue 12 item 5, decision 0034): informed, consent and event dates, through the
services, the forms and FHIR (an OperationOutcome naming the element)."""

import copy
import json
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from relais.fhir.testing import fhir_json
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleMember, Consent, Ground
from relais.pathway.circle.services import circle_professional_add, consent_record, record_open
from relais.pathway.record import services as rs
from relais.pathway.record.models import TimelineEvent
from relais.pathway.screens.forms import EventForm, ProfessionalAddForm, RecordOpenForm
from relais.persons.services import person_create

from .conftest import post
from .test_events import encounter


def _messages(error: ValidationError, field: str) -> str:
    return " ".join(error.value.message_dict[field])


def test_person_informed_in_the_future_is_refused_when_opening_a_record(world):
    person = person_create(
        actor=world.referent,
        ground="test",
        family_name="Kerbrat",
        first_names="Yann",
        birth_date=datetime(1950, 1, 2).date(),
        sex="M",
    )
    with pytest.raises(ValidationError) as error:
        record_open(actor=world.referent, person=person, informed_at=timezone.now() + timedelta(minutes=5))
    text = _messages(error, "informed_at")
    assert "« Personne informée le »" in text and "ne peut pas être dans le futur" in text and "au plus tard" in text
    record_open(actor=world.referent, person=person, informed_at=timezone.now() - timedelta(minutes=1))


def test_person_informed_in_the_future_is_refused_when_adding_a_professional(world):
    outsider = world.subjects["outsider"]
    with pytest.raises(ValidationError) as error:
        circle_professional_add(
            actor=world.referent,
            person=world.person,
            user=outsider.user,
            organisation=outsider.actor.organisation,
            ground=Ground.CARE_TEAM,
            informed_at=timezone.now() + timedelta(days=1),
        )
    assert "Personne informée le" in _messages(error, "informed_at")
    assert not CircleMember.objects.filter(user=outsider.user).exists()


def test_a_consent_collected_in_the_future_or_before_1900_is_refused(world):
    member = world.subjects["health_consent"].member
    before = Consent.objects.count()
    for when, words in ((timezone.now() + timedelta(hours=2), "dans le futur"), (datetime(1024, 5, 1), "1900")):
        with pytest.raises(ValidationError) as error:
            consent_record(
                actor=world.referent,
                member=member,
                scope=[m.SOCIAL],
                method="oral",
                given_by="la personne",
                collected_at=when,
            )
        assert "Consentement recueilli le" in _messages(error, "collected_at") and words in _messages(
            error, "collected_at"
        )
    assert Consent.objects.count() == before
    consent_record(actor=world.referent, member=member, scope=[m.SOCIAL], method="oral", given_by="la personne")


def test_events_happened_except_the_kinds_planned_ahead_up_to_a_year(world):
    nurse = world.subjects["health_care_team"].actor
    soon = timezone.now() + timedelta(days=10)
    for kind in ("note", "evaluation", "other"):
        with pytest.raises(ValidationError) as error:
            rs.event_post(actor=nurse, person=world.person, kind=kind, title="Plus tard", occurred_at=soon)
        assert "« Date de l'événement »" in _messages(error, "occurred_at")
    for kind in ("admission", "discharge", "hospital_stay", "home_visit"):
        assert rs.event_post(actor=nurse, person=world.person, kind=kind, title="Prévu", occurred_at=soon).pk
    with pytest.raises(ValidationError) as error:
        rs.event_post(
            actor=nurse, person=world.person, kind="discharge", title="Trop tôt", occurred_at=soon + timedelta(days=400)
        )
    assert "une sortie se prévoit au plus un an à l'avance" in _messages(error, "occurred_at")
    assert not TimelineEvent.objects.filter(title__in=["Plus tard", "Trop tôt"]).exists()


def test_forms_name_the_field_and_the_limit():
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = ProfessionalAddForm(data={"ground": Ground.CARE_TEAM, "informed_at": future, "circle_role": "member"})
    assert not form.is_valid()
    assert "ne peut pas être dans le futur" in form.errors["informed_at"][0]
    event = EventForm(data={"kind": "note", "category": m.SOCIAL, "occurred_at": future, "title": "Appel"})
    assert not event.is_valid() and "« Date de l'événement »" in event.errors["occurred_at"][0]
    planned = EventForm(data={"kind": "discharge", "category": m.SOCIAL, "occurred_at": future, "title": "Sortie"})
    assert planned.is_valid(), planned.errors
    assert "informed_at" in RecordOpenForm(data={"informed_at": future}, persons=CircleMember.objects.none()).errors


def test_fhir_encounter_in_the_future_names_the_period(world, as_subject):
    client = as_subject(world.subjects["health_care_team"])
    future = (timezone.now() + timedelta(days=3)).isoformat()
    body = encounter(world, kind="evaluation", category=m.SOCIAL, title="Évaluation", period={"start": future})
    outcome = fhir_json(post(client, "/fhir/Encounter", body), 422, resource_type="OperationOutcome")
    assert outcome["issue"][0]["expression"] == ["Encounter.period"]
    assert "dans le futur" in outcome["issue"][0]["diagnostics"]
    planned = encounter(world, kind="hospital_stay", title="Séjour prévu", period={"start": future})
    fhir_json(post(client, "/fhir/Encounter", planned), 201, resource_type="Encounter")


def test_fhir_consent_and_care_team_dates_in_the_future_name_their_element(world, as_subject):
    client = as_subject(world.subjects["referent"])
    member = world.subjects["health_consent"].member
    consent = {
        "resourceType": "Consent",
        "extension": [{"url": "urn:relais:fhir:extension:consent-method", "valueCode": "electronic"}],
        "status": "active",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{world.person.pk}"},
        "dateTime": (timezone.now() + timedelta(days=2)).isoformat(),
        "performer": [{"display": "la personne"}],
        "provision": {
            "actor": [
                {
                    "role": {"coding": [{"code": "IRCP"}]},
                    "reference": {"identifier": {"system": "urn:relais:care-circle-member", "value": str(member.pk)}},
                }
            ],
            "code": [{"coding": [{"system": "urn:relais:data-category", "code": m.SOCIAL}]}],
        },
    }
    outcome = fhir_json(post(client, "/fhir/Consent", consent), 422, resource_type="OperationOutcome")
    assert outcome["issue"][0]["expression"] == ["Consent.dateTime"]
    past = copy.deepcopy(consent)
    past["dateTime"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = fhir_json(post(client, "/fhir/Consent", past), 201, resource_type="Consent")
    assert timezone.localdate(Consent.objects.get(pk=data["id"]).collected_at) == timezone.localdate() - timedelta(
        days=1
    )

    outsider = world.subjects["outsider"]
    access = [
        {"url": "ground", "valueCoding": {"system": "urn:relais:care-circle-ground", "code": "care_team"}},
        {"url": "personInformed", "valueDateTime": (timezone.now() + timedelta(days=1)).isoformat()},
    ]
    care_team = {
        "resourceType": "CareTeam",
        "subject": {"reference": f"Patient/{world.person.pk}"},
        "participant": [
            {
                "extension": [{"url": "urn:relais:fhir:extension:care-circle-access", "extension": access}],
                "member": {"identifier": {"system": "urn:relais:user", "value": str(outsider.user.pk)}},
                "onBehalfOf": {"reference": f"Organization/relais-{world.organisations.ssiad.pk}"},
            }
        ],
    }
    response = post(client, "/fhir/CareTeam", care_team)
    assert response.status_code == 422
    issue = json.loads(response.content)["issue"][0]
    assert (
        issue["expression"][0].startswith("CareTeam.participant[0].extension(")
        and "personInformed" in issue["expression"][0]
    )
    assert "Personne informée le" in issue["diagnostics"]
    assert not CircleMember.objects.filter(user=outsider.user).exists()


def test_a_patient_born_in_the_future_is_refused_naming_the_element(world, as_subject):
    from relais.persons.models import Person

    from .conftest import ans

    client = as_subject(world.subjects["referent"])
    patient = ans("cds__Patient-cds-patient-example.json")
    patient["birthDate"] = (timezone.localdate() + timedelta(days=2)).isoformat()
    before = Person.objects.count()
    outcome = fhir_json(post(client, "/fhir/Patient", patient), status=422, resource_type="OperationOutcome")
    text = json.dumps(outcome, ensure_ascii=False)
    assert "birth_date" in text and "ne peut pas être dans le futur" in text
    assert Person.objects.count() == before
