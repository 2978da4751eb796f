"""Decision 0029, the review's cases: only fitting kinds are linked (ESMS/hospital <-> site, managing body <-> legal
entity), a managing body is a managing body, two onboardings at once never both win, and an organisation left
outside the directory is still found by its own number."""

import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from relais.accounts.actor import Actor
from relais.accounts.models import Organisation
from relais.accounts.onboarding import organisation_onboard, organisations_link_to_directory
from relais.accounts.roles import OrganisationKind as K
from relais.accounts.roles import Role
from relais.offer import acting
from relais.offer.models import LegalEntity, Site
from relais.orientation.requests.services import actor_kind_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def chu():
    """A CHU (legal entity) with a hospital site and an EHPAD; an association with two sites."""
    entity = LegalEntity.objects.create(finess="350005179", name="CHU de Rennes")
    hospital = Site.objects.create(finess="350000139", name="Hôpital Pontchaillou", legal_entity=entity)
    ehpad = Site.objects.create(finess="350000741", name="EHPAD du CHU", legal_entity=entity)
    association = LegalEntity.objects.create(finess="350000089", name="Association Sœurs")
    foyer = Site.objects.create(finess="350000097", name="Foyer", legal_entity=association)
    sister = Site.objects.create(finess="350000105", name="Foyer sœur", legal_entity=association)
    return entity, hospital, ehpad, association, foyer, sister


@pytest.mark.parametrize("kind", [K.HOSPITAL, K.DEPARTEMENT_COUNCIL, K.ESMS, K.ARS, K.DAC])
def test_an_ej_number_makes_only_a_managing_body_the_legal_entity_s_organisation(chu, make_organisation, kind):
    entity, _hospital, ehpad, *_ = chu
    with pytest.raises(ValidationError) as error:
        make_organisation(kind=kind, name="Tient le numéro de l'EJ", finess=entity.finess)
    assert "est celui d'une entité juridique (EJ)" in str(error.value)
    with pytest.raises(ValidationError):
        organisation_onboard(entry=entity, kind=kind)
    with pytest.raises(CommandError, match="ne peut pas en être l'organisation Relais"):
        call_command("organisation_onboard", entity.finess, kind=kind, stdout=io.StringIO(), stderr=io.StringIO())
    assert not Organisation.objects.exists() and LegalEntity.objects.get(pk=entity.pk).organisation_id is None
    # Created before the directory listed the number: the import leaves it outside, with its own number.
    LegalEntity.objects.filter(pk=entity.pk).update(finess="350005187")
    early = make_organisation(kind=kind, name="Avant l'import", finess="350005179")
    LegalEntity.objects.filter(pk=entity.pk).update(finess="350005179")
    assert organisations_link_to_directory() == 0
    early.refresh_from_db()
    assert early.finess == "350005179" and LegalEntity.objects.get(pk=entity.pk).organisation_id is None
    assert not acting.acts_for_site(early, Site.objects.select_related("legal_entity").get(pk=ehpad.pk))


def test_a_hospital_is_a_site_never_a_legal_entity(chu, make_organisation, make_member):
    entity, hospital_site, ehpad, *_ = chu
    hospital = make_organisation(kind=K.HOSPITAL, name="Pontchaillou", finess=hospital_site.finess)
    assert Site.objects.get(pk=hospital_site.pk).organisation == hospital
    body = organisation_onboard(entry=entity)
    ehpad = Site.objects.select_related("legal_entity").get(pk=ehpad.pk)
    # The hospital sends requests to its CHU's EHPAD; the CHU's managing body runs its admissions.
    _user, director = make_member(hospital, Role.DIRECTOR)
    assert actor_kind_for(director, ehpad) == "orientation"
    assert set(acting.sites_acted_for(hospital.pk)) == {hospital_site}
    assert actor_kind_for(Actor(organisation=body, role=Role.DIRECTOR), ehpad) == "esms"


def test_an_esms_typed_with_its_ej_number_gets_no_sibling_site(chu, make_organisation):
    _entity, _hospital, _ehpad, association, foyer, sister = chu
    with pytest.raises(ValidationError):
        make_organisation(kind=K.ESMS, name="Foyer", finess=association.finess)
    esms = make_organisation(kind=K.ESMS, name="Foyer", finess=foyer.finess)
    assert set(acting.sites_acted_for(esms.pk)) == {foyer} and sister not in acting.sites_acted_for(esms.pk)


@pytest.mark.parametrize("kind", [K.ARS, K.DEPARTEMENT_COUNCIL, K.ESMS, K.HOSPITAL])
def test_only_a_managing_body_manages_a_directory_site(chu, make_organisation, kind):
    _entity, _hospital, ehpad, association, foyer, _sister = chu
    parent = make_organisation(kind=kind, name="Pas un gestionnaire")
    with pytest.raises(ValidationError, match="n'est pas un organisme gestionnaire"):
        organisation_onboard(entry=ehpad, parent=parent)
    with pytest.raises(ValidationError):
        make_organisation(name="Foyer", finess=foyer.finess, parent=parent)
    assert not LegalEntity.objects.exclude(organisation=None).exists()
    assert not Site.objects.exclude(organisation=None).exists()
    # Attached outside the directory first, then listed: the import leaves it outside too.
    Site.objects.filter(pk=foyer.pk).update(finess="350000113")
    early = make_organisation(name="Foyer", finess="350000097", parent=parent)
    Site.objects.filter(pk=foyer.pk).update(finess="350000097")
    assert organisations_link_to_directory() == 0
    assert LegalEntity.objects.get(pk=association.pk).organisation_id is None
    assert Organisation.objects.get(pk=early.pk).parent == parent


def test_the_site_rule_reads_no_row(chu, make_organisation, django_assert_num_queries):
    entity, _hospital, ehpad, *_ = chu
    body = organisation_onboard(entry=entity)
    esms = organisation_onboard(entry=ehpad)
    service = make_organisation(kind=K.ESMS, name="Antenne hors répertoire", parent=body)
    ehpad = Site.objects.select_related("legal_entity").get(pk=ehpad.pk)
    with django_assert_num_queries(0):
        assert [acting.acts_for_site(o, ehpad) for o in (body, esms, service)] == [True, True, False]
    # The same answer as the set rules: the attached service acts for no site, the body for its ESMS.
    assert service.pk in acting.organisation_ids_acted_for(body.pk)
    assert ehpad not in acting.sites_acted_for(service.pk)


def test_an_organisation_left_outside_is_found_by_its_own_number(chu, make_organisation):
    entity, *_ = chu
    LegalEntity.objects.filter(pk=entity.pk).update(finess="350005187")
    hospital = make_organisation(kind=K.HOSPITAL, name="Hôpital", finess="350005179")
    LegalEntity.objects.filter(pk=entity.pk).update(finess="350005179")
    out = io.StringIO()
    call_command("api_client_create", organisation="350005179", name="DPI", stdout=out, stderr=io.StringIO())
    assert hospital.api_clients.get().name == "DPI"


def _race(*calls):
    start = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            start.wait()
            results.append(call())
        except ValidationError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_onboardings_one_wins_the_other_is_refused(chu):
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    _entity, _hospital, _ehpad, association, foyer, sister = chu
    bodies = [Organisation.objects.create(kind=K.MANAGING_BODY, name=f"Gestionnaire {n}") for n in (1, 2)]
    for _round in range(3):
        # The same site, two managing bodies: one links the site and the entity, the other is refused.
        results, errors = _race(*(lambda b=b: organisation_onboard(entry=foyer, parent=b) for b in bodies))
        assert len(results) == 1 and len(errors) == 1, (results, errors)
        assert "a déjà son organisation Relais" in str(errors[0])
        assert Organisation.objects.filter(kind=K.ESMS).get() == results[0]
        assert Site.objects.get(pk=foyer.pk).organisation == results[0]
        assert LegalEntity.objects.get(pk=association.pk).organisation_id in {b.pk for b in bodies}
        _reset()
        # Two sites of one legal entity, two managing bodies: the entity goes to one, the other rolls back whole.
        results, errors = _race(
            lambda: organisation_onboard(entry=foyer, parent=bodies[0]),
            lambda: organisation_onboard(entry=sister, parent=bodies[1]),
        )
        assert len(results) == 1 and len(errors) == 1, (results, errors)
        assert "le rattachement suit le répertoire FINESS" in str(errors[0])
        winner = results[0]
        assert Organisation.objects.filter(kind=K.ESMS).get() == winner  # the loser's organisation rolled back
        assert Site.objects.exclude(organisation=None).get().organisation == winner
        body = bodies[0] if Site.objects.get(pk=foyer.pk).organisation_id else bodies[1]
        assert LegalEntity.objects.get(pk=association.pk).organisation == body
        _reset()


def _reset():
    Site.objects.update(organisation=None)
    LegalEntity.objects.update(organisation=None)
    Organisation.objects.filter(kind=K.ESMS).delete()
