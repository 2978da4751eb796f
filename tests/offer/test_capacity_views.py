"""The capacity screens through the Django test client: two clicks at most, htmx or not, 404 outside."""

import re
from html import escape, unescape

import pytest
from django.test import Client

from relais.offer.models import CapacityUpdate, Unit

from .test_capacity_services import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(make_organisation, make_member):
    return build_world(make_organisation, make_member)


def logged_in(client, actor):
    client.force_login(actor.user)
    return client


def test_capacity_page_lists_the_units_of_the_site_stale_first(client, world):
    response = logged_in(client, world.admissions).get("/offre/capacite/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "EHPAD Les Tilleuls" in html and "EHPAD Les Chênes" not in html and "EHPAD Autre" not in html
    assert html.index("Unité Alzheimer") < html.index("Hébergement permanent")  # 30 days old first
    assert "mis à jour il y a 30 jours" in html and "mis à jour il y a 2 jours" in html
    assert "dont <strong>1 à mettre à jour</strong>" in html
    fragments = html[html.index('id="capacite-') :]
    assert fragments.count('name="csrfmiddlewaretoken"') == 2 * 4  # 4 forms per unit, each with its token


def test_managing_body_sees_all_its_sites(client, world):
    html = logged_in(client, world.director).get("/offre/capacite/").content.decode()
    assert html.index("EHPAD Les Chênes") < html.index("EHPAD Les Tilleuls")  # never updated first
    assert "jamais mis à jour" in html and "EHPAD Autre" not in html


def test_a_plain_member_is_told_the_role_does_not_allow_it(client, world):
    html = logged_in(client, world.member).get("/offre/capacite/").content.decode()
    assert "ne permet pas de mettre à jour" in html and "capacite-" not in html


def test_login_required(client, world):
    response = client.get("/offre/capacite/")
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


def test_plus_one_with_htmx_swaps_the_fragment(client, world):
    unit = world.unit_a2
    response = logged_in(client, world.admissions).post(
        f"/offre/capacite/unite/{unit.pk}/pas/", {"delta": "1", "next": "/offre/capacite/"}, **HTMX
    )
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert html.lstrip().startswith(f'<div class="capacity" id="capacite-{unit.pk}">')
    assert '<strong class="capacity-available">1</strong> place disponible' in html
    assert "mis à jour à l'instant" in html and "<html" not in html
    assert Unit.objects.get(pk=unit.pk).available == 1
    row = CapacityUpdate.objects.get(unit=unit)
    assert (row.previous_value, row.value, row.by) == (0, 1, world.admissions.user)


def test_minus_one_without_javascript_redirects_back(client, world):
    unit = world.unit_a1
    response = logged_in(client, world.admissions).post(
        f"/offre/capacite/unite/{unit.pk}/pas/", {"delta": "-1", "next": "/offre/capacite/"}
    )
    assert response.status_code == 302 and response["Location"] == "/offre/capacite/"
    assert Unit.objects.values_list("available", "occupied").get(pk=unit.pk) == (1, 9)
    page = unescape(client.get("/offre/capacite/").content.decode())
    assert "« Hébergement permanent » : 1 place disponible, mis à jour à l'instant." in page


def test_next_must_stay_on_the_site(client, world):
    response = logged_in(client, world.admissions).post(
        f"/offre/capacite/unite/{world.unit_a1.pk}/confirmer/", {"next": "https://ailleurs.example/"}
    )
    assert response["Location"] == "/offre/capacite/"


def test_confirm_unchanged_in_one_click(client, world):
    unit = world.unit_a2
    response = logged_in(client, world.admissions).post(f"/offre/capacite/unite/{unit.pk}/confirmer/", **HTMX)
    assert "mis à jour à l'instant" in unescape(response.content.decode())
    row = CapacityUpdate.objects.get(unit=unit)
    assert row.previous_value == row.value == 0


def test_edit_form_opens_and_saves_in_two_clicks(client, world):
    unit = world.unit_a1
    page = logged_in(client, world.admissions).get("/offre/capacite/").content.decode()
    # First click: <details><summary>Modifier</summary>, no request. Second: the form's submit button.
    assert re.search(r"<details>\s*<summary>Modifier</summary>", page)
    assert f'action="/offre/capacite/unite/{unit.pk}/modifier/"' in page
    response = client.post(
        f"/offre/capacite/unite/{unit.pk}/modifier/",
        {"installed": "12", "available": "4", "occupied": "8", "reserved": "0", "closed": "0"},
        **HTMX,
    )
    assert response.status_code == 200
    unit.refresh_from_db()
    assert (unit.installed, unit.available, unit.occupied) == (12, 4, 8)
    assert set(CapacityUpdate.objects.filter(unit=unit).values_list("status", flat=True)) == {"installed", "available"}


def test_invalid_edit_shows_the_error_in_place_with_htmx_and_on_the_unit_page_without(client, world):
    unit = world.unit_a1
    data = {"installed": "10", "available": "11", "occupied": "0", "reserved": "0", "closed": "0"}
    logged_in(client, world.admissions)
    html = client.post(f"/offre/capacite/unite/{unit.pk}/modifier/", data, **HTMX).content.decode()
    assert 'role="alert"' in html and "Places disponibles : 11 dépasse les places installées (10)." in html
    assert "<details open>" in html and 'name="available" value="11"' in html  # as typed
    response = client.post(f"/offre/capacite/unite/{unit.pk}/modifier/", {**data, "available": "-2"})
    assert response.status_code == 400
    assert (
        "Places disponibles : Assurez-vous que cette valeur est supérieure ou égale à 0." in response.content.decode()
    )
    assert not CapacityUpdate.objects.exists()


@pytest.mark.parametrize("who", ["stranger", "member", "admissions_sister_site"])
def test_units_the_actor_may_not_update_are_404_like_missing_ones(client, world, who):
    actor, unit = {
        "stranger": (world.stranger, world.unit_a1),
        "member": (world.member, world.unit_a1),
        "admissions_sister_site": (world.admissions, world.unit_b1),
    }[who]
    logged_in(client, actor)
    for suffix, data in (("", None), ("pas/", {"delta": "1"}), ("confirmer/", {}), ("modifier/", {"available": "1"})):
        hidden = f"/offre/capacite/unite/{unit.pk}/{suffix}"
        missing = f"/offre/capacite/unite/999999/{suffix}"
        send = client.get if data is None else client.post
        args = () if data is None else (data,)
        assert send(hidden, *args).status_code == send(missing, *args).status_code == 404
    assert not CapacityUpdate.objects.exists()


def test_history_page_shows_who_changed_what_when(client, world):
    unit = world.unit_a1
    logged_in(client, world.admissions)
    client.post(f"/offre/capacite/unite/{unit.pk}/pas/", {"delta": "1"})
    client.post(f"/offre/capacite/unite/{unit.pk}/confirmer/")
    html = client.get(f"/offre/capacite/unite/{unit.pk}/").content.decode()
    assert '<h2 id="history-title">Historique</h2>' in html
    # Three rows (available, occupied, confirmation), signed with the public name, never the e-mail (decision 0054).
    assert html.count(escape(world.admissions.public_label)) >= 3
    assert world.admissions.user.email not in html
    assert "Places disponibles" in html and "Places occupées" in html and "confirmé" in html
    # Plain forms here (the page reloads and shows the new row), coming back to this page.
    assert "hx-post" not in html and f'name="next" value="/offre/capacite/unite/{unit.pk}/"' in html


def test_csrf_token_is_required_and_the_page_token_works(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admissions.user)
    unit = world.unit_a2
    assert client.post(f"/offre/capacite/unite/{unit.pk}/pas/", {"delta": "1"}, **HTMX).status_code == 403
    page = client.get("/offre/capacite/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/offre/capacite/unite/{unit.pk}/pas/", {"delta": "1", "csrfmiddlewaretoken": token}, **HTMX
    )
    assert response.status_code == 200 and Unit.objects.get(pk=unit.pk).available == 1


def test_fragment_included_by_the_site_page_with_unit_and_can_update_only(rf, world):
    from django.template.loader import render_to_string

    request = rf.get("/offre/etablissement/350000022/")
    unit = Unit.objects.get(pk=world.unit_a1.pk)
    public = render_to_string("offer/_capacity_controls.html", {"unit": unit, "can_update": False}, request=request)
    assert '<strong class="capacity-available">2</strong> places disponibles' in public and "<form" not in public
    assert "mis à jour il y a 2" in unescape(public)  # humanize fallback when the view did not annotate
    editor = render_to_string("offer/_capacity_controls.html", {"unit": unit, "can_update": True}, request=request)
    assert editor.count("<form") == 4 and 'name="next" value="/offre/etablissement/350000022/"' in editor


def test_the_page_counts_follow_a_click_out_of_band(client, world):
    logged_in(client, world.admissions)
    page = client.get("/offre/capacite/").content.decode()
    assert '<span id="capacity-stale-total">, dont <strong>1 à mettre à jour</strong></span>.' in page
    headers = {**HTMX, "HTTP_HX_CURRENT_URL": "http://testserver/offre/capacite/"}
    html = client.post(f"/offre/capacite/unite/{world.unit_a2.pk}/confirmer/", **headers).content.decode()
    assert '<span id="capacity-stale-total" hx-swap-oob="true"></span>' in html
    assert f'<span id="capacity-stale-site-{world.site_a.pk}" hx-swap-oob="true"></span>' in html
    # Elsewhere (the public site page) there is nothing to update out of band.
    headers["HTTP_HX_CURRENT_URL"] = "http://testserver/offre/etablissement/350000022/"
    html = client.post(f"/offre/capacite/unite/{world.unit_a2.pk}/confirmer/", **headers).content.decode()
    assert "hx-swap-oob" not in html
