"""Orientation rules hold (issue 12, item 4; decision 0033): coverage of the decision when sending (category, care mode,
unit age) with a recorded derogation; equal wish ranks refused; "Admettre" only with a free place; the other requests
closed in the admission's transaction (notified after the commit); matching keeps to the care modes asked for; the
same priority score on the waiting list and in matching."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relais.audit.models import AccessLogEntry
from relais.notifications.models import Notification
from relais.offer.models import Unit
from relais.orientation.admission.admit import NoPlaceLeft, admission_admit
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.follow_up import admitted_elsewhere
from relais.orientation.proposals.models import MatchProposal
from relais.orientation.proposals.selectors import instance_for_units, units_run_by
from relais.orientation.proposals.services import proposals_compute
from relais.orientation.requests.coverage import DecisionFacts, UnitFacts, coverage
from relais.orientation.requests.models import AdmissionRequest, StatusTransition, UnitRequestStatus
from relais.orientation.requests.services import (
    admission_request_transition,
    admission_requests_send,
    unit_request_transition,
)
from relais.orientation.waiting_list.selectors import filters_from, waiting_list
from relais.persons.services import person_create

from .conftest import years_ago

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]


def _years_ago(years: int, days: int = 10) -> date:
    return years_ago(years, days)


def send(world, sites, key, **kwargs):
    return admission_requests_send(
        actor=world.coordinator,
        person=world.adult,
        sites_ranked=sites,
        decision=world.decision,
        idempotency_key=key,
        **kwargs,
    )


# --- coverage, the pure rule ---------------------------------------------------------------------------------------


def test_coverage_rule_names_each_failing_part():
    mas_eam = DecisionFacts(categories=frozenset({"255", "448"}), care_modes=frozenset({"permanent_accommodation"}))
    ehpad = [UnitFacts("Hébergement", "permanent_accommodation", 60, None)]
    reasons = coverage(decision=mas_eam, category="500", category_label="EHPAD", units=ehpad, age=31)
    assert reasons[0] == "sa catégorie (EHPAD, 500) n'est pas dans la décision d'orientation (catégories 255, 448)"
    assert reasons[1] == "aucune de ses unités n'accueille une personne de 31 ans (« Hébergement » 60 ans et plus)"
    # A FAM decision (437, replaced by 448) covers an EAM; bounds are inclusive; no decision restricts no category.
    fam = DecisionFacts(categories=frozenset({"437"}), by_cdaph=True)
    eam = [UnitFacts("Internat", "internat", 18, 60)]
    assert coverage(decision=fam, category="448", category_label="EAM", units=eam, age=60) == []
    assert coverage(decision=DecisionFacts(), category="500", category_label="EHPAD", units=ehpad, age=75) == []
    day_care = DecisionFacts(care_modes=frozenset({"day_care"}))
    (why,) = coverage(decision=day_care, category="500", category_label="EHPAD", units=ehpad, age=75)
    assert why.startswith("aucune de ses unités ne propose le mode d'accueil de la décision (Accueil de jour")


# --- sending -------------------------------------------------------------------------------------------------------


def test_mas_eam_decision_to_an_ehpad_for_a_31_year_old_is_refused(offer):
    with pytest.raises(ValidationError) as caught:
        send(offer, [offer.sites[0], offer.sites[1]], "k-ehpad")
    text = " ".join(caught.value.messages)
    assert "« Foyer 1 » n'est pas couvert par la décision d'orientation" in text
    assert "EHPAD, 500" in text and "31 ans" in text and "dérogation" in text
    assert "Foyer 0" not in text  # the MAS is covered
    assert not AdmissionRequest.objects.filter(person=offer.adult).exists()  # nothing half-sent


def test_a_derogation_is_recorded_on_the_uncovered_request_only(offer):
    mas, ehpad = send(offer, [offer.sites[0], offer.sites[1]], "k-derog", derogation="  Rapprochement familial.  ")
    ehpad.refresh_from_db()
    mas.refresh_from_db()
    assert (ehpad.derogation_reason, ehpad.has_derogation) == ("Rapprochement familial.", True)
    assert ehpad.derogation_by == offer.coordinator.public_label and ehpad.derogation_at is not None
    assert not mas.has_derogation and mas.derogation_at is None
    transition = StatusTransition.objects.get(request=ehpad)
    assert transition.comment == "Envoi par dérogation : Rapprochement familial."
    entry = AccessLogEntry.objects.get(
        action="create", object_type="orientation.admissionrequest", object_id=str(ehpad.pk)
    )
    assert entry.detail == "dérogation : Rapprochement familial."


def test_unit_age_bounds_and_care_modes(offer):
    send(offer, [offer.sites[0], offer.sites[2]], "k-adult")  # 31: the MAS (20–59) and the EAM (18–60) take them
    older = person_create(
        actor=offer.coordinator, ground="test", family_name="Le Bihan", first_names="Loïc",
        birth_date=_years_ago(61), sex="M",
    )  # fmt: skip
    decision = OrientationDecision.objects.create(
        person=older, kind="mdph", mdph_decision_id="CDAPH-29-0061",
        validity_end=timezone.localdate() + timedelta(days=30), categories=["255", "448"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="aucune de ses unités n'accueille une personne de 61 ans"):
        admission_requests_send(
            actor=offer.coordinator, person=older, sites_ranked=[offer.sites[0]], decision=decision, idempotency_key="o"
        )
    decision.care_types = ["day_care"]
    decision.save()
    with pytest.raises(ValidationError, match="ne propose le mode d'accueil de la décision"):
        admission_requests_send(
            actor=offer.coordinator, person=older, sites_ranked=[offer.sites[2]], decision=decision, idempotency_key="d"
        )


def test_equal_wish_ranks_are_refused_in_the_service(offer):
    with pytest.raises(ValidationError) as caught:
        send(offer, [offer.sites[0], offer.sites[2]], "k-rank", wish_ranks=[2, 2])
    assert caught.value.messages == [
        "Le rang de souhait 2 est donné à plusieurs établissements (« Foyer 0 », « Foyer 2 ») : donnez à chacun un "
        "rang différent."
    ]
    first, second = send(offer, [offer.sites[0], offer.sites[2]], "k-rank2", wish_ranks=[2, 1])
    assert (first.site, first.wish_rank, second.site, second.wish_rank) == (offer.sites[2], 1, offer.sites[0], 2)


def test_send_screen_lists_covered_esms_explains_others_and_takes_a_derogation(offer):
    client = Client()
    client.force_login(offer.coordinator.user)
    url = reverse("orientation:requests_send", args=[offer.adult.pk])
    html = client.get(url, {"q": "Foyer"}).content.decode()
    assert "Ajouter Foyer 0" in html and "Ajouter Foyer 2" in html and "Ajouter Foyer 1" not in html
    assert "1 établissement hors de la décision" in html
    html = client.get(url, {"q": "Foyer", "hors_decision": "1"}).content.decode()
    assert "Ajouter Foyer 1" in html and "Hors de la décision : sa catégorie (EHPAD, 500)" in html
    chosen = {"choix": [offer.sites[0].pk, offer.sites[1].pk], "key": "web-1", "decision": offer.decision.pk}
    ranks = {f"rang_{offer.sites[0].pk}": "1", f"rang_{offer.sites[1].pk}": "1"}
    response = client.post(url, {**chosen, **ranks})
    assert response.status_code == 400
    assert "Le rang de souhait 1 est donné à plusieurs établissements" in response.content.decode()
    ranks[f"rang_{offer.sites[1].pk}"] = "2"
    response = client.post(url, {**chosen, **ranks})
    assert response.status_code == 400 and "n&#x27;est pas couvert par la décision" in response.content.decode()
    response = client.post(url, {**chosen, **ranks, "derogation": "1", "justification": ""})
    assert "Justification de la dérogation" in response.content.decode()
    response = client.post(url, {**chosen, **ranks, "derogation": "1", "justification": "Souhait de la famille."})
    assert response.status_code == 302
    ehpad = AdmissionRequest.objects.get(person=offer.adult, site=offer.sites[1])
    assert ehpad.derogation_reason == "Souhait de la famille." and ehpad.wish_rank == 2
    page = client.get(reverse("orientation:person", args=[offer.adult.pk])).content.decode()
    assert "par dérogation" in page and "Souhait de la famille." in page


# --- admission -----------------------------------------------------------------------------------------------------


def _on_list(world, request, staff):
    for target in ("40", "42"):
        request = admission_request_transition(actor=staff, request=request, target=target)
    return request


@pytest.fixture
def three(offer):
    """The adult has requests at the MAS (site 0, on its list), the EHPAD (by derogation) and the EAM (read)."""
    mas, ehpad, eam = send(offer, offer.sites, "k-three", derogation="Essai.")
    mas = _on_list(offer, mas, offer.staff[0])
    eam = admission_request_transition(actor=offer.staff[2], request=eam, target="40")
    unit_request_transition(actor=offer.staff[2], request=eam, unit=offer.eam_unit, target="182")
    return mas, ehpad, eam


def test_admission_closes_the_other_requests_in_its_transaction_and_notifies_after_commit(
    offer, three, django_capture_on_commit_callbacks
):
    mas, ehpad, eam = three
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admission_admit(actor=offer.staff[0], request=mas, unit=offer.unit, keep_request_ids=[ehpad.pk])
    eam.refresh_from_db()
    ehpad.refresh_from_db()
    assert (eam.status, eam.status_reason) == ("46", "119")
    assert UnitRequestStatus.objects.get(request=eam, unit=offer.eam_unit).status == "180"
    assert ehpad.status == "39" and ehpad.stay_on_list  # kept: the daily follow-up leaves it too
    assert not Notification.objects.filter(recipient=offer.staff[2].user).exists()  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    (notice,) = Notification.objects.filter(recipient=offer.staff[2].user)
    assert notice.kind == "orientation.admitted_elsewhere" and "Kerhervé" not in notice.body
    assert not Notification.objects.filter(recipient=offer.staff[1].user).exists()


def test_by_default_the_requests_marked_stay_on_list_are_kept(offer, three):
    mas, ehpad, eam = three
    AdmissionRequest.objects.filter(pk=eam.pk).update(stay_on_list=True)
    admission_admit(actor=offer.staff[0], request=mas, unit=offer.unit)
    statuses = dict(AdmissionRequest.objects.filter(person=offer.adult).values_list("pk", "status"))
    assert statuses == {mas.pk: "71", ehpad.pk: "46", eam.pk: "40"}


def test_a_failed_admission_closes_nothing_and_notifies_no_one(
    offer, three, monkeypatch, django_capture_on_commit_callbacks
):
    mas, ehpad, eam = three
    Unit.objects.filter(pk=offer.unit.pk).update(available=0)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(NoPlaceLeft):
        admission_admit(actor=offer.staff[0], request=mas, unit=offer.unit)
    assert callbacks == []
    # A failure while closing (after the place was taken) undoes the whole admission.
    Unit.objects.filter(pk=offer.unit.pk).update(available=2)
    real = admitted_elsewhere.admission_request_transition

    def fails_on_eam(*, request, **kwargs):
        if request.pk == eam.pk:
            raise ValidationError("Changé entre-temps.")
        return real(request=request, **kwargs)

    monkeypatch.setattr(admitted_elsewhere, "admission_request_transition", fails_on_eam)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError, match="Changé"):
        admission_admit(actor=offer.staff[0], request=mas, unit=offer.unit)
    assert callbacks == []
    statuses = dict(AdmissionRequest.objects.filter(person=offer.adult).values_list("pk", "status"))
    assert statuses == {mas.pk: "42", ehpad.pk: "39", eam.pk: "40"}
    assert Unit.objects.get(pk=offer.unit.pk).available == 2
    assert UnitRequestStatus.objects.get(request=eam, unit=offer.eam_unit).status == "182"


def test_without_a_free_place_the_confirmation_says_so_and_the_page_says_what_to_do(offer, three):
    mas, _ehpad, _eam = three
    client = Client()
    client.force_login(offer.staff[0].user)
    page = reverse("orientation:esms_request", args=[mas.pk])
    html = client.get(page).content.decode()
    assert "Admettre dans l'unité « Hébergement »" in html
    assert "Garder sur la liste de « Foyer 1 » (souhait n° 2)" in html  # the choice of what to keep (0043)
    Unit.objects.filter(pk=offer.unit.pk).update(available=0)
    html = client.get(page).content.decode()
    # Still offered (no detour through the capacity page), with what happens to the figures said plainly.
    assert "Admettre dans l'unité « Hébergement »" in html
    assert "Aucune place n'est déclarée libre" in html and "restent à 0" in html
    assert reverse("offer:capacity_unit", args=[offer.unit.pk]) in html
    # Posted anyway (an old page): refused under the lock, without blaming a colleague.
    response = client.post(
        reverse("orientation:esms_request_admit", args=[mas.pk]), {"unit": offer.unit.pk, "from": "42"}, follow=True
    )
    text = response.content.decode()
    assert "L&#x27;unité « Hébergement » n&#x27;a aucune place disponible" in text and "collègue" not in text


def test_the_last_place_taken_by_someone_else_is_said_so(offer, three, make_member):
    mas, _ehpad, _eam = three
    colleague = make_member(offer.sites[0].organisation, role="admission_officer")[1]
    other = person_create(
        actor=offer.coordinator, ground="test", family_name="Tanguy", first_names="Rozenn",
        birth_date=_years_ago(40), sex="F",
    )  # fmt: skip
    theirs_decision = OrientationDecision.objects.create(
        person=other, kind="mdph", mdph_decision_id="CDAPH-29-0040",
        validity_end=timezone.localdate() + timedelta(days=30), categories=["255"],
    )  # fmt: skip
    (theirs,) = admission_requests_send(
        actor=offer.coordinator, person=other, sites_ranked=[offer.sites[0]], decision=theirs_decision,
        idempotency_key="t",
    )  # fmt: skip
    theirs = _on_list(offer, theirs, colleague)
    Unit.objects.filter(pk=offer.unit.pk).update(available=1)
    admission_admit(actor=colleague, request=theirs, unit=offer.unit)
    with pytest.raises(NoPlaceLeft, match="La dernière place de l'unité « Hébergement » vient d'être prise"):
        admission_admit(actor=offer.staff[0], request=mas, unit=offer.unit)


# --- matching and the priority score -------------------------------------------------------------------------------


def test_matching_never_proposes_a_care_mode_the_person_did_not_ask_for(offer, three):
    mas, _ehpad, _eam = three
    OrientationDecision.objects.filter(pk=offer.decision.pk).update(care_types=[])
    temporary = Unit.objects.create(
        site=offer.sites[0], name="Hébergement temporaire", care_mode="temporary_accommodation",
        installed=4, available=4, age_min=20, age_max=59,
    )  # fmt: skip
    Unit.objects.filter(pk=offer.unit.pk).update(available=0)
    # The ESMS put the person on its permanent unit's list only (admissible there).
    for target in ("182", "183"):
        unit_request_transition(actor=offer.staff[0], request=mas, unit=offer.unit, target=target)
    _run, created = proposals_compute(actor=offer.staff[0], units=units_run_by(offer.staff[0]))
    assert created == [] and not MatchProposal.objects.filter(unit=temporary).exists()
    # On both lists, the temporary place may be proposed.
    unit_request_transition(actor=offer.staff[0], request=mas, unit=temporary, target="182")
    _run, created = proposals_compute(actor=offer.staff[0], units=units_run_by(offer.staff[0]))
    assert [(p.request_id, p.unit_id) for p in created] == [(mas.pk, temporary.pk)]


def test_the_priority_score_is_the_same_on_the_waiting_list_and_in_matching(offer, three):
    mas, _ehpad, _eam = three
    # The row was created long before it was sent (an import): the time waited counts from the sending, everywhere.
    AdmissionRequest.objects.filter(pk=mas.pk).update(created_at=timezone.now() - timedelta(days=400))
    first = StatusTransition.objects.filter(request=mas, level="esms").order_by("at", "pk").first()
    today = timezone.localdate(first.at) + timedelta(days=123)
    (row,) = waiting_list(actor=offer.staff[0], filters=filters_from({}), today=today).rows
    instance = instance_for_units(units_run_by(offer.staff[0]), today=today)
    record = instance.request_record(list(instance.r_id).index(mas.pk))
    assert row.days_waited == record.days_waited == 123
    from relais.matching.priority import priority_total

    total = priority_total(urgency=record.urgency, days_waited=record.days_waited, wish_rank=record.wish_rank,
                           distance_km=None)  # fmt: skip
    assert row.score.total == total
