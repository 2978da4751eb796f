"""ESMS admissions (issue 13 item 4, decision 0043): the request's planned entry and pre-admission interview (service
rules, history, access log, database checks), the confirmation before an admission, the compact waiting list and its
exports, the home page's things to do, the committee's list (medical part only for who may read it), proposals linked
to their request; everything out of scope is a 404."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from relais.accounts.roles import Role
from relais.audit.models import AccessLogEntry
from relais.offer.models import Category, Unit
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.proposals.models import MatchProposal, ProposalStatus
from relais.orientation.requests import statuses as st
from relais.orientation.requests.models import AdmissionRequest, RequestDatesChange
from relais.orientation.requests.schedule import admission_request_dates_set

from .test_waiting_list import build_esms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]

TODAY = timezone.localdate()


@pytest.fixture
def esms(world, monkeypatch):
    return build_esms(world, monkeypatch)


def at(day: date, hour: int = 14) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def as_user(actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def url(name, request, query=""):
    return reverse(f"orientation:{name}", args=[request.pk]) + query


def messages_of(error: ValidationError) -> dict:
    return error.message_dict


# --- The service -----------------------------------------------------------------------------------------------------


def test_dates_are_set_traced_and_an_unchanged_save_writes_nothing(world, esms):
    officer, entry, interview = world.staff[0], TODAY + timedelta(days=30), at(TODAY + timedelta(days=3))
    request = admission_request_dates_set(
        actor=officer, request=esms.yann, planned_entry_on=entry, interview_at=interview
    )
    assert (request.planned_entry_on, request.interview_at) == (entry, interview)
    change = RequestDatesChange.objects.get(request=esms.yann)
    assert (change.previous_planned_entry_on, change.previous_interview_at) == (None, None)
    assert (change.planned_entry_on, change.interview_at, change.actor_label) == (
        entry,
        interview,
        officer.public_label,
    )
    log = AccessLogEntry.objects.filter(action="update", object_id=str(esms.yann.pk)).last()
    assert log.detail.startswith(f"entrée prévue : {entry:%d/%m/%Y} ; entretien de pré-admission : ")
    assert log.subject == f"persons.person:{world.person.pk}"

    admission_request_dates_set(actor=officer, request=esms.yann, planned_entry_on=entry, interview_at=interview)
    assert RequestDatesChange.objects.filter(request=esms.yann).count() == 1  # nothing changed, nothing written
    admission_request_dates_set(actor=officer, request=esms.yann, planned_entry_on=None, interview_at=interview)
    last = RequestDatesChange.objects.filter(request=esms.yann).last()
    assert (last.previous_planned_entry_on, last.planned_entry_on) == (entry, None)


def test_dates_rules_are_explained_in_french(world, esms):
    officer = world.staff[0]
    received = TODAY - timedelta(days=120)  # Yann's request was sent 120 days ago
    with pytest.raises(ValidationError) as refused:
        admission_request_dates_set(
            actor=officer,
            request=esms.yann,
            planned_entry_on=received - timedelta(days=1),
            interview_at=at(received - timedelta(days=5)),
        )
    errors = messages_of(refused.value)
    assert errors["planned_entry_on"] == [
        f"La date d'entrée prévue ne peut pas précéder la réception de la demande (le {received:%d/%m/%Y})."
    ]
    assert "ne peut pas avoir lieu avant la réception de la demande" in errors["interview_at"][0]
    with pytest.raises(ValidationError) as refused:
        admission_request_dates_set(
            actor=officer, request=esms.yann, planned_entry_on=TODAY + timedelta(days=3 * 365), interview_at=None
        )
    assert "à plus de deux ans" in messages_of(refused.value)["planned_entry_on"][0]
    with pytest.raises(ValidationError) as refused:
        admission_request_dates_set(
            actor=officer,
            request=esms.yann,
            planned_entry_on=TODAY + timedelta(days=5),
            interview_at=at(TODAY + timedelta(days=6)),
        )
    assert "au plus tard le jour de l'entrée prévue" in messages_of(refused.value)["interview_at"][0]
    with pytest.raises(ValidationError, match="demande en cours"):  # Paul's request was cancelled
        admission_request_dates_set(actor=officer, request=esms.paul, planned_entry_on=TODAY, interview_at=None)
    with pytest.raises(PermissionDenied):  # Foyer 1's admission officer does not act for Foyer 0
        admission_request_dates_set(actor=world.staff[1], request=esms.yann, planned_entry_on=TODAY, interview_at=None)
    assert not RequestDatesChange.objects.exists()
    assert AdmissionRequest.objects.get(pk=esms.yann.pk).planned_entry_on is None


def test_the_database_refuses_absurd_dates(world, esms):
    with pytest.raises(IntegrityError), transaction.atomic():
        AdmissionRequest.objects.filter(pk=esms.yann.pk).update(planned_entry_on=date(202, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        AdmissionRequest.objects.filter(pk=esms.yann.pk).update(interview_at=at(date(1999, 12, 31)))


# --- The request page and the confirmation ---------------------------------------------------------------------------


def test_dates_form_on_the_request_page_saves_or_shows_errors_at_the_field(world, esms):
    client = as_user(world.staff[0])
    entry, interview = TODAY + timedelta(days=20), TODAY + timedelta(days=2)
    response = client.post(
        url("esms_request_dates", esms.yann),
        {"planned_entry_on": entry.isoformat(), "interview_at": f"{interview.isoformat()}T10:30"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/demandes/{esms.yann.pk}/#rendez-vous")
    html = client.get(url("esms_request", esms.yann)).content.decode()
    assert f"{interview:%d/%m/%Y} à 10:30" in html and f'datetime="{entry.isoformat()}"' in html
    history = html[html.index('id="historique-dates"') :]
    assert f"<strong>{entry:%d/%m/%Y}</strong>" in history and escape(world.staff[0].public_label) in history

    response = client.post(url("esms_request_dates", esms.yann), {"planned_entry_on": "2999-01-01", "interview_at": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "La date d&#x27;entrée prévue est à plus de deux ans" in html
    assert html.index("Enregistrer les dates") > html.index("à plus de deux ans") > html.index('id="rendez-vous"')
    assert AdmissionRequest.objects.get(pk=esms.yann.pk).planned_entry_on == entry


def test_admission_is_confirmed_on_the_request_page_and_records_the_entry_day(world, esms):
    client = as_user(world.staff[0])
    unit = world.unit  # Hébergement, 2 places; Léa is admissible (72)
    page = client.get(url("esms_request", esms.lea)).content.decode()
    confirm = page[page.index(f'id="admettre-{unit.pk}"') :].split("</details>")[0]
    assert "Prononcer l'admission" in page and f'<details class="admit-confirm" id="admettre-{unit.pk}">' in page
    assert "Admettre dans l'unité « Hébergement »…</summary>" in confirm  # closed: one click opens it
    assert "DURAND Léa" in confirm and "« Hébergement »" in confirm and "Foyer 0" in confirm
    assert f'name="entree" value="{TODAY.isoformat()}"' in confirm  # the day pre-filled (no planned entry yet)
    assert "il en restera 1 sur 2" in confirm and "place_non_declaree" not in confirm
    assert AdmissionRequest.objects.get(pk=esms.lea.pk).status == st.ADMISSIBLE
    # From the waiting list's "Admettre…" (?admettre), the only unit's confirmation comes open.
    opened = client.get(url("esms_request", esms.lea, "?admettre")).content.decode()
    assert f'<details class="admit-confirm" id="admettre-{unit.pk}" open>' in opened

    day = TODAY + timedelta(days=7)
    response = client.post(
        url("esms_request_admit", esms.lea), {"from": "72", "unit": unit.pk, "entree": day}, follow=True
    )
    html = response.content.decode()
    assert f"Admission prononcée dans « Hébergement », à partir du {day:%d/%m/%Y}. Il reste 1 place" in html
    admitted = AdmissionRequest.objects.get(pk=esms.lea.pk)
    assert (admitted.status, admitted.planned_entry_on) == (st.ADMITTED, day)
    change = RequestDatesChange.objects.get(request=esms.lea)
    assert change.comment == "admission dans l'unité « Hébergement »"
    assert Unit.objects.get(pk=unit.pk).available == 1


def test_a_bad_entry_day_undoes_the_admission_and_is_shown_in_the_open_confirmation(world, esms):
    client = as_user(world.staff[0])
    before = TODAY - timedelta(days=30)  # Léa's request was sent 10 days ago
    response = client.post(url("esms_request_admit", esms.lea), {"from": "72", "unit": world.unit.pk, "entree": before})
    back = url("esms_request", esms.lea, f"?admettre={world.unit.pk}&entree={before.isoformat()}#admettre")
    assert response.status_code == 302 and response["Location"] == back
    html = client.get(back).content.decode()
    section = html[html.index('id="admettre"') :]
    assert "ne peut pas précéder la réception de la demande" in section.split("</details>")[0]  # where the user is
    assert f'id="admettre-{world.unit.pk}" open>' in section and f'value="{before.isoformat()}"' in section
    assert AdmissionRequest.objects.get(pk=esms.lea.pk).status == st.ADMISSIBLE  # nothing half-written
    assert Unit.objects.get(pk=world.unit.pk).available == 2
    # A request not yet under review (Anne, 39) cannot be admitted: no confirmation offered.
    html = client.get(url("esms_request", esms.anne, "?admettre")).content.decode()
    assert "Confirmer l&#x27;admission" not in html and 'id="admettre"' not in html


def test_no_place_declared_free_the_confirmation_says_what_happens_and_admits(world, esms):
    """The issue's "without a detour through the capacity page": the unit declares 0 free place (stale figures);
    the confirmation says the admission takes a place freed without being declared and that the figures stay at
    0 free, dated today; confirming admits in one transaction."""
    Unit.objects.filter(pk=world.unit.pk).update(
        available=0, occupied=8, capacity_updated_at=timezone.now() - timedelta(days=20)
    )
    client = as_user(world.staff[0])
    page = client.get(url("esms_request", esms.lea, "?admettre")).content.decode()
    confirm = page[page.index(f'id="admettre-{world.unit.pk}"') :].split("</details>")[0]
    assert "Aucune place n'est déclarée libre dans « Hébergement »" in confirm
    assert "mis à jour il y a 20 jours" in confirm and "les places disponibles restent à 0" in confirm
    assert "les places occupées à 8 (une sortie, une entrée)" in confirm
    assert '<input type="hidden" name="place_non_declaree" value="1">' in confirm
    assert "Mettre à jour la capacité" in page and "pas-de-place" not in page

    response = client.post(
        url("esms_request_admit", esms.lea),
        {"from": "72", "unit": world.unit.pk, "entree": TODAY, "place_non_declaree": "1"},
        follow=True,
    )
    assert "Admission prononcée dans « Hébergement »" in response.content.decode()
    unit = Unit.objects.get(pk=world.unit.pk)
    assert (unit.available, unit.occupied) == (0, 8)
    assert unit.capacity_updated_at >= timezone.now() - timedelta(minutes=1)
    assert AdmissionRequest.objects.get(pk=esms.lea.pk).status == st.ADMITTED


def test_a_place_taken_meanwhile_is_reported_in_the_confirmation_not_silently_passed(world, esms):
    """The page showed a free place; a colleague took it before the click: the post (without the flag of a
    confirmation that said "no place declared") is refused, the confirmation reopens and now says so."""
    Unit.objects.filter(pk=world.unit.pk).update(available=0)
    client = as_user(world.staff[0])
    response = client.post(
        url("esms_request_admit", esms.lea), {"from": "72", "unit": world.unit.pk, "entree": TODAY}, follow=True
    )
    html = response.content.decode()
    section = html[html.index('id="admettre"') :].split("</details>")[0]
    assert "n&#x27;a aucune place disponible" in section and "confirmez l&#x27;admission en l&#x27;indiquant" in section
    assert "Aucune place n'est déclarée libre" in section
    assert AdmissionRequest.objects.get(pk=esms.lea.pk).status == st.ADMISSIBLE


def test_admission_screens_are_404_out_of_scope(world, esms):
    outsider = as_user(world.staff[1])  # Foyer 1's admission officer
    for response in (
        outsider.get(url("esms_request", esms.lea, "?admettre")),
        outsider.post(url("esms_request_dates", esms.lea), {"planned_entry_on": TODAY.isoformat()}),
        outsider.post(url("esms_request_admit", esms.lea), {"from": "72", "unit": world.unit.pk}),
        as_user(world.coordinator).get(url("esms_request", esms.lea, "?admettre")),
        as_user(world.mdph).get(reverse("orientation:committee_list")),
    ):
        assert response.status_code == 404
    assert AdmissionRequest.objects.get(pk=esms.lea.pk).status == st.ADMISSIBLE
    assert not RequestDatesChange.objects.exists()


# --- The waiting list, its exports, the home page ------------------------------------------------------------------


def test_the_list_shows_one_line_per_request_with_its_dates_and_an_admit_link(world, esms):
    officer = world.staff[0]
    interview = at(TODAY + timedelta(days=2), 9)
    admission_request_dates_set(
        actor=officer, request=esms.lea, planned_entry_on=TODAY + timedelta(days=9), interview_at=interview
    )
    client = as_user(officer)
    html = client.get(reverse("orientation:waiting_list"), {"tri": "entretien"}).content.decode()
    rows = html[html.index("<tbody>") : html.index("</tbody>")]
    assert rows.index("DURAND Léa") < rows.index("LE GALL Yann")  # the nearest interview first
    assert f"{interview:%d/%m/%Y} 09:00" in rows and f"{TODAY + timedelta(days=9):%d/%m/%Y}" in rows
    lea_row = rows[rows.index(f'id="demande-{esms.lea.pk}"') :].split("</tr>")[0]
    anne_row = rows[rows.index(f'id="demande-{esms.anne.pk}"') :].split("</tr>")[0]
    assert url("esms_request", esms.lea, "?admettre#admettre") in lea_row and "<details" in lea_row
    assert "admettre" not in anne_row  # 39: not admissible yet
    assert "Nouvelle demande" in anne_row and ">39<" not in anne_row

    content = client.get(reverse("orientation:waiting_list_export"), {"format": "csv"}).content.decode("utf-8-sig")
    records = {r["Nom"]: r for r in csv.DictReader(io.StringIO(content), delimiter=";")}
    assert records["Durand"]["Entretien de pré-admission"] == f"{interview:%d/%m/%Y} 09:00"
    assert records["Durand"]["Date d'entrée prévue"] == f"{TODAY + timedelta(days=9):%d/%m/%Y}"
    assert records["Le Gall"]["Date d'entrée prévue"] == ""


def test_home_page_announces_new_requests_and_what_to_do(world, esms):
    client = as_user(world.staff[0])
    html = client.get(reverse("web:home")).content.decode()
    section = html[html.index('id="admissions"') :]
    assert "<strong>1</strong> nouvelle demande non lue" in section  # Anne (39) at Foyer 0
    assert "liste-attente/?statut=non-lues&amp;tri=envoi" in section
    assert "<strong>1</strong> personne admissible attend une place" in section  # Léa
    listed = client.get(reverse("orientation:waiting_list"), {"statut": "non-lues", "tri": "envoi"}).content.decode()
    assert "MARTIN Anne" in listed and "DURAND Léa" not in listed and "LE GALL Yann" not in listed
    assert 'id="admissions"' not in as_user(world.mdph).get(reverse("web:home")).content.decode()


# --- The committee's list ------------------------------------------------------------------------------------------


def test_committee_list_in_words_and_medical_part_only_for_health_professionals(world, esms, make_member):
    Category.objects.get_or_create(
        code="255", defaults={"label": "Maison d'accueil spécialisée", "domain": "disabled_adults"}
    )
    AdmissionFile.objects.filter(person=world.person).update(gir=2, care_needs="Soins infirmiers quotidiens")
    html = as_user(world.staff[0]).get(reverse("orientation:committee_list")).content.decode()
    assert "Commission d'admission — Foyer 0" in html
    assert "LE GALL Yann" in html and "DURAND Léa" in html and "MARTIN Anne" in html  # 42, 72, 39: to examine
    assert "Situation urgente — Aidant hospitalisé" in html and "Orientée vers</dt><dd>Maison d&#x27;accueil" in html
    assert "Soins infirmiers quotidiens" not in html and "GIR" not in html and "Sans volet médical" in html
    assert "Avis de la commission" in html
    assert AccessLogEntry.objects.filter(detail="liste pour la commission d'admission : 3 demande(s)").exists()

    _u, doctor = make_member(
        world.sites[0].organisation, role=Role.ADMISSION_OFFICER, professional_category="physician"
    )
    html = as_user(doctor).get(reverse("orientation:committee_list")).content.decode()
    assert "Soins infirmiers quotidiens" in html and "GIR" in html
    reads = AccessLogEntry.objects.filter(
        user_id=doctor.user.pk, detail="volet médical, liste pour la commission d'admission"
    )  # one per person whose medical part is printed (Yann and Anne have a file)
    assert f"persons.person:{world.person.pk}" in set(reads.values_list("subject", flat=True)) and reads.count() == 2


# --- Proposals ------------------------------------------------------------------------------------------------------


def test_accepted_proposal_links_to_its_request_and_back(world, esms):
    proposal = MatchProposal.objects.create(
        run="test",
        request=esms.lea,
        unit=world.unit,
        score=50,
        status=ProposalStatus.ACCEPTED,
        decided_by="Camille Test",
        decided_at=timezone.now(),
    )
    client = as_user(world.staff[0])
    html = client.get(reverse("orientation:proposals")).content.decode()
    assert url("esms_request", esms.lea) in html
    assert url("esms_request", esms.lea, f"?admettre={world.unit.pk}&amp;entree={TODAY}#admettre") in html
    page = client.get(url("esms_request", esms.lea)).content.decode()
    assert f"{reverse('orientation:proposals')}#proposition-{proposal.pk}" in page and "acceptée" in page
