"""The invitation e-mail: the queue carries ids, the worker builds the password-set link (issue 10 review)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from huey.contrib.djhuey import HUEY

from relais.accounts.models import User
from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import member_invite
from relais.jobs.models import JobFailure


@pytest.fixture
def admin(make_organisation, make_member):
    organisation = make_organisation(kind=OrganisationKind.ESMS)
    _user, actor = make_member(organisation, role=Role.ADMIN)
    return organisation, actor


@pytest.fixture
def real_queue():
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


def invite(organisation, actor, email="nouvelle.recrue@exemple.test"):
    return member_invite(
        actor=actor,
        organisation=organisation,
        email=email,
        first_name="Alix",
        last_name="Essai",
        professional_category="nurse",
        role=Role.MEMBER,
    )


def test_the_queued_invitation_holds_ids_and_the_worker_sends_a_working_link(
    admin, real_queue, client, django_capture_on_commit_callbacks
):
    organisation, actor = admin
    with django_capture_on_commit_callbacks(execute=True):
        invite(organisation, actor)
    user = User.objects.get(email="nouvelle.recrue@exemple.test")
    (queued,) = real_queue.pending()
    assert queued.name == "invitation_email" and queued.args == (user.pk, organisation.pk)
    assert queued.kwargs == {} and mail.outbox == []  # no link, no token in the queue

    # What the worker does, in immediate mode so that djhuey does not close the test's connection (PostgreSQL).
    real_queue.immediate = True
    real_queue.execute(queued)
    (message,) = mail.outbox
    assert message.to == [user.email] and organisation.name in message.subject
    (link,) = re.findall(r"^https?://\S+$", message.body, re.M)
    response = client.get(urlsplit(link).path, follow=True)
    assert response.status_code == 200 and response.context["validlink"]


def test_a_failed_invitation_attempt_records_no_token(admin, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    organisation, actor = admin
    with django_capture_on_commit_callbacks(execute=True):
        invite(organisation, actor)
    user = User.objects.get(email="nouvelle.recrue@exemple.test")
    failure = JobFailure.objects.get()
    assert failure.task_path == "relais.accounts.tasks.invitation_email"
    assert (failure.args, failure.kwargs) == ([user.pk, organisation.pk], {})


def test_no_invitation_for_an_account_that_chose_its_password_or_was_deactivated(admin, real_queue):
    organisation, _actor = admin
    from relais.accounts.tasks import invitation_email

    chose = User.objects.create_user(email="a.choisi@exemple.test", password="z" * 12)
    gone = User.objects.create_user(email="parti@exemple.test", is_active=False)
    for user in (chose, gone):
        invitation_email.call_local(user.pk, organisation.pk)
    assert mail.outbox == []
