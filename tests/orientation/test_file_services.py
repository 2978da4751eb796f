"""Writes of the admission file (relais/orientation/admission/services.py): who may write which part, what is traced."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relais.accounts.professions import ProfessionalCategory
from relais.accounts.roles import OrganisationKind, Role
from relais.audit.models import AccessLogEntry
from relais.orientation import policy
from relais.orientation.admission.models import AdmissionFile, LivingSituation
from relais.orientation.admission.services import (
    admission_file_create_or_update,
    admission_file_medical_update,
    admission_file_open,
    admission_requests_send_with_wishes,
    person_with_file_create,
)
from relais.persons.models import Person
from relais.territory.models import Commune, Departement, Region

pytestmark = pytest.mark.django_db

IDENTITY = {"family_name": "Moreau", "first_names": "Inès", "birth_date": date(1947, 3, 9), "sex": "F"}


def entries(person, action):
    return AccessLogEntry.objects.filter(subject=f"persons.person:{person.pk}", action=action)


@pytest.fixture
def commune(db):
    region = Region.objects.create(code="94", name="Corse")
    departement = Departement.objects.create(code="2A", name="Corse-du-Sud", region=region)
    return Commune.objects.create(insee_code="2A004", name="Ajaccio", departement=departement)


@pytest.fixture
def doctor(world, make_member):
    """A GP of the DAC's organisation (health professional following the person on the orientation side)."""
    return make_member(
        world.coordinator.organisation, role=Role.COORDINATOR, professional_category=ProfessionalCategory.PHYSICIAN
    )[1]


def test_a_new_person_comes_with_a_file_that_makes_the_creator_see_them(world):
    person, file = person_with_file_create(actor=world.coordinator, **IDENTITY)
    assert file.person == person and file.author_organisation == world.coordinator.organisation
    assert file.author == world.coordinator.user
    assert policy.persons_visible_to(world.coordinator).filter(pk=person.pk).exists()
    assert not policy.persons_visible_to(world.hospital).filter(pk=person.pk).exists()
    assert entries(person, "create").filter(object_type="orientation.admissionfile", ground="orientation_request")


def test_only_orientation_senders_create_persons(world):
    with pytest.raises(PermissionDenied):
        person_with_file_create(actor=world.staff[0], **IDENTITY)
    assert not Person.objects.filter(family_name="Moreau").exists()


def test_picking_an_existing_person_opens_their_file_unless_another_organisation_follows_them(world):
    file = admission_file_open(actor=world.mdph, person=world.person)
    assert file.author_organisation == world.mdph.organisation
    assert admission_file_open(actor=world.mdph, person=world.person) == file  # idempotent
    with pytest.raises(PermissionDenied, match="déjà suivie par une autre organisation"):
        admission_file_open(actor=world.hospital, person=world.person)


def test_administrative_part_is_created_then_updated_and_traced(world, commune):
    person, _file = person_with_file_create(actor=world.coordinator, **IDENTITY)
    file = admission_file_create_or_update(
        actor=world.coordinator,
        person=person,
        living_situation=LivingSituation.HOME_ALONE,
        urgency=2,
        urgency_reason="Aidante hospitalisée",
        commune=commune,
    )
    assert (file.urgency, file.commune_id) == (2, "2A004")
    update = entries(person, "update").get(object_type="orientation.admissionfile")
    assert "urgency" in update.detail and "commune" in update.detail


def test_administrative_part_refuses_bad_input_and_writes_nothing(world):
    person, _file = person_with_file_create(actor=world.coordinator, **IDENTITY)
    with pytest.raises(ValidationError):
        admission_file_create_or_update(actor=world.coordinator, person=person, urgency=3, urgency_reason="")
    assert AdmissionFile.objects.get(person=person).urgency == 0
    assert not entries(person, "update").exists()
    with pytest.raises(TypeError):
        admission_file_create_or_update(actor=world.coordinator, person=person, gir=2)


def test_administrative_part_is_for_the_organisation_following_the_person(world):
    person, _file = person_with_file_create(actor=world.coordinator, **IDENTITY)
    for outsider in (world.hospital, world.staff[0]):
        with pytest.raises(PermissionDenied):
            admission_file_create_or_update(actor=outsider, person=person, urgency=1)


def test_medical_part_is_written_by_a_health_professional_who_becomes_its_author(world, doctor):
    person, _file = person_with_file_create(actor=world.coordinator, **IDENTITY)
    file = admission_file_medical_update(
        actor=doctor, person=person, gir=2, care_needs="Toilette complète", medical_notes="Diabète"
    )
    assert (file.gir, file.medical_author, file.medical_updated_at is not None) == (2, doctor.user, True)
    assert policy.can_read_medical(doctor, file)
    assert not policy.can_read_medical(world.coordinator, file)
    assert entries(person, "update").filter(detail="volet médical").count() == 1


def test_medical_part_refuses_non_health_professionals_and_a_gir_out_of_range(world, doctor):
    person, _file = person_with_file_create(actor=world.coordinator, **IDENTITY)
    with pytest.raises(PermissionDenied):
        admission_file_medical_update(actor=world.coordinator, person=person, gir=2, care_needs="", medical_notes="")
    with pytest.raises(ValidationError):
        admission_file_medical_update(actor=doctor, person=person, gir=7, care_needs="", medical_notes="")
    assert AdmissionFile.objects.get(person=person).gir is None


def test_medical_part_of_another_organisation_s_person_is_refused(world, make_organisation, make_member):
    person, _file = person_with_file_create(actor=world.coordinator, **IDENTITY)
    _u, other_gp = make_member(
        make_organisation(kind=OrganisationKind.HEALTH_PRACTICE),
        role=Role.CARE_PROFESSIONAL,
        professional_category=ProfessionalCategory.PHYSICIAN,
    )
    with pytest.raises(PermissionDenied):
        admission_file_medical_update(actor=other_gp, person=person, gir=3, care_needs="", medical_notes="")


def test_send_with_wishes_sets_stay_on_list_and_a_replay_returns_the_same_requests(world):
    choices = [(world.sites[2], True), (world.sites[0], False)]
    first = admission_requests_send_with_wishes(
        actor=world.coordinator, person=world.person, choices=choices, idempotency_key="k1"
    )
    again = admission_requests_send_with_wishes(
        actor=world.coordinator, person=world.person, choices=choices, idempotency_key="k1"
    )
    assert [r.pk for r in first] == [r.pk for r in again]
    assert [(r.site_id, r.wish_rank, r.stay_on_list, r.status) for r in first] == [
        (world.sites[2].pk, 1, True, "39"),
        (world.sites[0].pk, 2, False, "39"),
    ]
