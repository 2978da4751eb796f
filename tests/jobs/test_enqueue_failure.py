"""A queue that cannot be reached after the commit (Redis down) loses nothing silently: the task is logged and recorded
as a given-up failure an operator can retry, and the request that caused it still succeeds (issue 10 review)."""

import logging

import pytest
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from relais.accounts.models import User
from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import member_invite
from relais.jobs.models import JobFailure
from relais.notifications.registry import NotificationKind, register
from relais.notifications.services import notification_send

register(NotificationKind(code="tests.queue_down", label="File absente", default_roles=frozenset({Role.DIRECTOR})))


@pytest.fixture
def queue_down():
    """The real Redis storage, on a port where nothing listens: what the web process meets when Redis is down."""
    storage, immediate = HUEY.storage, HUEY.immediate
    HUEY.immediate = False  # (setting it replaces the storage: set first)
    HUEY.storage = RedisStorage(HUEY.name, url="redis://127.0.0.1:9/0")
    yield HUEY
    HUEY.immediate = immediate
    HUEY.storage = storage


@pytest.fixture
def esms(make_organisation, make_member):
    organisation = make_organisation(kind=OrganisationKind.ESMS)
    director, _ = make_member(organisation, role=Role.DIRECTOR)
    _admin, admin_actor = make_member(organisation, role=Role.ADMIN)
    return organisation, director, admin_actor


def test_a_notification_email_that_cannot_be_queued_is_recorded_and_retried_by_an_operator(
    esms, queue_down, caplog, client, django_user_model, no_2fa, mailoutbox, django_capture_on_commit_callbacks
):
    organisation, director, _ = esms
    caplog.set_level(logging.ERROR, logger="relais.jobs.services")
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            kind="tests.queue_down", organisation=organisation, subject="Objet", body="Corps", link="/x/", dedup_key="k"
        )
    failure = JobFailure.objects.get()
    assert failure.task_path == "relais.notifications.tasks.notification_email" and failure.given_up
    assert failure.error.startswith("Mise en file impossible") and "127.0.0.1:9" in failure.error
    assert any("could not be queued" in record.getMessage() for record in caplog.records)
    assert mailoutbox == []

    HUEY.immediate = True  # the queue is back (immediate mode stands for the worker)
    operator = django_user_model.objects.create_superuser(email="ops@exemple.test", password="y" * 12)
    client.force_login(operator)
    assert "Échecs à traiter (1)" in client.get("/exploitation/taches/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/exploitation/taches/echecs/{failure.pk}/relancer/")
    assert [m.to for m in mailoutbox] == [[director.email]]


def test_an_invitation_that_cannot_be_queued_does_not_fail_the_request(
    esms, queue_down, django_capture_on_commit_callbacks
):
    organisation, _director, admin_actor = esms
    with django_capture_on_commit_callbacks(execute=True):  # raised here (a 500 after the commit) before the fix
        member_invite(
            actor=admin_actor,
            organisation=organisation,
            email="nouvelle.recrue@exemple.test",
            first_name="Alix",
            last_name="Essai",
            professional_category="nurse",
            role=Role.MEMBER,
        )
    user = User.objects.get(email="nouvelle.recrue@exemple.test")
    failure = JobFailure.objects.get()
    assert failure.task_path == "relais.accounts.tasks.invitation_email"
    assert (failure.args, failure.kwargs, failure.retries_left) == ([user.pk, organisation.pk], {}, 0)
