"""Identity-vigilance screens (relais/orientation/screens/views_identity.py): who may (404 out of scope, 403 without
an identity role), the correction form and the RNIV notice, the duplicates work list, compare / merge / dismiss, and
the history showing who by name and organisation (never an e-mail address)."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from relais.accounts.roles import Role
from relais.orientation.admission.services import admission_file_open
from relais.orientation.requests.services import admission_requests_send
from relais.persons.ins import ins_with_key
from relais.persons.models import Person
from relais.persons.services import person_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]
INS = ins_with_key("1800529123001")


def as_(client, actor):
    client.force_login(actor.user)
    return client


def url(name, *args):
    return reverse(f"orientation:{name}", args=args)


@pytest.fixture
def twin(world):
    """world.person and a near-duplicate, both followed by the DAC (their admission files)."""
    twin = person_create(
        actor=world.coordinator,
        ground="test",
        family_name="Le Gal",
        first_names="Yann",
        birth_date=date(1980, 5, 2),
        sex="M",
    )
    for person in (world.person, twin):
        admission_file_open(actor=world.coordinator, person=person)
    return twin


@pytest.fixture
def dac_admin(world, make_member):
    return make_member(world.coordinator.organisation, role=Role.ADMIN)[1]


def correction(person, **changes):
    data = {
        f"identite-{name}": getattr(person, name) or ""
        for name in ("family_name", "used_name", "first_names", "used_first_name", "sex", "birth_place_code")
    }
    data.update(
        {"identite-birth_date": person.birth_date.isoformat(), "identite-identity_status": person.identity_status}
    )
    data["identite-birth_place_label"] = person.birth_place_label
    data.update({f"identite-{k}": v for k, v in changes.items()})
    return data


def test_who_may(client, world, twin, dac_admin):
    pages = [
        url("identity_correct", twin.pk),
        url("identity_compare", world.person.pk, twin.pk),
    ]
    for page in [*pages, url("identity_history", twin.pk)]:
        assert as_(client, world.mdph).get(page).status_code == 404  # not followed by the MDPH
    for page in pages:
        assert as_(client, dac_admin).get(page).status_code == 403  # in scope, no identity role
    assert as_(client, dac_admin).get(url("identity_history", twin.pk)).status_code == 200  # reading is enough
    assert as_(client, dac_admin).get(url("identity_duplicates")).status_code == 403
    for page in [*pages, url("identity_duplicates"), url("identity_history", twin.pk)]:
        assert as_(client, world.coordinator).get(page).status_code == 200
    assert as_(client, world.mdph).get(url("identity_duplicates")).status_code == 200  # its own (empty) scope


def test_esms_admission_officer_corrects_a_person_who_applied(client, world):
    admission_requests_send(
        actor=world.coordinator, person=world.person, sites_ranked=world.sites[:1], idempotency_key="k"
    )
    response = as_(client, world.staff[0]).post(
        url("identity_correct", world.person.pk),
        correction(world.person, used_name="Kerouac", reason="livret de famille"),
    )
    assert response.status_code == 302
    assert as_(client, world.staff[1]).get(url("identity_correct", world.person.pk)).status_code == 404


def test_correction_form_reason_and_rnivs_notice(client, world, twin):
    Person.objects.filter(pk=twin.pk).update(ins=INS, identity_status="QUAL", ins_from_national_service=True)
    twin.refresh_from_db()
    client = as_(client, world.coordinator)
    page = client.get(url("identity_correct", twin.pk)).content.decode()
    assert "Identité qualifiée" in page and "retire le matricule INS" in page
    response = client.post(url("identity_correct", twin.pk), correction(twin, family_name="Le Gall"))
    assert response.status_code == 400 and "Indiquez le motif" in response.content.decode()
    response = client.post(
        url("identity_correct", twin.pk), correction(twin, family_name="Le Gall", reason="passeport présenté")
    )
    assert response.status_code == 302 and response["Location"] == url("identity_history", twin.pk)
    notices = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("L'INS doit être récupéré à nouveau par le téléservice INSi" in n for n in notices)
    twin.refresh_from_db()
    assert (twin.family_name, twin.identity_status, twin.ins) == ("Le Gall", "VALI", None)
    history = client.get(url("identity_history", twin.pk)).content.decode()
    user = world.coordinator.user
    assert "passeport présenté" in history and "nom de naissance : Le Gal → Le Gall" in history
    assert f"{user.get_full_name()} ({world.coordinator.organisation.name})" in history
    assert user.email not in history
    response = client.post(url("identity_correct", twin.pk), correction(twin, reason="rien"))
    assert response.status_code == 400 and "Aucun trait" in response.content.decode()


def test_duplicates_list_compare_and_merge(client, world, twin):
    client = as_(client, world.coordinator)
    listing = client.get(url("identity_duplicates")).content.decode()
    assert (
        url("identity_compare", world.person.pk, twin.pk) in listing
        or url("identity_compare", twin.pk, world.person.pk) in listing
    )
    assert "nom de naissance proche" in listing
    compare = url("identity_compare", world.person.pk, twin.pk)
    page = client.get(compare).content.decode()
    assert "Fiche à conserver" in page and "différent" in page
    refused = client.post(compare, {"fusion-keep": str(world.person.pk), "fusion-reason": "même personne"})
    assert refused.status_code == 400 and "Cochez la confirmation" in refused.content.decode()
    done = client.post(
        compare, {"fusion-keep": str(world.person.pk), "fusion-reason": "même personne", "fusion-confirm": "on"}
    )
    assert done.status_code == 302 and done["Location"] == url("identity_history", world.person.pk)
    twin.refresh_from_db()
    assert twin.merged_into == world.person
    history = client.get(url("identity_history", world.person.pk)).content.decode()
    assert "Fusion d&#x27;un doublon" in history and f"fiche n° {twin.pk}" in history
    assert (
        url("identity_compare", world.person.pk, twin.pk) not in client.get(url("identity_duplicates")).content.decode()
    )


def test_history_proposes_the_duplicates_of_the_person(client, world, twin, dac_admin):
    compare = url("identity_compare", world.person.pk, twin.pk)
    page = as_(client, world.coordinator).get(url("identity_history", world.person.pk)).content.decode()
    assert "Doublons possibles de cette fiche" in page and compare in page
    page = as_(client, dac_admin).get(url("identity_history", world.person.pk)).content.decode()
    assert "Doublons possibles de cette fiche" not in page and compare not in page


def test_merge_refusal_is_shown(client, world, twin):
    Person.objects.filter(pk=world.person.pk).update(ins=INS, identity_status="RECUP", ins_from_national_service=True)
    other = ins_with_key("1800529123002")
    Person.objects.filter(pk=twin.pk).update(ins=other, identity_status="RECUP", ins_from_national_service=True)
    response = as_(client, world.coordinator).post(
        url("identity_compare", world.person.pk, twin.pk),
        {"fusion-keep": str(twin.pk), "fusion-reason": "même personne", "fusion-confirm": "on"},
    )
    assert response.status_code == 400 and "matricules INS différents" in response.content.decode()
    twin.refresh_from_db()
    assert twin.merged_into is None


def test_dismiss(client, world, twin):
    client = as_(client, world.coordinator)
    dismiss = url("identity_dismiss", world.person.pk, twin.pk)
    assert client.post(dismiss, {"ecarter-reason": ""}).status_code == 302
    assert "Le Gal" in client.get(url("identity_duplicates")).content.decode()  # still proposed
    response = client.post(dismiss, {"ecarter-reason": "frères, vérifié par téléphone"})
    assert response["Location"] == url("identity_duplicates")
    listing = client.get(url("identity_duplicates")).content.decode()
    assert "Aucun doublon possible" in listing
    assert "frères, vérifié par téléphone" in client.get(url("identity_history", twin.pk)).content.decode()


def test_person_header_shows_status_and_links(client, world, twin, dac_admin):
    page = as_(client, world.coordinator).get(url("person", twin.pk)).content.decode()
    assert "Identité provisoire" in page and url("identity_correct", twin.pk) in page
    page = as_(client, dac_admin).get(url("person", twin.pk)).content.decode()
    assert "Identité provisoire" in page and url("identity_history", twin.pk) in page
    assert url("identity_correct", twin.pk) not in page
