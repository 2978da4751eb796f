"""Shared fixtures of the pathway tests: a synthetic care circle built through the real services."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from relais.accounts.roles import OrganisationKind, Role
from relais.pathway import matrix as m
from relais.pathway.circle.models import Ground
from relais.pathway.circle.services import circle_professional_add, record_open
from relais.persons.services import person_create

from ..conftest import new_member, new_organisation
from ..once import module_data

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture(scope="module")
def circle_once(request, django_db_setup, django_db_blocker):
    """The circle, built once per test module (tests/once.py; again for a transactional test, and after it)."""
    yield from module_data(request, django_db_blocker, build_record_circle)


@pytest.fixture
def circle(circle_once, db, settings, tmp_path):
    """A fresh copy of the module's circle, or one built for this test alone when it is transactional."""
    settings.MEDIA_ROOT = tmp_path
    settings.RELAIS_REQUIRE_2FA = False
    return circle_once.fresh() if circle_once.open else build_record_circle()


def build_record_circle():
    """A coordinator's record with a GP (consent), a nurse and an educator (same care team), and an outsider."""
    dac = new_organisation(kind=OrganisationKind.DAC, name="DAC Rance")
    practice = new_organisation(kind=OrganisationKind.HEALTH_PRACTICE, name="Cabinet du Port")
    nursing = new_organisation(kind=OrganisationKind.ESMS, name="SSIAD Émeraude")
    _u, coordinator = new_member(dac, role=Role.COORDINATOR, professional_category="coordination_staff")
    gp_user, gp = new_member(practice, role=Role.CARE_PROFESSIONAL, professional_category="physician")
    nurse_user, nurse = new_member(nursing, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    educator_user, educator = new_member(nursing, role=Role.CARE_PROFESSIONAL, professional_category="educator")
    _u, outsider = new_member(nursing, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    person = person_create(
        actor=coordinator,
        ground="test",
        family_name="Morvan",
        first_names="Annaïg",
        birth_date=date(1941, 3, 9),
        sex="F",
    )
    record = record_open(actor=coordinator, person=person)
    gp_member = circle_professional_add(
        actor=coordinator,
        person=person,
        user=gp_user,
        organisation=practice,
        ground=Ground.CONSENT,
        consent={"scope": [m.IDENTITY, m.MEDICAL, m.PLAN], "method": "written", "given_by": "la personne"},
    )
    informed = timezone.now() - timedelta(days=2)
    nurse_member, educator_member = (
        circle_professional_add(
            actor=coordinator,
            person=person,
            user=user,
            organisation=nursing,
            ground=Ground.CARE_TEAM,
            informed_at=informed,
        )
        for user in (nurse_user, educator_user)
    )
    return SimpleNamespace(
        person=person,
        record=record,
        dac=dac,
        nursing=nursing,
        coordinator=coordinator,
        gp=gp,
        gp_member=gp_member,
        nurse=nurse,
        nurse_member=nurse_member,
        educator=educator,
        educator_member=educator_member,
        outsider=outsider,
    )
