"""A user sees only what the organisation they act for may see; others' objects are 404."""

import re

import pytest
from django.urls import reverse

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import api_client_create, membership_add
from relais.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def _without_csrf(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


@pytest.fixture
def two_orgs(make_organisation, make_member, no_2fa):
    a, b = make_organisation(name="EHPAD Les Tilleuls"), make_organisation(name="IME L'Horizon")
    admin_a, _ = make_member(a, role=Role.ADMIN)
    admin_b, _ = make_member(b, role=Role.ADMIN)
    return a, b, admin_a, admin_b


def test_member_sees_own_organisation_and_logs_the_read(client, two_orgs):
    a, _, admin_a, _ = two_orgs
    client.force_login(admin_a)
    response = client.get(reverse("accounts:organisation", args=[a.pk]))
    assert response.status_code == 200
    assert admin_a.email in response.content.decode()
    entry = AccessLogEntry.objects.get()
    assert (entry.user_id, entry.organisation_id, entry.action) == (admin_a.pk, a.pk, "read")


def test_non_member_gets_404_like_a_missing_id(client, two_orgs):
    _a, b, admin_a, admin_b = two_orgs
    client.force_login(admin_a)
    other = client.get(reverse("accounts:organisation", args=[b.pk]))
    missing = client.get(reverse("accounts:organisation", args=[999_999]))
    assert other.status_code == missing.status_code == 404
    assert admin_b.email not in other.content.decode()
    assert b.name not in other.content.decode()
    assert _without_csrf(other.content) == _without_csrf(missing.content)


def test_managing_body_sees_its_sites_but_a_site_not_its_sibling(client, make_organisation, make_member, no_2fa):
    body = make_organisation(kind=OrganisationKind.MANAGING_BODY, name="Association Démo")
    site1 = make_organisation(parent=body, name="Site 1")
    site2 = make_organisation(parent=body, name="Site 2")
    director, _ = make_member(body, role=Role.DIRECTOR)
    site_admin, _ = make_member(site1, role=Role.ADMIN)
    client.force_login(director)
    assert client.get(reverse("accounts:organisation", args=[site2.pk])).status_code == 200
    client.force_login(site_admin)
    assert client.get(reverse("accounts:organisation", args=[site2.pk])).status_code == 404
    assert client.get(reverse("accounts:organisation", args=[body.pk])).status_code == 404


def test_switcher_changes_the_acting_organisation_only_to_own_memberships(client, two_orgs, make_organisation):
    a, b, admin_a, _ = two_orgs
    membership_add(actor=None, organisation=b, user=admin_a, role=Role.MEMBER)
    client.force_login(admin_a)
    # Acting for A (first by name): B's page is out of scope even though the user belongs to B.
    assert client.get(reverse("accounts:organisation", args=[b.pk])).status_code == 404
    response = client.post(reverse("accounts:switch_organisation"), {"organisation": b.pk})
    assert response.status_code == 302
    assert client.get("/").context["actor"].organisation == b
    assert client.get(reverse("accounts:organisation", args=[b.pk])).status_code == 200
    assert client.get(reverse("accounts:organisation", args=[a.pk])).status_code == 404
    # Not a member of this one: 404, and the acting organisation does not change.
    stranger = make_organisation(name="Autre")
    assert client.post(reverse("accounts:switch_organisation"), {"organisation": stranger.pk}).status_code == 404
    assert client.get("/").context["actor"].organisation == b


def test_api_clients_of_another_organisation_cannot_be_revoked(client, two_orgs):
    _a, b, admin_a, _ = two_orgs
    client_b, _ = api_client_create(actor=None, organisation=b, name="Logiciel B")
    client.force_login(admin_a)
    response = client.post(reverse("accounts:api_client_revoke", args=[client_b.pk]))
    assert response.status_code == 404
    client_b.refresh_from_db()
    assert client_b.revoked_at is None


def test_only_admins_add_members(client, two_orgs, make_member, mailoutbox, django_capture_on_commit_callbacks):
    a, _, admin_a, _ = two_orgs
    member, _ = make_member(a, role=Role.MEMBER)
    data = {
        "email": "nouvelle@exemple.test",
        "first_name": "Zoé",
        "last_name": "Nouvelle",
        "professional_category": "nurse",
        "role": Role.CARE_PROFESSIONAL,
    }
    client.force_login(member)
    client.post(reverse("accounts:organisation", args=[a.pk]), data)
    assert not a.memberships.filter(user__email="nouvelle@exemple.test").exists()
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:organisation", args=[a.pk]), data)
    assert response.status_code == 302
    assert a.memberships.get(user__email="nouvelle@exemple.test").role == Role.CARE_PROFESSIONAL
    assert len(mailoutbox) == 1 and "/compte/mot-de-passe/nouveau/" in mailoutbox[0].body


def test_role_must_fit_the_organisation_kind(client, two_orgs):
    a, _, admin_a, _ = two_orgs
    client.force_login(admin_a)
    data = {
        "email": "x@exemple.test",
        "first_name": "X",
        "last_name": "Y",
        "professional_category": "nurse",
        "role": Role.ORIENTATION_OFFICER,
    }
    response = client.post(reverse("accounts:organisation", args=[a.pk]), data)
    assert response.status_code == 200
    assert "role" in response.context["invite_form"].errors


def test_a_new_session_lands_in_the_first_membership_then_in_the_last_chosen(client, make_organisation, no_2fa):
    """A DAC coordinator who also belongs to a hospital (first by name) lands in the DAC, not on the hospital's empty
    list; once they choose the hospital with the switcher, their next session lands there."""
    from relais.accounts.models import Membership

    dac = make_organisation(kind=OrganisationKind.DAC, name="DAC Démo")
    hospital = make_organisation(kind=OrganisationKind.HOSPITAL, name="Centre hospitalier Démo")
    from relais.accounts.models import User

    user = User.objects.create_user(email="coordination@example.org", password="x" * 16)
    membership_add(actor=None, organisation=dac, user=user, role=Role.COORDINATOR)
    membership_add(actor=None, organisation=hospital, user=user, role=Role.COORDINATOR)
    client.force_login(user)
    assert client.get("/").context["actor"].organisation == dac
    client.post(reverse("accounts:switch_organisation"), {"organisation": hospital.pk})
    assert Membership.objects.get(user=user, organisation=hospital).last_chosen_at is not None
    client.logout()
    client.force_login(user)
    assert client.get("/").context["actor"].organisation == hospital
