from datetime import date

import pytest

from relais.accounts.roles import OrganisationKind, Role
from relais.persons.ins import ins_with_key
from relais.persons.services import person_create

GROUND = "test_identity"


def an_ins(first13: str = "2840375123001") -> str:
    return ins_with_key(first13)


@pytest.fixture
def actor(make_organisation, make_member):
    _user, actor = make_member(make_organisation(kind=OrganisationKind.DAC), role=Role.COORDINATOR)
    return actor


@pytest.fixture
def make_person(actor):
    def make(**fields):
        values = {
            "family_name": "Quéré",
            "first_names": "Hélène Marie",
            "birth_date": date(1948, 3, 12),
            "sex": "F",
            **fields,
        }
        return person_create(actor=actor, ground=GROUND, **values)

    return make
