"""Identity vigilance on the SI-SDO notification import (decision 0030): a Patient close to a known person refuses
the import (409 over FHIR, an error naming --confirm-new-person for the command), candidates' reads kept."""

import json

import pytest
from django.core.management import CommandError, call_command

from relais.audit.models import AccessLogEntry
from relais.fhir.testing import fhir_json
from relais.persons.models import Person
from relais.persons.services import person_create

from .conftest import post_json
from .test_notification import completed_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(world):
    """Nolwenn Kerbrat already known, with a compound birth name: AUBERT-DUPONT vs AUBERT-like case."""
    return person_create(
        actor=world.mdph,
        ground="test",
        family_name="Kerbrat-Morvan",
        first_names="Nolwenn Anne",
        birth_date="1994-03-12",
        sex="F",
    )


def test_fhir_import_close_to_a_known_person_is_a_409(client, world, token, known):
    before = Person.objects.count()
    outcome = fhir_json(
        post_json(client, "/fhir/Bundle", completed_example(world), token(world.mdph.organisation)), 409
    )
    assert outcome["issue"][0]["code"] == "duplicate"
    assert "score 87" in outcome["issue"][1]["diagnostics"]
    assert Person.objects.count() == before
    assert AccessLogEntry.objects.filter(subject=f"persons.person:{known.pk}", ground="identity_vigilance").exists()


def test_the_patient_tag_confirms_over_fhir(client, world, token, known):
    bundle = completed_example(world)
    bundle["entry"][-1]["resource"]["meta"] = {
        "tag": [{"system": "urn:relais:identity-vigilance", "code": "new-person-confirmed"}]
    }
    fhir_json(post_json(client, "/fhir/Bundle", bundle, token(world.mdph.organisation)), 201, "Bundle")
    assert Person.objects.filter(birth_date="1994-03-12").count() == 2


def test_the_command_refuses_then_confirms(tmp_path, world, known):
    path = tmp_path / "notification.json"
    path.write_text(json.dumps(completed_example(world)), encoding="utf-8")
    org = str(world.mdph.organisation.pk)
    with pytest.raises(CommandError, match="--confirm-new-person"):
        call_command("import_sdo_notification", str(path), "--organisation", org)
    assert Person.objects.filter(birth_date="1994-03-12").count() == 1
    assert AccessLogEntry.objects.filter(subject=f"persons.person:{known.pk}", ground="identity_vigilance").exists()
    call_command("import_sdo_notification", str(path), "--organisation", org, "--confirm-new-person")
    assert Person.objects.filter(birth_date="1994-03-12").count() == 2
