"""Orientation-side screens (relais/orientation/screens/views_persons.py): persons, duplicates, decisions, the
admission file, sending requests to several ESMS, orientation-side status changes; scoping (404), medical part, access
log."""

from datetime import date

import pytest
from django.urls import reverse

from relais.accounts.professions import ProfessionalCategory
from relais.accounts.roles import OrganisationKind, Role
from relais.audit.models import AccessLogEntry
from relais.offer.models import Category
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.admission.services import admission_file_medical_update, admission_file_open
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests.models import AdmissionRequest, StatusTransition
from relais.orientation.requests.services import admission_requests_send
from relais.pathway.circle.services import record_open
from relais.persons.ins import ins_with_key
from relais.persons.models import Person
from relais.persons.services import person_update
from relais.territory.models import Commune, Departement, Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]

NEW_PERSON = {
    "family_name": "Bianchi",
    "first_names": "Paul Antoine",
    "birth_date": "1961-11-20",
    "sex": "M",
    "birth_place_label": "Bastia",
}


def as_(client, actor):
    client.force_login(actor.user)
    return client


def person_url(person, name="orientation:person"):
    return reverse(name, kwargs={"pk": person.pk})


def send_form(sites, key, ranks=None, stay=(), decision=""):
    data = {"key": key, "choix": [s.pk for s in sites], "decision": decision}
    for position, site in enumerate(sites, start=1):
        data[f"rang_{site.pk}"] = str((ranks or {}).get(site.pk, position))
        if site in stay:
            data[f"rester_{site.pk}"] = "1"
    return data


@pytest.fixture
def followed(world):
    """world.person, followed by the DAC (its file)."""
    admission_file_open(actor=world.coordinator, person=world.person)
    return world.person


@pytest.fixture
def doctor(world, make_member):
    return make_member(
        world.coordinator.organisation, role=Role.COORDINATOR, professional_category=ProfessionalCategory.PHYSICIAN
    )[1]


def test_create_a_person_then_see_the_page(client, world):
    response = as_(client, world.coordinator).post(reverse("orientation:person_create"), NEW_PERSON)
    person = Person.objects.get(family_name="Bianchi")
    assert response.status_code == 302 and response.url == person_url(person)
    assert AdmissionFile.objects.get(person=person).author_organisation == world.coordinator.organisation
    page = client.get(person_url(person)).content.decode()
    assert "Bianchi" in page and "Bastia" in page and "Aucune demande d'admission envoyée" in page
    assert "Bianchi" in client.get(reverse("orientation:persons")).content.decode()


def test_possible_duplicates_are_shown_with_reasons_before_creating(client, world, followed):
    typo = {**NEW_PERSON, "family_name": "Le Gal", "first_names": "Yann", "birth_date": "1980-05-02"}
    response = as_(client, world.coordinator).post(reverse("orientation:person_create"), typo)
    page = response.content.decode()
    assert response.status_code == 200 and "C'est cette personne ?" in page
    assert "même date de naissance" in page and f'name="existing" value="{world.person.pk}"' in page
    assert person_url(world.person) in page and "/100" in page
    assert Person.objects.filter(birth_date=date(1980, 5, 2)).count() == 1  # nothing created yet
    # The read of the candidate is in the access log (identity vigilance), although the creation was rolled back.
    assert AccessLogEntry.objects.filter(subject=f"persons.person:{world.person.pk}", ground="identity_vigilance")

    picked = client.post(reverse("orientation:person_create"), {**typo, "existing": world.person.pk})
    assert picked.status_code == 302 and picked.url == person_url(world.person)

    confirmed = client.post(reverse("orientation:person_create"), {**typo, "confirm": "1"})
    assert confirmed.status_code == 302
    assert Person.objects.filter(birth_date=date(1980, 5, 2)).count() == 2


def test_a_candidate_out_of_scope_is_shown_without_its_identity(client, world):
    """The orientation side swaps family and first names of a person another organisation follows: the duplicate is
    caught, its identity is not shown, and the page says whom to contact."""
    admission_file_open(actor=world.mdph, person=world.person)
    swapped = {**NEW_PERSON, "family_name": "Yann", "first_names": "Le Gall", "birth_date": "1980-05-02"}
    page = as_(client, world.coordinator).post(reverse("orientation:person_create"), swapped).content.decode()
    assert "Une fiche proche existe, suivie hors de votre organisation (score 85/100)" in page
    assert world.mdph.organisation.name in page
    assert "Le Gall" not in page.split("C'est cette personne ?")[1].split("</table>")[0]
    assert 'name="existing"' not in page
    refused = client.post(reverse("orientation:person_create"), {**swapped, "existing": world.person.pk})
    assert refused.status_code == 400 and not AdmissionFile.objects.filter(
        author_organisation=world.coordinator.organisation
    )


def test_bad_identity_names_the_field_and_creates_nothing(client, world):
    response = as_(client, world.coordinator).post(
        reverse("orientation:person_create"), {**NEW_PERSON, "ins": "123", "birth_date": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Le matricule INS comporte 15 caractères" in page
    assert "id_birth_date_error" in page
    assert not Person.objects.filter(family_name="Bianchi").exists()


def test_record_an_mdph_decision(client, world):
    Category.objects.create(code="255", label="Maison d'accueil spécialisée", is_medico_social=True)
    as_(client, world.mdph)
    admission_file_open(actor=world.mdph, person=world.person)
    url = person_url(world.person, "orientation:decision_create")
    missing = client.post(url, {"kind": "mdph", "categories": ["255"]})
    assert "Une décision de la CDAPH a un identifiant" in missing.content.decode()
    response = client.post(
        url,
        {
            "kind": "mdph",
            "mdph_decision_id": "2A-2026-0042",
            "decision_date": "2026-01-10",
            "validity_start": "2026-01-10",
            "validity_end": "2031-01-09",
            "categories": ["255"],
            "care_types": ["permanent_accommodation"],
            "rights": ["aah"],
        },
    )
    assert response.status_code == 302
    decision = OrientationDecision.objects.get(person=world.person)
    assert (decision.organisation, decision.categories, decision.rights) == (world.mdph.organisation, ["255"], ["aah"])
    page = client.get(person_url(world.person)).content.decode()
    assert "2A-2026-0042" in page
    # The category by its name, its FINESS code in the tooltip only (decisions 0038, 0054).
    assert 'title="Catégorie FINESS : 255" tabindex="0">Maison d&#x27;accueil spécialisée</abbr>' in page
    assert "spécialisée (255)" not in page


def test_send_to_three_esms_ranked_and_a_double_submit_returns_the_same_requests(client, world, followed):
    as_(client, world.coordinator)
    url = person_url(followed, "orientation:requests_send")
    page = client.get(url, {"q": "Foyer", "choix": [world.sites[0].pk], "ajouter": world.sites[2].pk})
    text = page.content.decode()
    assert f'name="choix" value="{world.sites[2].pk}"' in text and 'name="key"' in text
    ranks = {world.sites[0].pk: 3, world.sites[1].pk: 1, world.sites[2].pk: 2}
    data = send_form(world.sites, "cle-unique-1", ranks=ranks, stay=[world.sites[1]])
    first = client.post(url, data)
    second = client.post(url, data)  # the double click
    assert first.status_code == second.status_code == 302
    requests = list(AdmissionRequest.objects.filter(person=followed).order_by("wish_rank"))
    assert [(r.site, r.wish_rank, r.status) for r in requests] == [
        (world.sites[1], 1, "39"),
        (world.sites[2], 2, "39"),
        (world.sites[0], 3, "39"),
    ]
    assert [r.stay_on_list for r in requests] == [True, False, False]
    page = client.get(person_url(followed)).content.decode()
    assert page.count("39 — ") >= 3 and "Foyer 1" in page


def test_sending_again_to_a_site_with_an_open_request_is_refused_in_french(client, world, followed):
    admission_requests_send(
        actor=world.coordinator, person=followed, sites_ranked=[world.sites[0]], idempotency_key="a"
    )
    response = as_(client, world.coordinator).post(
        person_url(followed, "orientation:requests_send"), send_form(world.sites[:2], "cle-2")
    )
    assert response.status_code == 400
    assert "Une demande est déjà en cours pour cette personne auprès de : « Foyer 0 »" in response.content.decode()
    assert AdmissionRequest.objects.filter(person=followed).count() == 1


def test_bad_rank_is_named(client, world, followed):
    response = as_(client, world.coordinator).post(
        person_url(followed, "orientation:requests_send"), send_form(world.sites[:1], "k", ranks={world.sites[0].pk: 0})
    )
    assert response.status_code == 400 and "Rang de « Foyer 0 »" in response.content.decode()
    assert not AdmissionRequest.objects.exists()


def test_orientation_cancels_a_request_with_a_reason_and_the_history_shows_it(client, world, followed):
    (request,) = admission_requests_send(
        actor=world.coordinator, person=followed, sites_ranked=[world.sites[0]], idempotency_key="c"
    )
    as_(client, world.coordinator)
    url = reverse("orientation:request_transition", kwargs={"pk": followed.pk, "request_pk": request.pk})
    without = client.post(url, {f"r{request.pk}-target": "49"})
    assert without.status_code == 302
    request.refresh_from_db()
    assert request.status == "39"  # 49 needs a reason (ASS_A32): refused, nothing written
    client.post(
        url, {f"r{request.pk}-target": "49", f"r{request.pk}-reason": "100", f"r{request.pk}-comment": "Déménage"}
    )
    request.refresh_from_db()
    assert (request.status, request.status_reason) == ("49", "100")
    step = StatusTransition.objects.get(request=request, to_status="49")
    assert step.actor_kind == "orientation" and step.comment == "Déménage"
    page = client.get(person_url(followed)).content.decode()
    # Words, not codes (decision 0038): the history names the statuses and the reason; codes in the tooltips.
    assert "Nouvelle demande</abbr>" in page and "Demande annulée</abbr>" in page and "Déménage" in page
    assert "Choix de la personne</abbr>" in page and 'title="Motif SI-SDO 100 — Volonté de l&#x27;usager"' in page
    assert '<option value="54">Demande réactivée</option>' in page  # reactivation is now offered


def test_esms_staff_see_the_page_but_no_orientation_action(client, world, followed):
    (request,) = admission_requests_send(
        actor=world.coordinator, person=followed, sites_ranked=[world.sites[0]], idempotency_key="e"
    )
    page = as_(client, world.staff[0]).get(person_url(followed)).content.decode()
    assert "Foyer 0" in page and "Nouveau statut" not in page
    url = reverse("orientation:request_transition", kwargs={"pk": followed.pk, "request_pk": request.pk})
    assert client.post(url, {f"r{request.pk}-target": "49", f"r{request.pk}-reason": "100"}).status_code == 403


@pytest.mark.parametrize(
    "name", ["orientation:person", "orientation:file_edit", "orientation:decision_create", "orientation:requests_send"]
)
def test_a_person_out_of_scope_is_a_404_like_a_missing_one(client, world, followed, name):
    as_(client, world.hospital)
    assert client.get(person_url(followed, name)).status_code == 404
    assert client.get(reverse(name, kwargs={"pk": 999_999})).status_code == 404


def test_a_request_of_another_person_is_a_404(client, world, followed):
    (request,) = admission_requests_send(
        actor=world.coordinator, person=followed, sites_ranked=[world.sites[0]], idempotency_key="f"
    )
    other = Person.objects.create(family_name="Autre", first_names="Ana", birth_date=date(1990, 1, 1), sex="F")
    admission_file_open(actor=world.coordinator, person=other)
    url = reverse("orientation:request_transition", kwargs={"pk": other.pk, "request_pk": request.pk})
    assert as_(client, world.coordinator).post(url, {}).status_code == 404


def test_analyst_sees_no_person(client, world, followed, make_organisation, make_member):
    _u, analyst = make_member(make_organisation(kind=OrganisationKind.ARS), role=Role.ANALYST)
    as_(client, analyst)
    assert client.get(reverse("orientation:persons")).status_code == 403
    assert client.get(person_url(followed)).status_code == 404


def test_the_page_view_is_in_the_access_log(client, world, followed):
    as_(client, world.coordinator).get(person_url(followed))
    entry = AccessLogEntry.objects.filter(action="read", subject=f"persons.person:{followed.pk}").latest("id")
    assert (entry.user_id, entry.ground, entry.detail) == (
        world.coordinator.user.pk,
        "orientation_request",
        "page de la personne",
    )


class TestMedicalPart:
    @pytest.fixture
    def medical(self, world, followed, doctor):
        admission_requests_send(
            actor=world.coordinator, person=followed, sites_ranked=[world.sites[0]], idempotency_key="m"
        )
        admission_file_medical_update(
            actor=doctor, person=followed, gir=2, care_needs="Aide totale au lever", medical_notes="Épilepsie"
        )
        return "Aide totale au lever"

    @staticmethod
    def shows(client, actor, person, text) -> bool:
        response = as_(client, actor).get(person_url(person))
        assert response.status_code == 200
        return text in response.content.decode()

    def test_the_author_reads_it(self, client, world, followed, doctor, medical):
        assert self.shows(client, doctor, followed, medical)
        entry = AccessLogEntry.objects.filter(action="read", user_id=doctor.user.pk).latest("id")
        assert entry.detail == "page de la personne, volet médical"

    def test_a_health_professional_of_a_receiving_esms_reads_it(self, client, world, followed, make_member, medical):
        _u, nurse = make_member(
            world.sites[0].organisation, role=Role.CARE_PROFESSIONAL, professional_category=ProfessionalCategory.NURSE
        )
        assert self.shows(client, nurse, followed, medical)

    def test_non_health_esms_staff_get_the_explanation(self, client, world, followed, medical):
        assert not self.shows(client, world.staff[0], followed, medical)
        assert self.shows(client, world.staff[0], followed, "Le volet médical n'est lisible que par")

    def test_another_coordinator_of_the_sending_organisation_does_not_read_it(self, client, world, followed, medical):
        assert not self.shows(client, world.coordinator, followed, medical)
        assert self.shows(client, world.coordinator, followed, "Le volet médical n'est lisible que par")

    def test_the_author_edits_it_and_a_non_health_coordinator_may_not(self, client, world, followed, doctor, medical):
        url = person_url(followed, "orientation:file_medical")
        assert as_(client, world.coordinator).get(url).status_code == 403
        response = as_(client, doctor).post(url, {"gir": "3", "care_needs": "Aide partielle", "medical_notes": ""})
        assert response.status_code == 302
        assert AdmissionFile.objects.get(person=followed).gir == 3


def test_administrative_part_form(client, world, followed):
    as_(client, world.coordinator)
    url = person_url(followed, "orientation:file_edit")
    refused = client.post(url, {"living_situation": "home", "urgency": "3", "urgency_reason": ""})
    assert "Une situation urgente ou critique demande un motif." in refused.content.decode()
    response = client.post(
        url,
        {
            "living_situation": "hospital",
            "urgency": "2",
            "urgency_reason": "Sortie d'hôpital",
            "wishes": "Près de sa fille",
        },
    )
    assert response.status_code == 302
    file = AdmissionFile.objects.get(person=followed)
    assert (file.living_situation, file.urgency, file.wishes) == ("hospital", 2, "Près de sa fille")


def test_same_ins_is_a_certain_duplicate_and_no_second_record_is_created(client, world, followed):
    ins = ins_with_key("1800529000001")
    person_update(actor=world.coordinator, person=world.person, ground="test", ins=ins)
    other_names = {**NEW_PERSON, "ins": ins}
    as_(client, world.coordinator)
    response = client.post(reverse("orientation:person_create"), other_names)
    page = response.content.decode()
    assert "Même personne (certain)" in page and 'name="confirm"' not in page
    client.post(reverse("orientation:person_create"), {**other_names, "confirm": "1"})
    assert not Person.objects.filter(family_name="Bianchi").exists()


def test_list_searches_the_persons_followed_and_logs_each_one_shown(client, world, followed):
    other = Person.objects.create(family_name="Autre", first_names="Ana", birth_date=date(1990, 1, 1), sex="F")
    as_(client, world.coordinator)
    page = client.get(reverse("orientation:persons"), {"q": "gall"}).content.decode()
    assert "Le Gall" in page and "Autre" not in page
    assert AccessLogEntry.objects.filter(subject=f"persons.person:{followed.pk}", detail="liste des personnes suivies")
    assert not AccessLogEntry.objects.filter(subject=f"persons.person:{other.pk}", action="read")
    assert "Le Gall" not in as_(client, world.hospital).get(reverse("orientation:persons")).content.decode()


def test_the_commune_is_found_by_name_or_insee_code_and_an_ambiguous_name_is_explained(client, world, followed):
    region = Region.objects.create(code="94", name="Corse")
    departement = Departement.objects.create(code="2A", name="Corse-du-Sud", region=region)
    Commune.objects.create(insee_code="2A004", name="Ajaccio", departement=departement)
    Commune.objects.create(insee_code="2A041", name="Bocognano", departement=departement)
    Commune.objects.create(insee_code="2A040", name="Bonifacio", departement=departement)
    url = person_url(followed, "orientation:file_edit")
    as_(client, world.coordinator)
    ambiguous = client.post(url, {"living_situation": "home", "urgency": "0", "commune": "Bo"}).content.decode()
    assert "Plusieurs communes correspondent à « Bo »" in ambiguous and "Bonifacio (2A040)" in ambiguous
    assert client.post(url, {"living_situation": "home", "urgency": "0", "commune": "ajaccio"}).status_code == 302
    assert AdmissionFile.objects.get(person=followed).commune_id == "2A004"
    assert "Ajaccio (2A004)" in client.get(url).content.decode()  # shown back as typed on the page
    person_page = client.get(person_url(followed)).content.decode()  # read: the name, the INSEE code in its tooltip
    assert 'title="Code commune INSEE : 2A004" tabindex="0">Ajaccio</abbr>' in person_page
    assert client.post(url, {"living_situation": "home", "urgency": "0", "commune": "2A041"}).status_code == 302
    assert AdmissionFile.objects.get(person=followed).commune_id == "2A041"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submits_of_one_form_create_the_requests_once(world):
    """Four copies of the same form (same hidden key) posted at the same moment: one send, four redirects."""
    import threading

    from django.db import connection, connections
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    admission_file_open(actor=world.coordinator, person=world.person)
    url = person_url(world.person, "orientation:requests_send")
    data = send_form(world.sites, "cle-concurrente")
    clients = [as_(Client(), world.coordinator) for _ in range(4)]
    start, statuses, errors = threading.Barrier(len(clients)), [], []

    def submit(client):
        try:
            start.wait()
            statuses.append(client.post(url, data).status_code)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and statuses == [302] * 4
    assert AdmissionRequest.objects.filter(person=world.person).count() == 3


def test_the_coordination_record_is_linked_for_members_of_the_circle_only(client, world, followed):
    page = as_(client, world.coordinator).get(person_url(followed)).content.decode()
    assert "dossier de coordination" not in page
    record_open(actor=world.coordinator, person=followed)
    page = client.get(person_url(followed)).content.decode()
    assert reverse("pathway:record_by_person", args=[followed.pk]) in page


def test_the_person_page_names_the_person_like_the_coordination_record(client, world, followed):
    """Issue 13: « André Alice » on the person page, « CARON Rose Eden » on the record: one heading for both
    (``person_name``); the used name moves to the identity, where the record shows it too."""
    Person.objects.filter(pk=followed.pk).update(used_name="Le Bihan")
    followed.refresh_from_db()
    record = record_open(actor=world.coordinator, person=followed)
    heading = f"<h1>{followed.family_name.upper()} {followed.first_names}</h1>"
    page = as_(client, world.coordinator).get(person_url(followed)).content.decode()
    assert heading in page and "<dt>Nom d'usage</dt><dd>Le Bihan</dd>" in page
    assert heading in client.get(reverse("pathway:record", args=[record.pk])).content.decode()
