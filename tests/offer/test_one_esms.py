"""An ESMS is modelled once (decision 0029): the directory entry is its identity, onboarding reuses it, and every
policy answers "who acts for which site" with the same rule (relais/offer/acting.py)."""

import io
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from relais.accounts import selectors as account_selectors
from relais.accounts.actor import Actor, actor_for_api_client
from relais.accounts.models import Organisation
from relais.accounts.onboarding import organisation_onboard, organisations_link_to_directory
from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import api_client_create, organisation_create
from relais.offer import acting
from relais.offer import policy as offer_policy
from relais.offer.models import LegalEntity, Site
from relais.orientation import policy as orientation_policy
from relais.orientation.requests.models import AdmissionRequest
from relais.persons.services import person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    entity = LegalEntity.objects.create(finess="350000014", name="Association Les Tilleuls")
    ehpad = Site.objects.create(finess="350000022", name="EHPAD Les Tilleuls", legal_entity=entity)
    foyer = Site.objects.create(finess="350000030", name="Foyer Les Chênes", legal_entity=entity)
    other = Site.objects.create(
        finess="350000055",
        name="EHPAD Autre",
        legal_entity=LegalEntity.objects.create(finess="350000048", name="Autre gestionnaire"),
    )
    return entity, ehpad, foyer, other


def test_onboarding_a_directory_site_reuses_its_entry(directory):
    _entity, ehpad, _foyer, _other = directory
    before = (Site.objects.count(), LegalEntity.objects.count())
    organisation = organisation_onboard(entry=ehpad)
    ehpad.refresh_from_db()
    assert ehpad.organisation == organisation and organisation.kind == OrganisationKind.ESMS
    assert organisation.name == ehpad.name and organisation.finess is None and organisation.parent is None
    assert organisation.finess_number == "350000022" and organisation.directory_entry == ehpad
    # Again, or by its number: the same identity, never a second one.
    assert organisation_onboard(entry=ehpad) == organisation
    with pytest.raises(ValidationError) as error:
        organisation_create(kind=OrganisationKind.ESMS, name="Doublon", finess="350000022")
    assert "a déjà son organisation" in str(error.value)
    assert Organisation.objects.count() == 1 and (Site.objects.count(), LegalEntity.objects.count()) == before
    # An API client for it acts for the directory site, which stays in the directory.
    client, _token = api_client_create(actor=None, organisation=organisation, name="Dossier usager")
    machine = actor_for_api_client(client)
    assert offer_policy.can_update_capacity(machine, ehpad)
    assert Site.objects.filter(pk=ehpad.pk, organisation=organisation).exists()


def test_creating_with_a_directory_number_is_onboarding(directory, make_organisation):
    entity, ehpad, foyer, _other = directory
    body = make_organisation(kind=OrganisationKind.MANAGING_BODY, name="Les Tilleuls", finess=entity.finess)
    entity.refresh_from_db()
    assert entity.organisation == body and body.finess is None and body.finess_number == entity.finess
    esms = make_organisation(name="EHPAD", finess=ehpad.finess, parent=body)
    assert esms.parent is None and esms.attached_to == body and esms.finess_number == ehpad.finess
    # The directory says who manages a site: another managing body is refused.
    stranger = make_organisation(kind=OrganisationKind.MANAGING_BODY, name="Autre")
    with pytest.raises(ValidationError):
        make_organisation(name="Foyer", finess=foyer.finess, parent=stranger)
    assert not Site.objects.get(pk=foyer.pk).organisation_id
    # Outside the directory, the organisation keeps its own number and attachment.
    practice = make_organisation(kind=OrganisationKind.HOSPITAL, name="Clinique", finess="350099001", parent=body)
    assert practice.finess == practice.finess_number == "350099001" and practice.attached_to == body


def test_an_organisation_waiting_for_its_entry_is_linked_after_the_import(make_organisation):
    # The site's organisation comes first: linking it links the legal entity to its parent, whose number then goes.
    esms = make_organisation(name="EHPAD", finess="350000022")
    body = make_organisation(kind=OrganisationKind.MANAGING_BODY, name="Les Tilleuls", finess="350000014")
    Organisation.objects.filter(pk=esms.pk).update(parent=body)
    refused = make_organisation(name="Foyer", finess="350000030", parent=body)
    assert organisations_link_to_directory() == 0  # nothing listed yet: they keep their numbers
    entity = LegalEntity.objects.create(finess="350000014", name="Association Les Tilleuls")
    Site.objects.create(finess="350000022", name="EHPAD Les Tilleuls", legal_entity=entity)
    other = LegalEntity.objects.create(finess="350000048", name="Autre", organisation=make_organisation(name="Autre"))
    Site.objects.create(finess="350000030", name="Foyer", legal_entity=other)
    assert organisations_link_to_directory() == 2
    body.refresh_from_db(), esms.refresh_from_db(), refused.refresh_from_db()
    assert LegalEntity.objects.get(organisation=body) == entity and body.finess is None
    assert Site.objects.get(organisation=esms).finess == "350000022" and (esms.finess, esms.parent) == (None, None)
    # The directory gives the foyer another managing body: left outside, as it was.
    assert (refused.finess, refused.parent) == ("350000030", body) and not Site.objects.filter(organisation=refused)
    assert organisations_link_to_directory() == 0


def test_onboarding_a_site_with_its_managing_body_links_the_legal_entity(directory, make_organisation):
    entity, ehpad, foyer, _other = directory
    body = make_organisation(kind=OrganisationKind.MANAGING_BODY, name="Les Tilleuls")
    esms = organisation_onboard(entry=ehpad, parent=body)
    entity.refresh_from_db()
    assert entity.organisation == body and esms.attached_to == body
    # The managing body now acts for every site of its legal entity, with or without Relais users.
    assert set(acting.sites_acted_for(body.pk)) == {ehpad, foyer}
    assert account_selectors.organisation_ids_visible(actor=Actor(organisation=body, role=Role.DIRECTOR)) == {
        body.pk,
        esms.pk,
    }


def test_every_policy_asks_the_same_question(directory, make_organisation, make_member):
    entity, ehpad, foyer, other = directory
    body = organisation_onboard(entry=entity)
    esms = organisation_onboard(entry=ehpad)
    other_esms = organisation_onboard(entry=other)
    service = make_organisation(kind=OrganisationKind.ESMS, name="Antenne hors répertoire", parent=body)
    ars = make_organisation(kind=OrganisationKind.ARS, name="ARS")
    ehpad, foyer, other = (Site.objects.select_related("legal_entity").get(pk=s.pk) for s in (ehpad, foyer, other))
    organisations = [body, esms, other_esms, service, ars]
    sites = [ehpad, foyer, other]
    expected_sites = {
        body: {ehpad, foyer},
        esms: {ehpad},
        other_esms: {other},
        service: set(),
        ars: set(),
    }
    expected_organisations = {
        body: {body, esms, service},
        esms: {esms},
        other_esms: {other_esms},
        service: {service},
        ars: {ars},
    }
    person = _person(make_member)
    requests = {
        site: AdmissionRequest.objects.create(person=person, site=site, wish_rank=rank, status="39")
        for rank, site in enumerate(sites, 1)
    }
    for organisation in organisations:
        role = Role.DIRECTOR if organisation.kind != OrganisationKind.ARS else Role.ADMIN
        actor = Actor(organisation=organisation, role=role)
        visible_ids = account_selectors.organisation_ids_visible(actor=actor)
        assert visible_ids == {o.pk for o in expected_organisations[organisation]}, organisation
        assert set(acting.sites_acted_for(organisation.pk)) == expected_sites[organisation], organisation
        editable = set(Site.objects.filter(offer_policy.capacity_sites_filter(actor)))
        visible_requests = set(orientation_policy.requests_visible_to(actor).filter(site__in=sites))
        for site in sites:
            acts = site in expected_sites[organisation]
            assert acting.acts_for_site(organisation, site) is acts
            assert offer_policy.can_update_capacity(actor, site) is acts
            assert orientation_policy.may_read_site_requests(actor, site) is acts
            assert orientation_policy.may_process_request(actor, requests[site]) is acts
            assert (site in editable) is acts and (requests[site] in visible_requests) is acts
            # The site's organisation is one the actor acts for exactly when the actor acts for the site.
            if site.organisation_id is not None and site.organisation_id != organisation.pk:
                assert (site.organisation_id in visible_ids) is (acts and organisation == body)


_names = itertools.count(1)


def _person(make_member):
    _user, coordinator = make_member(
        Organisation.objects.create(kind=OrganisationKind.DAC, name="DAC"), Role.COORDINATOR
    )
    return person_create(
        actor=coordinator,
        ground="test",
        family_name=f"Le Gall{next(_names)}",
        first_names="Yann",
        birth_date="1980-05-02",
        sex="M",
    )


def test_onboarding_command_then_an_api_client_for_the_same_identity(client, directory):
    entity, ehpad, _foyer, _other = directory
    out, err = io.StringIO(), io.StringIO()
    call_command("organisation_onboard", ehpad.finess, stdout=out, stderr=err)
    organisation = Organisation.objects.get(pk=int(out.getvalue()))
    assert "créée et reliée" in err.getvalue() and Site.objects.get(pk=ehpad.pk).organisation == organisation
    out = io.StringIO()
    call_command("organisation_onboard", ehpad.finess, stdout=out, stderr=err)
    assert int(out.getvalue()) == organisation.pk and "déjà reliée" in err.getvalue()
    out = io.StringIO()
    call_command("api_client_create", organisation=ehpad.finess, name="Dossier usager", stdout=out, stderr=err)
    assert organisation.api_clients.get().name == "Dossier usager" and Organisation.objects.count() == 1
    # The REST API shows the directory's number and managing body, as the organisation's own columns used to.
    body = organisation_onboard(entry=entity)
    token = {"HTTP_AUTHORIZATION": f"Bearer {out.getvalue().strip()}"}
    shown = client.get(f"/api/v1/organisations/{organisation.pk}/", **token).json()
    assert (shown["finess"], shown["parent"]) == (ehpad.finess, body.pk)
    listed = client.get("/api/v1/organisations/", **token).json()
    assert [o["id"] for o in listed.get("results", listed)] == [organisation.pk]
