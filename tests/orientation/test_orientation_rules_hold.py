"""Orientation rules hold, the review's four gaps (issue 12 item 4; decision 0033, "Review"): a disability ESMS needs
a CDAPH decision; an admission by any path (screen, FHIR Task) closes the other requests at once; matching reads
categories as sending does (current codes, derogations); a request the admission screen did not show is never closed.
Each test fails on the code before the fix."""

import ast
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import relais
from relais.audit.models import AccessLogEntry
from relais.notifications.models import Notification
from relais.offer.codes import Domain
from relais.offer.models import Site, Unit
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import DecisionKind, OrientationDecision
from relais.orientation.fhir import codes as fhir_codes
from relais.orientation.follow_up.services import orientation_tick
from relais.orientation.proposals.models import MatchProposal
from relais.orientation.proposals.selectors import asked_care_modes, oriented_categories, units_run_by
from relais.orientation.proposals.services import proposals_compute
from relais.orientation.requests import statuses as st
from relais.orientation.requests.coverage import (
    DOMAINS_NEEDING_A_DECISION,
    DecisionFacts,
    UnitFacts,
    coverage,
    decisions_to_name,
    needs_a_decision,
)
from relais.orientation.requests.models import AdmissionRequest
from relais.orientation.requests.services import (
    admission_request_transition,
    admission_requests_send,
    unit_request_transition,
)
from relais.orientation.waiting_list.selectors import filters_from, waiting_list
from relais.persons.services import person_create
from relais.territory.models import Commune, Departement, Region

from .conftest import years_ago

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]


def send(world, sites, key, *, decision="default", person=None, **kwargs):
    return admission_requests_send(
        actor=world.coordinator,
        person=person or world.adult,
        sites_ranked=sites,
        decision=world.decision if decision == "default" else decision,
        idempotency_key=key,
        **kwargs,
    )


def on_list(request, staff, *targets):
    for target in ("40", "42", *targets):
        request = admission_request_transition(actor=staff, request=request, target=target)
    return request


# --- 1. A disability ESMS admits only on a CDAPH decision -----------------------------------------------------------


def test_the_categories_needing_a_decision_come_from_the_offer_codes():
    assert {Domain.DISABLED_CHILDREN, Domain.DISABLED_ADULTS} == DOMAINS_NEEDING_A_DECISION
    # MAS, FAM (replaced by EAM), EAM, IME, ESAT, SESSAD, SAMSAH, SAVS, experimental ESMS for disabled persons
    for code in ("255", "437", "448", "183", "246", "182", "445", "446", "370"):
        assert needs_a_decision(code), code
    # EHPAD, résidence autonomie, SSIAD (multi-public), CAMSP and CMPP (free access), an unknown category
    for code in ("500", "202", "354", "190", "189", ""):
        assert not needs_a_decision(code), code
    assert decisions_to_name([("255", "M.A.S."), ("500", "EHPAD"), ("437", "FAM")]) == [
        "une décision d'orientation de la CDAPH vers : MAS (255)",
        "une décision d'orientation de la CDAPH vers : EAM (448)",
    ]
    # Without a CDAPH decision a MAS is not covered, whatever else; an EHPAD is.
    units = [UnitFacts("Hébergement", "permanent_accommodation")]
    (why,) = coverage(decision=DecisionFacts(), category="255", category_label="MAS", units=units, age=31)
    assert why.startswith("cet établissement (MAS (255)) n'admet que sur décision d'orientation de la CDAPH")
    assert coverage(decision=DecisionFacts(), category="500", category_label="EHPAD", units=units, age=80) == []


def test_a_request_to_a_mas_without_any_decision_is_refused_even_by_derogation(offer):
    for kwargs in ({}, {"derogation": "Urgence familiale."}):
        with pytest.raises(ValidationError) as caught:
            send(offer, [offer.sites[0], offer.sites[2]], "k-none", decision=None, **kwargs)
        assert {e.code for e in caught.value.error_list} == {"decision_required"}
        first, second, what_to_do = caught.value.messages
        assert first.startswith("« Foyer 0 », MAS (255), n'admet que sur décision d'orientation de la CDAPH (MDPH)")
        assert second.startswith("« Foyer 2 », EAM (448), n'admet que")
        assert what_to_do.startswith(
            "Il faut une décision d'orientation de la CDAPH vers : MAS (255) ; une décision d'orientation de la "
            "CDAPH vers : EAM (448). Si la personne en a une, enregistrez-la sur sa fiche"
        )
        assert "demander à la MDPH" in what_to_do
    assert not AdmissionRequest.objects.filter(person=offer.adult).exists()
    # An older person's request without decision does not cover a MAS either; it covers an EHPAD.
    without = OrientationDecision.objects.create(person=offer.adult, kind=DecisionKind.WITHOUT_DECISION)
    with pytest.raises(ValidationError) as caught:
        send(offer, [offer.sites[0]], "k-without", decision=without)
    assert {e.code for e in caught.value.error_list} == {"decision_required"}
    assert "la décision choisie n'est pas une décision de la CDAPH" in caught.value.messages[0]
    older = person_create(
        actor=offer.coordinator, ground="test", family_name="Le Bihan", first_names="Loïc",
        birth_date=years_ago(82), sex="M",
    )  # fmt: skip
    (ehpad,) = send(offer, [offer.sites[1]], "k-older", decision=None, person=older)
    assert ehpad.status == st.NOTIFIED


def test_the_send_screen_hides_a_mas_without_decision_and_says_what_to_do(offer):
    OrientationDecision.objects.filter(pk=offer.decision.pk).delete()
    client = Client()
    client.force_login(offer.coordinator.user)
    url = reverse("orientation:requests_send", args=[offer.adult.pk])
    html = client.get(url, {"q": "Foyer"}).content.decode()
    assert "Ajouter Foyer 0" not in html and "Ajouter Foyer 2" not in html
    html = client.get(url, {"q": "Foyer", "hors_decision": "1"}).content.decode()
    assert "n&#x27;admet que sur décision d&#x27;orientation de la CDAPH" in html
    response = client.post(url, {"choix": [offer.sites[0].pk], "key": "web-1", f"rang_{offer.sites[0].pk}": "1"})
    assert response.status_code == 400
    assert "Il faut une décision d&#x27;orientation de la CDAPH vers : MAS (255)" in response.content.decode()
    assert not AdmissionRequest.objects.filter(person=offer.adult).exists()


# --- 2. Settled by any path: the other requests close in the same transaction ---------------------------------------


def post_task(client, headers, request, status, identifier):
    task = {
        "resourceType": "Task",
        "meta": {"profile": [fhir_codes.SDO_TASK_PROFILE]},
        "identifier": [{"system": "urn:logiciel-esms:task", "value": identifier}],
        "status": "completed",
        "intent": "plan",
        "focus": {"identifier": {"system": fhir_codes.REQUEST_SYSTEM, "value": str(request.pk)}},
        "businessStatus": {"coding": [{"system": fhir_codes.STATUS_SYSTEM, "code": status}]},
    }
    return client.post("/fhir/Task", data=json.dumps(task), content_type="application/fhir+json", **headers)


def test_an_admission_reported_by_a_fhir_task_closes_the_other_requests_at_once(
    offer, fhir_token, django_capture_on_commit_callbacks
):
    mas, eam = send(offer, [offer.sites[0], offer.sites[2]], "k-fhir")
    eam = admission_request_transition(actor=offer.staff[2], request=eam, target="40")
    client, headers = Client(), fhir_token(offer.sites[0].organisation)
    for n, status in enumerate(("40", "42", "72"), start=1):  # intermediate statuses close nothing
        assert post_task(client, headers, mas, status, f"t-{n}").status_code == 201
        eam.refresh_from_db()
        assert eam.status == "40", status
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_task(client, headers, mas, st.ADMITTED, "t-admitted")
    assert response.status_code == 201
    eam.refresh_from_db()
    assert (eam.status, eam.status_reason) == (st.ADMISSION_IMPOSSIBLE_CONFIRMED, st.REASON_ADMITTED_ELSEWHERE)
    # The ESMS of the closed request is notified after the commit, not the next morning.
    assert not Notification.objects.filter(recipient=offer.staff[2].user).exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert Notification.objects.filter(recipient=offer.staff[2].user, kind="orientation.admitted_elsewhere").exists()


def test_by_fhir_a_kept_request_stays_and_later_changes_of_the_stay_close_nothing(offer, fhir_token):
    mas, eam = send(offer, [offer.sites[0], offer.sites[2]], "k-fhir-2")
    AdmissionRequest.objects.filter(pk=eam.pk).update(stay_on_list=True)
    client, headers = Client(), fhir_token(offer.sites[0].organisation)
    for n, status in enumerate(("40", "42", "72", st.ADMITTED)):
        assert post_task(client, headers, mas, status, f"a-{n}").status_code == 201
    eam.refresh_from_db()
    assert eam.status == st.NOTIFIED  # kept on the list (``stay_on_list``, the default of machine callers)
    # The stay goes on (71 → 43 → 47): that settles nobody anew, so nothing more is closed.
    AdmissionRequest.objects.filter(pk=eam.pk).update(stay_on_list=False)
    for n, status in enumerate((st.TRIAL, st.ENTERED)):
        assert post_task(client, headers, mas, status, f"e-{n}").status_code == 201
    mas.refresh_from_db()
    eam.refresh_from_db()
    assert (mas.status, eam.status) == (st.ENTERED, st.NOTIFIED)


def test_every_esms_status_change_goes_through_the_closing_service():
    """No path may settle a person without closing the other requests: the plain status service is called only by
    the one closing service and by the writes whose targets are ended statuses (cancellations, expiry, merge)."""
    allowed = {
        "orientation/requests/services.py": "defines it (and the admission undone)",
        "orientation/follow_up/admitted_elsewhere.py": "the closing service itself, and the 46 + 119 closings",
        "orientation/decisions/services.py": "expiry (49) and cancellation (37) of a decision's requests",
        "orientation/requests/merge.py": "the duplicate's request cancelled at a merge",
    }
    root = Path(relais.__file__).parent
    callers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name == "admission_request_transition":
                    callers.add(path.relative_to(root).as_posix())
    assert callers - set(allowed) == set()
    assert {"orientation/follow_up/admitted_elsewhere.py", "orientation/decisions/services.py"} <= callers


# --- 3. Matching reads categories as sending does --------------------------------------------------------------------


def _free(unit, places=1):
    Unit.objects.filter(pk=unit.pk).update(installed=10, available=places)


def test_a_fam_decision_is_matched_to_an_eam_unit(offer):
    OrientationDecision.objects.filter(pk=offer.decision.pk).update(categories=["437"])
    offer.decision.refresh_from_db()
    (eam,) = send(offer, [offer.sites[2]], "k-fam")  # sending accepts it: coverage reads 437 as 448
    eam = on_list(eam, offer.staff[2])
    assert oriented_categories(eam) == {"448"}
    _free(offer.eam_unit)
    _run, created = proposals_compute(actor=offer.staff[2], units=units_run_by(offer.staff[2]))
    assert [(p.request_id, p.unit_id) for p in created] == [(eam.pk, offer.eam_unit.pk)]


def test_a_request_sent_by_derogation_may_be_matched(offer):
    OrientationDecision.objects.filter(pk=offer.decision.pk).update(categories=["255"])  # MAS only
    offer.decision.refresh_from_db()
    (eam,) = send(offer, [offer.sites[2]], "k-derog", derogation="Place proche de la famille.")
    eam = on_list(eam, offer.staff[2])
    assert oriented_categories(eam) == {"255", "448"}
    _free(offer.eam_unit)
    _run, created = proposals_compute(actor=offer.staff[2], units=units_run_by(offer.staff[2]))
    assert [(p.request_id, p.unit_id) for p in created] == [(eam.pk, offer.eam_unit.pk)]


def test_matching_never_proposes_a_care_mode_outside_the_decision_or_the_lists(offer):
    (mas,) = send(offer, [offer.sites[0]], "k-modes")
    mas = on_list(mas, offer.staff[0])
    day = Unit.objects.create(
        site=offer.sites[0], name="Accueil de jour", care_mode="day_care", installed=5, available=5, age_min=20
    )
    Unit.objects.filter(pk=offer.unit.pk).update(available=0)
    # The decision asks permanent care; the ESMS even put the person on its day-care list: still not proposed.
    unit_request_transition(actor=offer.staff[0], request=mas, unit=day, target="182")
    assert asked_care_modes(AdmissionRequest.objects.get(pk=mas.pk)) == {"permanent_accommodation"}
    _run, created = proposals_compute(actor=offer.staff[0], units=units_run_by(offer.staff[0]))
    assert created == [] and not MatchProposal.objects.filter(unit=day).exists()


# --- 4. The admission screen closes only what it showed ------------------------------------------------------------


@pytest.fixture
def shown(offer):
    """The adult is on the MAS's list and has a request at the EAM; the MAS's admission page is displayed."""
    mas, eam = send(offer, [offer.sites[0], offer.sites[2]], "k-shown")
    mas = on_list(mas, offer.staff[0])
    client = Client()
    client.force_login(offer.staff[0].user)
    # The confirmation (on the request page) lists the other requests that will close (decision 0043).
    html = client.get(reverse("orientation:esms_request", args=[mas.pk])).content.decode()
    assert f'name="affichees" value="{eam.pk}"' in html
    assert "Garder sur la liste de « Foyer 2 »" in html
    offer.client, offer.mas, offer.eam = client, mas, eam
    return offer


def test_the_request_page_is_one_access_log_entry_naming_the_other_requests_it_shows(shown):
    """The page showed the EAM request beside the MAS's: one entry for the page says so (not a second entry)."""
    entries = AccessLogEntry.objects.filter(object_id=str(shown.mas.pk), action="read")
    assert list(entries.values_list("detail", flat=True)) == [
        "page de la demande (ESMS), avec les autres demandes en cours (1) pour l'admission"
    ]


def _late_request(world):
    """A request sent to a fourth ESMS (another MAS) after the admission page was displayed."""
    later = Site.objects.create(
        finess="290000109", name="Foyer 3", legal_entity=world.sites[0].legal_entity, category=world.sites[0].category
    )
    Unit.objects.create(site=later, name="Internat", care_mode="permanent_accommodation", age_min=18)
    (late,) = send(world, [later], "k-late")
    return late


def test_a_request_sent_after_the_page_was_displayed_is_not_closed_and_is_named(shown):
    late = _late_request(shown)
    response = shown.client.post(
        reverse("orientation:esms_request_admit", args=[shown.mas.pk]),
        {"unit": shown.unit.pk, "from": shown.mas.status, "affichees": [shown.eam.pk]},
        follow=True,
    )
    text = response.content.decode()
    shown.eam.refresh_from_db()
    late.refresh_from_db()
    assert shown.eam.status == st.ADMISSION_IMPOSSIBLE_CONFIRMED  # shown, not kept: closed
    assert (late.status, late.stay_on_list) == (st.NOTIFIED, True)  # unseen: left open, kept for the daily job too
    assert "1 autre(s) demande(s) de la personne close(s)" in text
    assert "Demande(s) envoyée(s) après l&#x27;affichage de la page" in text
    assert "« Foyer 3 » (souhait n° 3)" in text


def test_kept_requests_stay_and_a_form_without_the_list_closes_nothing(shown):
    late = _late_request(shown)
    admit = reverse("orientation:esms_request_admit", args=[shown.mas.pk])
    shown.client.post(admit, {"unit": shown.unit.pk, "from": shown.mas.status})  # an old page, no list posted
    statuses = dict(AdmissionRequest.objects.filter(person=shown.adult).values_list("pk", "status"))
    assert statuses == {shown.mas.pk: st.ADMITTED, shown.eam.pk: st.NOTIFIED, late.pk: st.NOTIFIED}


def test_a_kept_request_shown_on_the_page_stays_open(shown):
    shown.client.post(
        reverse("orientation:esms_request_admit", args=[shown.mas.pk]),
        {"unit": shown.unit.pk, "from": shown.mas.status, "affichees": [shown.eam.pk], "garder": [shown.eam.pk]},
    )
    shown.eam.refresh_from_db()
    assert (shown.eam.status, shown.eam.stay_on_list) == (st.NOTIFIED, True)


def test_the_daily_job_leaves_the_unseen_request_open_too(shown):
    late = _late_request(shown)
    shown.client.post(
        reverse("orientation:esms_request_admit", args=[shown.mas.pk]),
        {"unit": shown.unit.pk, "from": shown.mas.status, "affichees": [shown.eam.pk]},
    )
    summary = orientation_tick(today=timezone.localdate() + timedelta(days=1))
    assert summary["admitted_elsewhere"] == 0
    late.refresh_from_db()
    assert late.status == st.NOTIFIED


# --- The other sentences of item 4, re-checked ----------------------------------------------------------------------


def test_the_priority_score_with_a_distance_is_the_same_on_the_waiting_list_and_in_the_proposal(offer):
    region = Region.objects.create(code="53", name="Bretagne")
    finistere = Departement.objects.create(code="29", name="Finistère", region=region)
    quimper = Commune.objects.create(
        insee_code="29232", name="Quimper", departement=finistere, latitude=47.996, longitude=-4.102
    )
    AdmissionFile.objects.filter(person=offer.adult).update(commune=quimper, urgency=2, urgency_reason="rupture")
    Site.objects.filter(pk=offer.sites[0].pk).update(latitude=48.390, longitude=-4.486)  # Brest, about 52 km
    (mas,) = send(offer, [offer.sites[0]], "k-score")
    on_list(mas, offer.staff[0])
    (row,) = waiting_list(actor=offer.staff[0], filters=filters_from({})).rows
    _run, (proposal,) = proposals_compute(actor=offer.staff[0], units=units_run_by(offer.staff[0]))
    assert row.distance_km is not None and row.distance_km > 40
    assert proposal.request_id == mas.pk and proposal.score == row.score.total
