"""Hospital movements (decision 0045): constraints, the notification split (facts to the whole circle, medical
content to who may read it), the "retour à domicile" checklist planned once, idempotent saves, permissions."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from relais.notifications.models import Notification
from relais.pathway import matrix as m
from relais.pathway.record.home_return import checklist
from relais.pathway.record.models import EventKind, PlanTask
from relais.pathway.record.movement_services import hospital_discharge_summary_attach, hospital_movement_save
from relais.pathway.record.movements import Destination, HospitalMovement
from relais.pathway.record.services import event_post

from .conftest import PDF
from .fhir.circle import build_circle


@pytest.fixture
def world(db, settings, tmp_path):
    settings.RELAIS_REQUIRE_2FA = False
    settings.MEDIA_ROOT = tmp_path
    return build_circle()


def actor(world, key):
    return world.subjects[key].actor


def uid(world, key):
    return world.subjects[key].user.pk


def received(world, key, kind=None):
    rows = Notification.objects.filter(recipient_id=uid(world, key))
    return list(rows.filter(kind=kind) if kind else rows)


def enter(world, key="health_care_team", days_ago=3, **extra):
    from django.utils import timezone

    today = timezone.localdate()
    return hospital_movement_save(
        actor=actor(world, key),
        person=world.person,
        hospital="CHU de Rennes — Pontchaillou",
        ward="Cardiologie",
        admitted_on=today - timedelta(days=days_ago),
        **extra,
    )


def discharge(world, movement, key="health_care_team", destination=Destination.HOME, **extra):
    from django.utils import timezone

    return hospital_movement_save(
        actor=actor(world, key),
        person=world.person,
        movement=movement,
        discharged_on=timezone.localdate(),
        destination=destination,
        **extra,
    )


def test_a_discharge_posted_as_medical_data_reaches_the_referent_coordinator_as_a_fact(world):
    """Before decision 0045, a discharge posted as medical data reached the GP (subscribed) and not the referent
    coordinator: the policy refused the coordinator the medical event, so nothing at all was said."""
    from relais.pathway.events.subscriptions import subscription_set

    subscription_set(actor=actor(world, "health_consent"), person=world.person)
    event_post(
        actor=actor(world, "health_care_team"),
        person=world.person,
        kind=EventKind.DISCHARGE,
        title="Sortie de pneumologie, BPCO décompensée",
        category=m.MEDICAL,
    )
    [gp] = received(world, "health_consent")
    assert gp.category == m.MEDICAL
    [coordinator] = received(world, "referent")
    assert coordinator.category == m.SOCIAL and coordinator.kind == "pathway.discharge"
    assert "BPCO" not in coordinator.body and "pneumologie" not in coordinator.body + coordinator.subject


def test_the_whole_circle_hears_the_facts_and_only_the_gp_the_medical_part(world):
    movement = enter(world, reason="Décompensation cardiaque")
    assert movement.reason == "Décompensation cardiaque"
    entry = received(world, "referent", "pathway.hospital_entry")
    assert len(entry) == 1 and "Entrée à l'hôpital le" in entry[0].body
    # The whole circle who may read social data: coordinator, educator (care team), legal guardian; not the author,
    # nor the administrative secretary, the trusted person or the carer (no social data in the sharing matrix).
    told = set(Notification.objects.filter(kind="pathway.hospital_entry").values_list("recipient_id", flat=True))
    assert told == {uid(world, k) for k in ("referent", "social_care_team", "legal_guardian")}
    medical = set(Notification.objects.filter(kind="pathway.hospital_medical").values_list("recipient_id", flat=True))
    assert medical == {uid(world, "health_consent"), uid(world, "legal_guardian")}
    assert all("Décompensation" not in n.body + n.subject for n in Notification.objects.all())

    discharge(world, movement)
    hospital_discharge_summary_attach(
        actor=actor(world, "health_care_team"),
        person=world.person,
        movement=movement,
        upload=SimpleUploadedFile("crh.pdf", PDF, content_type="application/pdf"),
    )
    coordinator = received(world, "referent", "pathway.hospital_discharge")
    assert len(coordinator) == 1 and "retour à domicile" in coordinator[0].body
    assert not received(world, "referent", "pathway.hospital_medical")  # neither the reason nor the summary
    assert not received(world, "referent", "pathway.document_new")
    gp = {n.subject.split(" — ")[0] for n in received(world, "health_consent", "pathway.hospital_medical")}
    assert gp == {"Informations médicales d'un séjour à l'hôpital"}
    assert len(received(world, "health_consent", "pathway.hospital_medical")) == 2  # reason, then summary
    movement.refresh_from_db()
    assert movement.discharge_summary.category == m.MEDICAL


def test_a_discharge_home_plans_the_checklist_once_for_the_referent(world):
    from django.utils import timezone

    movement = discharge(world, enter(world))
    tasks = list(PlanTask.objects.filter(plan__record=world.record, created_by__startswith="Liste"))
    assert [t.title for t in tasks] == [a.title for a in sorted(checklist(), key=lambda a: a.days_after_discharge)]
    assert {t.assignee_member for t in tasks} == {world.members["referent"]}
    day1 = next(t for t in tasks if t.title.startswith("Appel J+1"))
    assert day1.due_date == timezone.localdate() + timedelta(days=1)
    assert "5 actions de retour à domicile" in received(world, "referent", "pathway.hospital_discharge")[0].body
    # The same discharge saved again (a re-post): nothing new, nobody told twice.
    discharge(world, movement)
    discharge(world, movement, destination_detail="Chez sa fille")
    assert PlanTask.objects.filter(created_by__startswith="Liste").count() == len(checklist())
    assert len(received(world, "referent", "pathway.hospital_discharge")) == 1


def test_a_discharge_elsewhere_plans_nothing(world):
    discharge(world, enter(world), destination=Destination.REHABILITATION)
    assert not PlanTask.objects.filter(created_by__startswith="Liste").exists()
    assert "soins médicaux et de réadaptation" in received(world, "referent", "pathway.hospital_discharge")[0].body


def test_the_rules_are_said_in_french_at_the_field(world):
    from django.utils import timezone

    today = timezone.localdate()
    movement = enter(world)
    with pytest.raises(ValidationError) as error:
        hospital_movement_save(
            actor=actor(world, "health_care_team"),
            person=world.person,
            movement=movement,
            discharged_on=movement.admitted_on - timedelta(days=1),
            destination=Destination.HOME,
        )
    assert "ne peut pas précéder l'entrée" in error.value.message_dict["discharged_on"][0]
    with pytest.raises(ValidationError) as error:
        hospital_movement_save(
            actor=actor(world, "health_care_team"), person=world.person, movement=movement, discharged_on=today
        )
    assert "destination" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        hospital_movement_save(
            actor=actor(world, "health_care_team"),
            person=world.person,
            movement=movement,
            discharged_on=today + timedelta(days=2),
            destination=Destination.HOME,
        )
    assert "sortie prévue" in error.value.message_dict["discharged_on"][0]


def test_the_database_refuses_a_discharge_before_the_entry(world):
    movement = enter(world)
    HospitalMovement.objects.filter(pk=movement.pk).update(planned_discharge_on=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        HospitalMovement.objects.filter(pk=movement.pk).update(
            discharged_on=movement.admitted_on - timedelta(days=1), destination=Destination.HOME
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        HospitalMovement.objects.filter(pk=movement.pk).update(destination=Destination.HOME)


def test_permissions_medical_content_and_outsiders(world):
    movement = enter(world)
    with pytest.raises(PermissionDenied):  # a social worker records the facts, not the reason
        hospital_movement_save(
            actor=actor(world, "social_care_team"), person=world.person, movement=movement, reason="Chute"
        )
    hospital_movement_save(  # ... and may record the facts
        actor=actor(world, "social_care_team"), person=world.person, movement=movement, ward="Gériatrie"
    )
    for key in ("outsider", "carer", "health_consent"):  # outside; proxy; GP whose consent excludes social data
        with pytest.raises(PermissionDenied):
            enter(world, key=key)
    discharge(world, movement)
    with pytest.raises(PermissionDenied) as error:
        hospital_discharge_summary_attach(
            actor=actor(world, "referent"),
            person=world.person,
            movement=movement,
            upload=SimpleUploadedFile("crh.pdf", PDF),
        )
    assert "donnée médicale" in str(error.value)


def test_the_checklist_is_data_a_deployment_replaces(world, settings, tmp_path):
    own = tmp_path / "retour.json"
    own.write_text(
        '{"actions": [{"key": "visite", "title": "Visite à domicile de l\'infirmière", "days_after_discharge": 0},'
        ' {"key": "appel", "title": "Appel à J+3", "days_after_discharge": 3}]}',
        encoding="utf-8",
    )
    settings.RELAIS_HOME_RETURN_CHECKLIST = str(own)
    movement = discharge(world, enter(world))
    tasks = PlanTask.objects.filter(created_by__startswith="Liste").order_by("due_date")
    assert [(t.title, t.due_date - movement.discharged_on) for t in tasks] == [
        ("Visite à domicile de l'infirmière", timedelta(0)),
        ("Appel à J+3", timedelta(days=3)),
    ]
