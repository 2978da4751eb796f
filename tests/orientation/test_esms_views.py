"""The ESMS screens through the Django test client: the waiting list, a request's page (status changes, admission
into a unit, double submits, no place left), the exports with the current filters; out of scope is a 404."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relais.accounts.roles import Role
from relais.audit.models import AccessLogEntry
from relais.offer.models import Unit
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.requests.models import AdmissionRequest, StatusTransition, UnitRequestStatus
from relais.orientation.terminology.selectors import sdo_rules

from .test_waiting_list import build_esms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]


@pytest.fixture
def esms(world, monkeypatch):
    return build_esms(world, monkeypatch)


def logged_in(client, actor):
    client.force_login(actor.user)
    return client


def page_of(request):
    return reverse("orientation:esms_request", args=[request.pk])


def post(client, name, request, **data):
    return client.post(reverse(f"orientation:{name}", args=[request.pk]), data, follow=True)


def test_login_required(client, world):
    response = client.get(reverse("orientation:waiting_list"))
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


def test_waiting_list_page_shows_the_score_parts(client, world, esms):
    response = logged_in(client, world.staff[0]).get(reverse("orientation:waiting_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("LE GALL Yann") < html.index("MARTIN Anne") < html.index("DURAND Léa")
    assert "Zoé" not in html and "ENDED" not in html
    assert '<strong>+60</strong> <span class="hint">Urgence : situation urgente' in html
    assert "Attente : 120 jours" in html and "Souhait n° 1 de la personne" in html and "<strong>-8</strong>" in html
    assert '<strong class="score-total">84</strong>' in html
    assert page_of(esms.yann) in html
    assert "3 demandes" in html
    entry = AccessLogEntry.objects.filter(action="read", ground="orientation_request").last()
    assert (
        entry.detail == "liste d'attente page 1 : 3 demande(s) affichée(s)" and entry.user_id == world.staff[0].user.pk
    )


def test_filters_with_spaces_are_encoded_in_links(client, world, esms):
    html = logged_in(client, world.staff[0]).get(reverse("orientation:waiting_list"), {"q": "martin anne"})
    html = html.content.decode()
    assert "MARTIN Anne" in html and "format=csv&amp;q=martin+anne" in html


def test_waiting_list_filters_and_export_links_keep_them(client, world, esms):
    html = logged_in(client, world.staff[0]).get(reverse("orientation:waiting_list"), {"statut": "attente"}).content
    html = html.decode()
    assert "LE GALL Yann" in html and "MARTIN Anne" not in html
    assert "export/?format=csv&amp;statut=attente" in html and "export/?format=xlsx&amp;statut=attente" in html
    html = client.get(reverse("orientation:waiting_list"), {"urgence": "7"}).content.decode()
    assert "Filtre « urgence »" in html and "MARTIN Anne" in html


def test_a_role_without_admissions_is_told_so(client, world, esms, make_member):
    _u, member = make_member(world.sites[0].organisation, role=Role.MEMBER)
    html = logged_in(client, member).get(reverse("orientation:waiting_list")).content.decode()
    assert "réservée aux rôles" in html and "Yann" not in html
    assert client.get(reverse("orientation:waiting_list_export"), {"format": "csv"}).status_code == 404
    assert client.get(page_of(esms.yann)).status_code == 404


def test_request_page_is_traced_and_scoped(client, world, esms):
    client = logged_in(client, world.staff[0])
    before = AccessLogEntry.objects.filter(action="read", ground="orientation_request").count()
    response = client.get(page_of(esms.yann))
    assert response.status_code == 200
    html = response.content.decode()
    assert "LE GALL Yann" in html and "02/05/1980" in html and "Aidant hospitalisé" in html
    assert "CDAPH-29-0001" in html and "Brest" in html
    entry = AccessLogEntry.objects.filter(action="read", ground="orientation_request").last()
    assert AccessLogEntry.objects.filter(action="read", ground="orientation_request").count() == before + 1
    assert (entry.subject, entry.object_id) == (f"persons.person:{world.person.pk}", str(esms.yann.pk))
    # Another ESMS, the orientation side, a missing id: all 404, and nothing logged.
    for actor in (world.staff[1], world.staff[2], world.coordinator):
        assert logged_in(Client(), actor).get(page_of(esms.yann)).status_code == 404
    assert client.get(reverse("orientation:esms_request", args=[999999])).status_code == 404
    assert logged_in(Client(), world.staff[1]).get(page_of(esms.zoe)).status_code == 200
    assert AccessLogEntry.objects.filter(action="read", ground="orientation_request").count() == before + 2
    assert logged_in(Client(), world.body_director).get(page_of(esms.yann)).status_code == 200


def test_history_shows_who_when_and_reasons(client, world, esms):
    html = logged_in(client, world.staff[0]).get(page_of(esms.yann)).content.decode()
    history = html[html.index("Historique de la demande") :]
    assert history.count("<tr>") == 1 + 3  # header + 39, 40, 42
    # Who acted, by name and organisation; the staff's e-mail addresses stay with their own organisation.
    for actor in (world.staff[0], world.coordinator):
        assert f"{actor.user.get_full_name()} ({actor.organisation.name})" in history
        assert actor.user.email not in history
    assert "création" in history


def test_medical_part_only_for_health_professionals(client, world, esms, make_member):
    AdmissionFile.objects.filter(person=world.person).update(gir=2, medical_notes="Diabète insulino-dépendant")
    html = logged_in(client, world.staff[0]).get(page_of(esms.yann)).content.decode()
    assert "Diabète" not in html and "professionnel·les de santé" in html and 'id="volet-medical-reserve"' in html
    _u, doctor = make_member(
        world.sites[0].organisation, role=Role.ADMISSION_OFFICER, professional_category="physician"
    )
    html = logged_in(Client(), doctor).get(page_of(esms.yann)).content.decode()
    assert "Diabète insulino-dépendant" in html and 'id="volet-medical-reserve"' not in html


def test_the_esms_nurse_reads_the_list_and_the_medical_part_but_does_not_act(client, world, esms, make_member):
    AdmissionFile.objects.filter(person=world.person).update(gir=2, medical_notes="Diabète insulino-dépendant")
    _u, nurse = make_member(world.sites[0].organisation, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    client = logged_in(client, nurse)
    assert "LE GALL" in client.get(reverse("orientation:waiting_list")).content.decode()
    html = client.get(page_of(esms.yann)).content.decode()
    assert "Diabète insulino-dépendant" in html
    assert "Passer en « Admissible »" not in html and "Admettre" not in html
    post(client, "esms_request_transition", esms.yann, level="esms", target="72", **{"from": "42"})
    assert AdmissionRequest.objects.get(pk=esms.yann.pk).status == "42"


def test_status_buttons_follow_the_workflow_with_reasons(client, world, esms):
    html = logged_in(client, world.staff[0]).get(page_of(esms.yann)).content.decode()
    # Words, not codes (decision 0038): the buttons name the status, its code is in the tooltip.
    assert "Passer en « Admissible »" in html and "Passer en « Refusée »" in html
    assert "Passer en « Admis·e »" not in html  # 71: admit only
    assert 'title="Code SI-SDO 72 — Liste d&#x27;attente. Admissible dans l&#x27;ESMS"' in html
    reasons = sorted(sdo_rules().get("45") or ())
    assert reasons and f'<option value="{reasons[0]}" title="Motif SI-SDO {reasons[0]} — ' in html


def test_transition_then_double_submit_is_harmless(client, world, esms):
    client = logged_in(client, world.staff[0])
    response = post(client, "esms_request_transition", esms.yann, level="esms", target="72", **{"from": "42"})
    assert response.status_code == 200 and "Statut enregistré : « Admissible »" in response.content.decode()
    again = post(client, "esms_request_transition", esms.yann, level="esms", target="72", **{"from": "42"})
    assert "déjà enregistré" in again.content.decode()
    assert AdmissionRequest.objects.get(pk=esms.yann.pk).status == "72"
    assert StatusTransition.objects.filter(request=esms.yann, to_status="72").count() == 1


def test_a_stale_form_changes_nothing(client, world, esms):
    client = logged_in(client, world.staff[0])
    response = post(client, "esms_request_transition", esms.yann, level="esms", target="40", **{"from": "39"})
    assert "Le statut a changé" in response.content.decode()
    assert AdmissionRequest.objects.get(pk=esms.yann.pk).status == "42"


def test_reason_required_where_ass_a32_says(client, world, esms):
    client = logged_in(client, world.staff[0])
    response = post(client, "esms_request_transition", esms.yann, level="esms", target="45", **{"from": "42"})
    assert "demande un motif" in response.content.decode()
    assert AdmissionRequest.objects.get(pk=esms.yann.pk).status == "42"
    reason = sorted(sdo_rules()["45"])[0]
    post(client, "esms_request_transition", esms.yann, level="esms", target="45", reason=reason, **{"from": "42"})
    assert AdmissionRequest.objects.get(pk=esms.yann.pk).status_reason == reason


def test_admit_takes_a_place_and_a_double_submit_does_not(client, world, esms):
    client = logged_in(client, world.staff[0])
    html = client.get(page_of(esms.lea)).content.decode()
    assert "Admettre dans l'unité « Hébergement »" in html
    response = post(client, "esms_request_admit", esms.lea, unit=world.unit.pk, **{"from": "72"})
    assert "Admission prononcée dans « Hébergement ». Il reste 1 place disponible" in response.content.decode()
    again = post(client, "esms_request_admit", esms.lea, unit=world.unit.pk, **{"from": "72"})
    assert "déjà admise" in again.content.decode()
    assert Unit.objects.get(pk=world.unit.pk).available == 1
    assert AdmissionRequest.objects.get(pk=esms.lea.pk).status == "71"
    assert UnitRequestStatus.objects.get(request=esms.lea, unit=world.unit).status == "184"


def test_no_place_left_is_a_message_not_an_error(client, world, esms):
    Unit.objects.filter(pk=world.unit.pk).update(available=0)
    client = logged_in(client, world.staff[0])
    response = post(client, "esms_request_admit", esms.yann, unit=world.unit.pk, **{"from": "42"})
    assert response.status_code == 200
    assert "n&#x27;a aucune place disponible" in response.content.decode()
    assert "collègue" not in response.content.decode()
    assert AdmissionRequest.objects.get(pk=esms.yann.pk).status == "42"


def test_unit_level_status_change(client, world, esms):
    client = logged_in(client, world.staff[0])
    post(client, "esms_request_transition", esms.yann, level="unit", unit=world.unit.pk, target="182", **{"from": ""})
    assert UnitRequestStatus.objects.get(request=esms.yann, unit=world.unit).status == "182"
    html = client.get(page_of(esms.yann)).content.decode()
    assert "Historique dans l'unité (1)" in html
    other_unit = Unit.objects.create(site=world.sites[1], name="Ailleurs", care_mode="permanent_accommodation")
    response = client.post(
        reverse("orientation:esms_request_transition", args=[esms.yann.pk]),
        {"level": "unit", "unit": other_unit.pk, "target": "182", "from": ""},
    )
    assert response.status_code == 400


def test_posts_need_csrf_and_post(world, esms):
    client = logged_in(Client(enforce_csrf_checks=True), world.staff[0])
    url = reverse("orientation:esms_request_admit", args=[esms.lea.pk])
    assert client.post(url, {"unit": world.unit.pk, "from": "72"}).status_code == 403
    assert client.get(url).status_code == 405
    assert AdmissionRequest.objects.get(pk=esms.lea.pk).status == "72"
    other = logged_in(Client(), world.staff[1])
    assert other.post(url, {"unit": world.unit.pk, "from": "72"}).status_code == 404


def test_export_view_keeps_the_filters_and_is_traced(client, world, esms):
    client = logged_in(client, world.staff[0])
    response = client.get(reverse("orientation:waiting_list_export"), {"format": "csv", "statut": "attente"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    today = timezone.localdate()
    assert (
        response["Content-Disposition"] == f'attachment; filename="liste-attente-{world.sites[0].finess}-{today}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[3] for row in rows[1:]] == ["Yann"]
    entry = AccessLogEntry.objects.filter(action="export").last()
    assert entry.detail.startswith("1 ligne —") and "statut=attente" in entry.detail
    assert client.get(reverse("orientation:waiting_list_export"), {"format": "pdf"}).status_code == 400
    outside = client.get(reverse("orientation:waiting_list_export"), {"format": "csv", "site": world.sites[1].pk})
    assert outside.status_code == 400 and "établissement" in outside.content.decode()
    xlsx = client.get(reverse("orientation:waiting_list_export"), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_list_page_queries_do_not_grow_with_the_rows(client, world, esms, django_assert_max_num_queries):
    from datetime import date as date_

    from relais.orientation.requests.services import admission_requests_send
    from relais.persons.services import person_create

    client = logged_in(client, world.staff[0])
    client.get(reverse("orientation:waiting_list"))  # warms the terminology caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("orientation:waiting_list"))
    for n in range(60):
        person = person_create(
            actor=world.coordinator,
            ground="test",
            family_name=f"Nombre{n}",
            first_names="Test",
            birth_date=date_(1945, 1, 1),
            sex="M",
        )
        admission_requests_send(
            actor=world.coordinator, person=person, sites_ranked=[world.sites[0]], idempotency_key=f"v{n}"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("orientation:waiting_list")).content.decode()
    assert "63 demandes" in html and "Page 1 sur 2" in html and html.count('<tr id="demande-') == 50
    page2 = client.get(reverse("orientation:waiting_list"), {"page": "2"}).content.decode()
    assert page2.count('<tr id="demande-') == 13


def test_the_admission_team_opening_a_new_request_marks_it_read_once(client, world, esms, make_member):
    assert esms.anne.status == "39"
    _u, nurse = make_member(world.sites[0].organisation, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    assert logged_in(Client(), nurse).get(page_of(esms.anne)).status_code == 200
    esms.anne.refresh_from_db()
    assert esms.anne.status == "39"  # a reader who does not act leaves it unread
    html = logged_in(client, world.staff[0]).get(page_of(esms.anne)).content.decode()
    esms.anne.refresh_from_db()
    assert esms.anne.status == "40" and "Demande lue" in html
    client.get(page_of(esms.anne))
    read = StatusTransition.objects.filter(request=esms.anne, to_status="40")
    assert read.count() == 1 and read.get().comment == "demande ouverte par l'établissement"
