"""INS format and key, identity status rule and the database constraints that mirror the invariants."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from relais.persons.ins import ins_error, ins_with_key, nir_key
from relais.persons.models import LegalRepresentative, Person

from .conftest import an_ins

pytestmark = pytest.mark.django_db


def test_nir_key_known_example_and_corsica():
    assert nir_key("1841276451089") == 46
    assert ins_error("184127645108946") is None
    assert ins_error("184127645108947") == "La clé du matricule INS ne correspond pas aux 13 premiers caractères."
    # Corsica: 2A counts as 19, 2B as 18.
    assert nir_key("284032A004001") == 97 - 2840319004001 % 97
    assert nir_key("165012B033002") == 97 - 1650118033002 % 97
    assert ins_error(ins_with_key("284032A004001")) is None
    assert ins_error(ins_with_key("165012B033002")) is None


@pytest.mark.parametrize("value", ["", "18412764510894", "1841276451089466", "584127645108946", "1841X7645108946"])
def test_ins_format_refused(value):
    assert ins_error(value).startswith("Le matricule INS comporte 15 caractères")


def raw(**fields) -> Person:
    values = {"family_name": "Roux", "first_names": "Jules", "birth_date": date(2001, 5, 2), "sex": "M", **fields}
    return Person(**values)


def assert_db_refuses(person: Person) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        person.save()


def test_qualified_or_recovered_needs_an_ins_from_the_national_service():
    for status in ("QUAL", "RECUP"):
        assert_db_refuses(raw(identity_status=status))
        assert_db_refuses(raw(identity_status=status, ins=an_ins(), ins_from_national_service=False))
        with pytest.raises(ValidationError, match="téléservice INSi"):
            raw(identity_status=status).full_clean()
    raw(identity_status="QUAL", ins=an_ins(), ins_from_national_service=True).save()
    raw(identity_status="VALI").save()  # validated without INS: allowed


def test_format_and_choice_constraints():
    assert_db_refuses(raw(ins="12345"))
    assert_db_refuses(raw(sex="X"))
    assert_db_refuses(raw(identity_status="OK"))
    assert_db_refuses(raw(birth_place_code="7505"))
    assert_db_refuses(raw(family_name=""))
    raw(birth_place_code="2A004").save()
    raw(birth_place_code="99350").save()
    with pytest.raises(ValidationError, match="clé"):
        raw(ins="184127645108947").full_clean()


def test_ins_unique_among_live_persons_only():
    first = raw(ins=an_ins())
    first.save()
    assert_db_refuses(raw(ins=an_ins()))
    other = raw()
    other.save()
    first.merged_into, first.merged_at = other, other.created_at
    first.save()
    raw(ins=an_ins()).save()  # the merged record keeps its INS as history


def test_merge_bookkeeping_constraints():
    person = raw()
    person.save()
    person.merged_into, person.merged_at = person, person.created_at
    assert_db_refuses(person)
    person.refresh_from_db()
    other = raw()
    other.save()
    person.merged_into = other  # without merged_at
    assert_db_refuses(person)


def test_representative_role_constraint():
    person = raw()
    person.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalRepresentative.objects.create(person=person, name="A. Martin", role="ami")
    LegalRepresentative.objects.create(person=person, name="A. Martin", role="curatelle")


def test_birth_date_neither_in_the_future_nor_before_1900(make_person):
    from django.utils import timezone

    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        make_person(birth_date=tomorrow)
    assert "ne peut pas être dans le futur" in refused.value.message_dict["birth_date"][0]
    with pytest.raises(ValidationError, match="antérieure à 1900"):
        make_person(birth_date=date(1024, 5, 1))
    assert not Person.objects.exists()
    born_today = make_person(birth_date=timezone.localdate())
    assert born_today.pk
