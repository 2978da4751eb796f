"""A Task or a notification posted twice at the same moment (a retry racing its original) applies once."""

import threading

import pytest
from django.db import connection, connections, transaction

from relais.accounts.actor import actor_for_api_client, system_actor
from relais.accounts.services import api_client_create
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.fhir.notification import sdo_notification_import
from relais.orientation.fhir.task_in import task_receive
from relais.orientation.requests.models import AdmissionRequest, StatusTransition
from relais.persons.models import Person

from .test_notification import completed_example
from .test_task_in import task


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_task_and_its_retry_at_once_apply_once(sent):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    client, _raw = api_client_create(actor=None, organisation=sent.sites[0].organisation, name="Logiciel")
    actor = actor_for_api_client(client)
    request = sent.requests[0]
    start = threading.Barrier(2)
    answers, errors = [], []

    def post():
        try:
            start.wait()
            with transaction.atomic():  # as the FHIR create view does
                answers.append(task_receive(actor, task(request, "40")))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert answers[0]["id"] == answers[1]["id"]
    assert StatusTransition.objects.filter(request=request, to_status="40").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_notification_posted_twice_at_once_is_imported_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    actor = system_actor(world.mdph.organisation)
    start = threading.Barrier(2)
    summaries, errors = [], []

    def post():
        try:
            start.wait()
            summaries.append(sdo_notification_import(actor=actor, bundle=completed_example(world)))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(s["person"]["outcome"] for s in summaries) == ["created", "existing"]
    assert Person.objects.filter(external_ref="USAGER-0001").count() == 1
    assert AdmissionRequest.objects.filter(external_ref__startswith="sdo:").count() == 2
    assert OrientationDecision.objects.filter(mdph_decision_id="IdDecision").count() == 1
