"""The main navigation shows each actor the pages their role opens, and marks the current one."""

import pytest
from django.utils.html import escape

from relais.accounts.roles import OrganisationKind, Role
from relais.offer.models import LegalEntity, Site
from relais.web.navigation import main_navigation


def labels(actor, path="/"):
    return [link.label for link in main_navigation(actor, path)]


@pytest.fixture
def esms(make_organisation):
    organisation = make_organisation(kind=OrganisationKind.ESMS, name="EHPAD Les Tilleuls")
    entity = LegalEntity.objects.create(finess="350000014", name="Association", organisation=None)
    Site.objects.create(finess="350000022", name="EHPAD Les Tilleuls", legal_entity=entity, organisation=organisation)
    return organisation


def test_admission_officer_sees_the_waiting_list_not_the_persons(esms, make_member):
    _u, officer = make_member(esms, role=Role.ADMISSION_OFFICER)
    shown = labels(officer)
    assert "Liste d'attente" in shown and "Personnes suivies" not in shown
    assert "Propositions" in shown and "Simulation de places" not in shown


def test_ars_analyst_sees_the_simulation_and_no_person(make_organisation, make_member):
    _u, analyst = make_member(make_organisation(kind=OrganisationKind.ARS), role=Role.ANALYST)
    shown = labels(analyst)
    assert "Simulation de places" in shown
    assert not {"Personnes suivies", "Liste d'attente", "Dossiers de coordination"} & set(shown)


def test_coordinator_sees_the_persons_not_the_waiting_list(make_organisation, make_member):
    _u, coordinator = make_member(make_organisation(kind=OrganisationKind.DAC), role=Role.COORDINATOR)
    shown = labels(coordinator)
    assert "Personnes suivies" in shown and "Liste d'attente" not in shown and "Journal des accès" not in shown
    assert "Dossiers de coordination" in shown and "Mes tâches" in shown


def test_plain_member_of_an_esms_sees_neither(esms, make_member):
    _u, member = make_member(esms, role=Role.MEMBER)
    shown = labels(member)
    assert "Liste d'attente" not in shown and "Personnes suivies" not in shown and "Notifications" in shown
    assert "Dossiers de coordination" not in shown


def test_current_page_is_the_longest_matching_link(make_organisation, make_member):
    _u, coordinator = make_member(make_organisation(kind=OrganisationKind.DAC), role=Role.COORDINATOR)
    current = [link.label for link in main_navigation(coordinator, "/orientation/personnes/12/") if link.current]
    assert current == ["Personnes suivies"]
    assert [link.label for link in main_navigation(coordinator, "/") if link.current] == ["Accueil"]
    assert main_navigation(None, "/") == []


def test_the_menu_is_grouped_by_part_in_six_entries_at_most(esms, make_organisation, make_member):
    """Decision 0054: Accueil and the daily page, then Offre / Orientation / Parcours / Compte, each link once."""
    from relais.web.navigation import navigation_groups

    _u, coordinator = make_member(make_organisation(kind=OrganisationKind.DAC), role=Role.COORDINATOR)
    _u, director = make_member(esms, role=Role.DIRECTOR)
    for actor in (coordinator, director):
        links = main_navigation(actor, "/parcours/mes-personnes/")
        entries = navigation_groups(links)
        assert len(entries) <= 6 and entries[0].links[0].label == "Accueil"
        assert sorted(link.label for entry in entries for link in entry.links) == sorted(link.label for link in links)
    parts = {entry.label: [link.label for link in entry.links] for entry in navigation_groups(links)}
    assert entries[1].links[0].label == "Liste d'attente"  # the ESMS's daily page, beside Accueil
    assert "Journal des accès" in parts["Compte"] and "Rechercher une place" in parts["Offre"]
    coordinator_parts = navigation_groups(main_navigation(coordinator, "/parcours/dossiers/"))
    parcours = next(entry for entry in coordinator_parts if entry.label == "Parcours")
    assert "Mes tâches" in {link.label for link in parcours.links}
    assert coordinator_parts[1].links[0].label == "Mes personnes"
    current = [entry for entry in coordinator_parts if entry.current]
    assert [entry.label for entry in current] == ["Parcours"]


def test_the_page_shows_the_parts_as_disclosures(client, make_organisation, make_member, no_2fa):
    user, _coordinator = make_member(make_organisation(kind=OrganisationKind.DAC), role=Role.COORDINATOR)
    client.force_login(user)
    html = client.get("/").content.decode()
    assert html.count("<details") >= 3 and "<summary>Parcours" in html and "web/menu.js" in html


def test_the_home_page_offers_the_daily_page(client, make_organisation, make_member, no_2fa):
    """The département's analyst lands on a home page that leads to the territory view, not only the menu."""
    user, _analyst = make_member(make_organisation(kind=OrganisationKind.DEPARTEMENT_COUNCIL), role=Role.ANALYST)
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'Votre travail du quotidien : <a href="/orientation/territoire/">Vue du territoire</a>' in html
    assert "— Analyste (pilotage)" in html and "(Analyste (pilotage))" not in html


def test_a_request_of_the_waiting_list_keeps_the_waiting_list_current(esms, make_member):
    _u, officer = make_member(esms, role=Role.ADMISSION_OFFICER)
    current = [
        link.label for link in main_navigation(officer, "/orientation/esms/demandes/12/admettre/") if link.current
    ]
    assert current == ["Liste d'attente"]


def test_a_hospital_nurse_gets_no_esms_admission_pages(client, make_organisation, make_member, no_2fa):
    """Walk-through of issue 13: a hospital is a directory site (decision 0029) but runs no admissions, so its
    nurse sees neither the waiting list nor the proposals; typed by hand, the two lists explain why they are empty and
    the committee list is a 404, as for any organisation without an ESMS."""
    from django.urls import reverse

    hospital = make_organisation(kind=OrganisationKind.HOSPITAL, name="Centre hospitalier")
    entity = LegalEntity.objects.create(finess="350000030", name="CHU", organisation=None)
    Site.objects.create(finess="350000048", name="Centre hospitalier", legal_entity=entity, organisation=hospital)
    user, nurse = make_member(hospital, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    shown = labels(nurse)
    assert "Mes personnes" in shown
    assert not {"Liste d'attente", "Propositions"} & set(shown)
    client.force_login(user)
    for name in ("orientation:waiting_list", "orientation:proposals"):
        html = client.get(reverse(name)).content.decode()
        assert "Aucun établissement dont vous gérez les admissions n'est rattaché à Centre hospitalier" in html, name
    assert client.get(reverse("orientation:committee_list")).status_code == 404


@pytest.mark.parametrize(
    ("kind", "category", "label"),
    [
        (OrganisationKind.HOSPITAL, "nurse", "Infirmier·ère"),
        (OrganisationKind.HEALTH_PRACTICE, "physician", "Médecin"),
        (OrganisationKind.HOSPITAL, "administrative", "Professionnel·le de l'accompagnement"),
    ],
)
def test_a_care_professional_is_named_by_their_profession(
    client, make_organisation, make_member, no_2fa, kind, category, label
):
    """Walk-through of issue 13: the GP and the hospital nurse were both « Professionnel·le de l'accompagnement »;
    the home page and the account bar now name the profession stored on the account (none stored: the role)."""
    user, _actor = make_member(
        make_organisation(kind=kind), role=Role.CARE_PROFESSIONAL, professional_category=category
    )
    client.force_login(user)
    html = client.get("/").content.decode()
    label = escape(label)
    assert f"votre rôle : <strong>{label}</strong>" in html
    assert f"— {label}</p>" in html  # the account bar
