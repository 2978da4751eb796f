"""Sending a person's requests as ViaTrajectoire users expect (issue 13 item 2, decision 0041): the ESMS around the
person's home (``orientation/requests/nearby.py``), filtered by the decision, with free places, the age of that
figure and the waiting list; added, ranked and sent from ``views_send.requests_send`` (htmx fragments or plain pages).
"""

from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relais.orientation.requests import nearby
from relais.orientation.requests.models import AdmissionRequest
from relais.orientation.requests.services import admission_requests_send
from relais.persons.models import Person

from .conftest import years_ago
from .send_area import _site, _unit, build_area

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def area(world):
    area = build_area(mdph=world.mdph, birth_date=years_ago(40))
    area.world = world
    return area


def url(area):
    return reverse("orientation:requests_send", args=[area.person.pk])


def listed(area, **changes):
    home, problem = nearby.home_of(area.person)
    assert not problem
    filters = nearby.Filters(decision=area.decision, **changes)
    listing, _ = nearby.esms_for_sending(person=area.person, home=home, filters=filters)
    return listing


def names(listing):
    return [c.site.name for c in listing.candidates]


# --- Selectors -------------------------------------------------------------------------------------------------------


def test_the_home_comes_from_the_identity_address(area):
    home, problem = nearby.home_of(area.person)
    assert (home.kind, home.value, home.source, problem) == ("commune", "2A004", "identity", "")


def test_nearest_first_filtered_by_the_decision_categories_care_modes_and_age(area):
    listing = listed(area)
    # EHPAD (category), EAM day care (category and mode), the MAS for under 26 (age), Sartène (38 km): not listed.
    assert names(listing) == ["MAS A Casa", "MAS U Ventu", "MAS Prugna"]
    assert [c.distance_km for c in listing.candidates] == sorted(c.distance_km for c in listing.candidates)
    near, alata, _prugna = listing.candidates
    assert listing.origin.label == "Ajaccio (20000)" and near.distance_km == 0.5
    assert (near.offer.free_places, near.offer.stale, near.waiting, near.not_covered) == (3, False, 2, [])
    # A figure older than its site's period is « à confirmer », never a free place (decision 0037).
    assert (alata.offer.free_places, alata.offer.free_places_to_confirm, alata.offer.stale) == (0, 2, True)
    assert alata.offer.capacity_age == "mis à jour il y a 30 jours" and alata.waiting == 0


def test_the_user_widens_the_filter_and_sees_why_the_decision_does_not_cover(area):
    listing = listed(area, category=nearby.ALL, care_mode=nearby.ALL, show_uncovered=True, radius_km=50)
    assert names(listing) == [
        "EHPAD Le Golfe", "MAS A Casa", "EAM Les Oliviers", "MAS Jeunes Adultes", "MAS U Ventu", "MAS Prugna",
        "MAS Sartène",
    ]  # fmt: skip
    reasons = {c.site.name: " ; ".join(c.not_covered) for c in listing.candidates}
    assert "sa catégorie (EHPAD, 500) n'est pas dans la décision" in reasons["EHPAD Le Golfe"]
    assert "ne propose le mode d'accueil de la décision" in reasons["EAM Les Oliviers"]
    assert "aucune de ses unités n'accueille une personne de 40 ans" in reasons["MAS Jeunes Adultes"]
    assert reasons["MAS Sartène"] == ""
    hidden = listed(area, category=nearby.ALL, care_mode=nearby.ALL)
    # Not shown without the box ticked: the EAM (day care); the EHPAD and the MAS for under 26 are not even asked
    # for (the person's age is a criterion of the search until the user asks for the ESMS the decision does not cover).
    assert names(hidden) == ["MAS A Casa", "MAS U Ventu", "MAS Prugna"] and hidden.hidden == 1


def test_the_persons_open_requests_are_marked(area):
    admission_requests_send(
        actor=area.world.mdph, person=area.person, sites_ranked=[area.mas_alata], decision=area.decision,
        idempotency_key="deja",
    )  # fmt: skip
    alata = listed(area).candidates[1]
    assert (alata.site, alata.open_status, alata.waiting) == (area.mas_alata, "Nouvelle demande", 1)


def test_no_address_says_so_and_a_typed_place_is_used(area):
    Person.objects.filter(pk=area.person.pk).update(address="", postal_code="", city="")
    area.person.refresh_from_db()
    home, problem = nearby.home_of(area.person)
    assert home is None and problem.startswith("Aucune adresse n'est enregistrée dans l'identité de la personne")
    assert nearby.home_chosen("20167").value == "20167"
    with pytest.raises(nearby.SearchError):
        nearby.home_chosen("Nulle-Part-sur-Mer")


# --- Views -----------------------------------------------------------------------------------------------------------


def test_the_page_shows_the_esms_around_the_home_with_places_age_and_waiting_list(client, area):
    client.force_login(area.world.mdph.user)
    page = client.get(url(area)).content.decode()
    assert "Autour de <strong>Ajaccio (20000)</strong>, d'après l'adresse de l'identité" in page
    assert (
        "Celles de la décision : MAS" in page
        and "MAS (255)" not in page
        and "Ceux de la décision : hébergement permanent" in page
    )
    assert page.index("MAS A Casa") < page.index("MAS U Ventu") < page.index("MAS Prugna")
    assert "EHPAD Le Golfe" not in page and "3 établissements hors de la décision" not in page
    assert "3 places libres" in page and "2 demandes en attente" in page
    assert "Places à confirmer" in page and "chiffre ancien, à vérifier" in page
    assert 'aria-label="Ajouter MAS A Casa"' in page


def test_a_click_returns_the_fragment_and_the_address_follows(client, area):
    client.force_login(area.world.mdph.user)
    response = client.get(url(area), {"choix": [area.mas_near.pk], "vu": f"ajout-{area.mas_near.pk}"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and 'id="envoi"' in page
    assert "« MAS A Casa » ajouté à la sélection." in page and 'hx-swap-oob="true"' in page
    pushed = response.headers["HX-Push-Url"]
    assert pushed.startswith(url(area) + "?") and "vu=" not in pushed
    assert parse_qs(pushed.split("?", 1)[1])["choix"] == [str(area.mas_near.pk)]
    assert "choisi, rang 1" in page and "1 établissement choisi" in page


def test_select_three_move_one_up_and_send_them_ranked(client, area):
    client.force_login(area.world.mdph.user)
    chosen = [area.mas_near.pk, area.mas_alata.pk, area.mas_prugna.pk]
    page = client.get(url(area), {"choix": chosen}, **HTMX).content.decode()
    up = page.split(f'id="monter-{area.mas_prugna.pk}" href="?')[1].split('"')[0].replace("&amp;", "&")
    moved = parse_qs(up)["choix"]
    assert moved == [str(area.mas_near.pk), str(area.mas_prugna.pk), str(area.mas_alata.pk)]
    page = client.get(url(area) + "?" + up, **HTMX).content.decode()
    assert f'name="rang_{area.mas_prugna.pk}" value="2"' in page
    key = page.split('name="key" value="')[1].split('"')[0]
    data = {"key": key, "decision": area.decision.pk, "choix": moved, f"rester_{area.mas_alata.pk}": "1"}
    data.update({f"rang_{pk}": str(rank) for rank, pk in enumerate(moved, start=1)})
    response = client.post(url(area), data)
    assert response.status_code == 302 and response.url == reverse("orientation:person", args=[area.person.pk])
    sent = AdmissionRequest.objects.filter(person=area.person).order_by("wish_rank")
    assert [(r.site, r.wish_rank, r.status, r.stay_on_list, r.decision) for r in sent] == [
        (area.mas_near, 1, "39", False, area.decision),
        (area.mas_prugna, 2, "39", False, area.decision),
        (area.mas_alata, 3, "39", True, area.decision),
    ]
    page = client.get(url(area)).content.decode()
    assert page.count("demande déjà envoyée : Nouvelle demande") == 3
    assert "3 demandes déjà en cours pour cette personne" in page


def test_refusals_are_named_in_french_and_nothing_is_sent(client, area):
    client.force_login(area.world.mdph.user)
    day_care = {"key": "k1", "decision": area.decision.pk, "choix": [area.eam_day.pk], f"rang_{area.eam_day.pk}": "1"}
    page = client.post(url(area), day_care).content.decode()
    assert "« EAM Les Oliviers » n&#x27;est pas couvert par la décision d&#x27;orientation" in page
    assert "cochez « Envoyer par dérogation »" in page and 'id="derogation"' in page
    without = {"key": "k2", "decision": "", "choix": [area.mas_near.pk], f"rang_{area.mas_near.pk}": "1"}
    response = client.post(url(area), without)
    assert response.status_code == 400
    assert "Il faut une décision d&#x27;orientation de la CDAPH vers : MAS (255)" in response.content.decode()
    admission_requests_send(
        actor=area.world.mdph, person=area.person, sites_ranked=[area.mas_near], decision=area.decision,
        idempotency_key="first",
    )  # fmt: skip
    again = {**without, "key": "k3", "decision": area.decision.pk}
    page = client.post(url(area), again).content.decode()
    assert "Une demande est déjà en cours pour cette personne auprès de : « MAS A Casa »" in page
    assert AdmissionRequest.objects.filter(person=area.person).count() == 1


def test_without_address_the_page_says_so_and_takes_a_commune(client, area):
    Person.objects.filter(pk=area.person.pk).update(address="", postal_code="", city="")
    client.force_login(area.world.mdph.user)
    page = client.get(url(area)).content.decode()
    assert "Aucune adresse n&#x27;est enregistrée dans l&#x27;identité de la personne" in page
    assert "Commune ou code postal du domicile" in page and "MAS A Casa" not in page
    page = client.get(url(area), {"lieu": "Alata"}).content.decode()
    assert "Autour de <strong>Alata (20167)</strong>, le lieu choisi" in page
    assert page.index("MAS U Ventu") < page.index("MAS A Casa")
    page = client.get(url(area), {"lieu": "Nulle-Part-sur-Mer"}).content.decode()
    assert "Aucune commune ne s&#x27;appelle « Nulle-Part-sur-Mer »" in page and 'aria-invalid="true"' in page


def test_others_get_a_404_and_esms_staff_no_sending(client, area):
    client.force_login(area.world.hospital.user)
    assert client.get(url(area)).status_code == 404
    assert client.get(url(area), **HTMX).status_code == 404
    client.force_login(area.world.staff[0].user)
    assert client.get(url(area)).status_code == 404
    assert not AdmissionRequest.objects.filter(person=area.person).exists()


def test_the_number_of_queries_does_not_grow_with_the_results(client, area):
    """No N+1: one page with 3 ESMS listed and 2 chosen, then with 3 more listed and 2 more chosen, costs the same."""
    client.force_login(area.world.mdph.user)
    entity = area.mas_near.legal_entity

    def count(chosen):
        """(queries of the page, of an htmx fragment, of the directory's box search): the box search may read a
        wider box once more when more ESMS are near (offer.selectors._nearest), never once per ESMS."""
        client.get(url(area), {"choix": chosen})  # warm the caches (session, terminology)
        with CaptureQueriesContext(connection) as page:
            assert client.get(url(area), {"choix": chosen}).status_code == 200
        with CaptureQueriesContext(connection) as fragment:
            assert client.get(url(area), {"choix": chosen}, **HTMX).status_code == 200
        box = [q for q in fragment.captured_queries if q["sql"].startswith("SELECT s.id, s.latitude")]
        return len(page.captured_queries) - len(box), len(fragment.captured_queries) - len(box), len(box)

    small = count([area.mas_near.pk, area.mas_alata.pk])
    extra = [_site(entity, 10 + n, f"MAS Nouvelle {n}", area.mas_near.category, ("2A004", "", "20000", 41.93, 8.74))
             for n in range(3)]  # fmt: skip
    for site in extra:
        _unit(site, available=1)
        AdmissionRequest.objects.create(
            person=Person.objects.create(family_name="Att", first_names="X", birth_date=years_ago(30), sex="F"),
            site=site, wish_rank=1, status="39", created_by="test",
        )  # fmt: skip
    large = count([area.mas_near.pk, area.mas_alata.pk, extra[0].pk, extra[1].pk])
    assert len(listed(area).candidates) == 6
    assert small[:2] == large[:2], (small, large)
    assert large[1] <= 22 and large[0] <= large[1] + 10 and large[2] <= 3
