"""The demo's coordination records: built through the real services, seen by the demo GP and nurse, idempotent."""

import pytest

from relais.accounts.models import Membership
from relais.demo.logins import DEMO_LOGINS
from relais.demo.pathway import pathway_demo
from relais.pathway import matrix as m
from relais.pathway.circle.models import CoordinationRecord
from relais.pathway.circle.selectors import records_for
from relais.pathway.policy import decide
from relais.pathway.record.selectors import my_tasks

from .shared import demo_once

pytestmark = pytest.mark.django_db


demo = demo_once("--seed", "1", "--scale", "departement", "--departement", "2A", RELAIS_REQUIRE_2FA=False)


def member(local):
    email = next(login.email for login in DEMO_LOGINS if login.email.startswith(f"{local}@"))
    return Membership.objects.select_related("user", "organisation").filter(user__email=email).first()


def test_the_demo_gp_and_nurse_find_their_records_tasks_and_reasons(demo):
    records = CoordinationRecord.objects.all()
    assert records.count() == 3
    gp, nurse = member("medecin.ville"), member("infirmiere.hopital")
    assert len(records_for(user=gp.user, organisation=gp.organisation)) == 3
    assert len(my_tasks(user=nurse.user, organisation=nurse.organisation)) == 3
    person = records.first().person
    assert decide(user=gp.user, organisation=gp.organisation, person=person, category=m.MEDICAL).rule == "consent"
    assert decide(user=nurse.user, organisation=nurse.organisation, person=person, category=m.PLAN).rule == "care_team"
    assert pathway_demo() == {"records": 0}  # a second run adds nothing


def test_the_demo_coordinator_lands_in_the_dac_and_finds_its_records(demo, client):
    """The DAC coordinator also belongs to the hospital (first by name): their home page acts for the DAC."""
    login = next(login for login in DEMO_LOGINS if login.email.startswith("coordination.dac@"))
    dac = Membership.objects.get(user__email=login.email, organisation__kind="dac")
    assert Membership.objects.filter(user=dac.user, organisation__kind="hospital").exists()
    client.force_login(dac.user)
    actor = client.get("/").context["actor"]
    assert actor.organisation == dac.organisation
    assert records_for(user=dac.user, organisation=actor.organisation)
