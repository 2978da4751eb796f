"""The demo territory is deterministic, idempotent, synthetic, and gives one login per role."""

import io
import json

import pytest
from django.core.management import call_command

from relais.accounts.models import Membership, Organisation, User
from relais.accounts.roles import OrganisationKind, Role, role_allowed
from relais.demo.generator import build_plan
from relais.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, EMAIL_DOMAIN
from relais.demo.names import FIRST_NAMES, LAST_NAMES

pytestmark = pytest.mark.django_db


def _run(*args) -> dict:
    out = io.StringIO()
    call_command("demo_territory", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_generates_real_geography_and_is_idempotent():
    first = _run("--seed", "3", "--scale", "departement", "--departement", "2A")
    assert first["created"]["organisations"] > 15 and first["created"]["users"] > 40
    again = _run("--seed", "3", "--scale", "departement", "--departement", "2A")
    assert again["created"] == {"organisations": 0, "users": 0, "memberships": 0}
    mdph = Organisation.objects.get(kind=OrganisationKind.MDPH)
    assert mdph.name == "MDPH Corse-du-Sud" and mdph.departement_id == "2A" and mdph.region_id == "94"
    assert Organisation.objects.get(kind=OrganisationKind.ARS).name == "ARS Corse"
    sites = Organisation.objects.filter(kind=OrganisationKind.ESMS)
    # Managing body and number come from the directory entry the ESMS is (decision 0029).
    assert all(site.attached_to.kind == OrganisationKind.MANAGING_BODY for site in sites)
    assert all(site.commune.departement_id == "2A" for site in sites)
    assert all(site.finess_number.startswith("2A99") for site in sites)


def test_same_seed_same_plan_other_seed_other_plan():
    call_command("load_geography", "--departements", "2A", stdout=io.StringIO())
    a, b = (
        build_plan(seed=7, scale="departement", departement="2A"),
        build_plan(seed=7, scale="departement", departement="2A"),
    )
    c = build_plan(seed=8, scale="departement", departement="2A")
    assert list(a.organisations) == list(b.organisations) and a.users == b.users
    assert list(a.organisations) != list(c.organisations)


def test_every_membership_respects_the_roles_table_and_persons_are_synthetic():
    _run("--seed", "1", "--scale", "departement", "--departement", "2A")
    for kind, role in Membership.objects.values_list("organisation__kind", "role"):
        assert role_allowed(kind, role), (kind, role)
    for user in User.objects.all():
        assert user.email.endswith("@" + EMAIL_DOMAIN)
        assert user.first_name in FIRST_NAMES or user.first_name in {lg.first_name for lg in DEMO_LOGINS}
        assert user.last_name in LAST_NAMES or user.last_name.startswith("Démo-")


def test_demo_logins_work_one_per_role(client, settings):
    settings.RELAIS_REQUIRE_2FA = False
    _run("--seed", "1", "--scale", "departement", "--departement", "2A")
    roles = set()
    for login in DEMO_LOGINS:
        assert client.login(username=login.email, password=DEMO_PASSWORD), login.email
        roles.update(Membership.objects.filter(user__email=login.email).values_list("role", flat=True))
        assert client.get("/").status_code == 200
        client.logout()
    assert roles == set(Role.values) - {Role.MEMBER}
    coordinator = User.objects.get(email=f"coordination.dac@{EMAIL_DOMAIN}")
    assert coordinator.memberships.count() == 2
    # Staff accounts exist for volume but cannot log in.
    assert not User.objects.exclude(email__in=[lg.email for lg in DEMO_LOGINS]).first().has_usable_password()
