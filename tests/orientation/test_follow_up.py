"""The daily follow-up (orientation_tick): admitted elsewhere, reminders, decision expiry and cancellation."""

import io
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from relais.audit.models import AccessLogEntry
from relais.notifications.models import Notification
from relais.notifications.services import organisation_notification_setting_set
from relais.offer.models import Unit
from relais.orientation.decisions.models import DecisionStatus
from relais.orientation.decisions.services import (
    orientation_decision_cancel,
    orientation_decision_create,
    orientation_decision_expire,
)
from relais.orientation.follow_up import admitted_elsewhere
from relais.orientation.requests.models import AdmissionRequest, StatusTransition, UnitRequestStatus
from relais.orientation.requests.services import (
    admission_request_transition,
    admission_requests_send,
    unit_request_transition,
)

TODAY = timezone.localdate()


def tick(*args):
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):  # e-mails leave after each commit
        call_command("orientation_tick", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


def send(world, *, decision=None, key="k1", actor=None, sites=None):
    return admission_requests_send(
        actor=actor or world.coordinator,
        person=world.person,
        sites_ranked=sites or world.sites,
        decision=decision,
        idempotency_key=key,
    )


def move(actor, request, *targets):
    for target in targets:
        request = admission_request_transition(actor=actor, request=request, target=target)
    return request


def admit(world, request):
    return move(world.staff[0], request, "40", "42", "72", "71")


def notified(actor, kind=None):
    rows = Notification.objects.filter(recipient=actor.user)
    return list(rows.filter(kind=kind) if kind else rows)


@pytest.fixture
def unit1(world):
    return Unit.objects.create(site=world.sites[1], name="Accueil de jour", care_mode="day_care")


def test_admitted_elsewhere_closes_the_other_requests_with_119(world, unit1, mailoutbox):
    r0, r1, r2 = send(world)
    move(world.staff[1], r1, "40", "42")
    unit_request_transition(actor=world.staff[1], request=r1, unit=unit1, target="182")
    admit(world, r0)

    summary = tick()

    assert summary["admitted_elsewhere"] == 2 and summary["unit_pairs_removed"] == 1 and summary["errors"] == []
    for request in (r1, r2):
        request.refresh_from_db()
        assert (request.status, request.status_reason) == ("46", "119")
        last = StatusTransition.objects.filter(request=request, level="esms").last()
        assert (last.actor_kind, last.source, last.user_id) == ("system", "system", None)
    pair = UnitRequestStatus.objects.get(request=r1, unit=unit1)
    assert (pair.status, pair.status_reason) == ("180", "95")
    r0.refresh_from_db()
    assert r0.status == "71"
    # The ESMS whose request was closed, and the coordinator who sent them; not the admitting ESMS.
    assert len(notified(world.staff[1])) == 1 and len(notified(world.staff[2])) == 1
    assert notified(world.staff[0]) == []
    assert len(notified(world.coordinator, "orientation.admitted_elsewhere")) == 2
    # Links into Relais, where the access rules apply: the ESMS's request page, the sender's person page.
    assert notified(world.staff[1])[0].link == f"/orientation/esms/demandes/{r1.pk}/"
    assert notified(world.coordinator)[0].link == f"/orientation/personnes/{world.person.pk}/"
    # Initials only: the e-mails do not carry the person's name.
    assert mailoutbox and all("Le Gall" not in m.body and "Le Gall" not in m.subject for m in mailoutbox)
    assert any("Y. L." in m.subject for m in mailoutbox)


def test_tick_twice_the_same_day_changes_nothing(world, unit1, mailoutbox):
    r0, _r1, _r2 = send(world)
    admit(world, r0)
    first = tick()
    counts = (StatusTransition.objects.count(), Notification.objects.count(), len(mailoutbox))
    second = tick()
    assert first["admitted_elsewhere"] == 2
    assert {k: v for k, v in second.items() if k not in ("today", "dry_run")} == {
        "admitted_elsewhere": 0,
        "decisions_expired": 0,
        "requests_closed_by_expiry": 0,
        "unit_pairs_removed": 0,
        "reminders": 0,
        "notifications": 0,
        "errors": [],
    }
    assert (StatusTransition.objects.count(), Notification.objects.count(), len(mailoutbox)) == counts


def test_stay_on_list_keeps_the_request(world):
    r0, r1, r2 = send(world)
    AdmissionRequest.objects.filter(pk=r2.pk).update(stay_on_list=True)
    admit(world, r0)
    assert tick()["admitted_elsewhere"] == 1
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert r1.status == "46" and r2.status == "39"


def test_request_sent_after_the_admission_stays(world):
    (r0,) = send(world, sites=[world.sites[0]])
    admit(world, r0)
    (later,) = send(world, sites=[world.sites[1]], key="k2")  # a wish to move, sent knowingly
    assert tick()["admitted_elsewhere"] == 0
    later.refresh_from_db()
    assert later.status == "39"


def test_dry_run_writes_nothing(world, mailoutbox):
    r0, r1, _r2 = send(world)
    admit(world, r0)
    transitions = StatusTransition.objects.count()
    summary = tick("--dry-run")
    assert summary["dry_run"] is True and summary["admitted_elsewhere"] == 2
    r1.refresh_from_db()
    assert r1.status == "39"
    assert StatusTransition.objects.count() == transitions and Notification.objects.count() == 0 and not mailoutbox


def test_reminder_after_10_days_then_at_most_every_10_days(world):
    r0, r1, r2 = send(world)
    move(world.staff[1], r1, "40")  # read, no answer: reminded too
    move(world.staff[2], r2, "40", "42")  # answered (waiting list): never reminded

    def day(n):
        return (TODAY + timedelta(days=n)).isoformat()

    assert tick("--today", day(9))["reminders"] == 0
    summary = tick("--today", day(10))
    assert summary["reminders"] == 2
    assert len(notified(world.staff[0], "orientation.request_reminder")) == 1
    assert len(notified(world.staff[1], "orientation.request_reminder")) == 1
    assert notified(world.staff[2]) == [] and notified(world.coordinator) == []
    r0.refresh_from_db()
    assert timezone.localdate(r0.last_reminder_at) == TODAY + timedelta(days=10)
    assert tick("--today", day(10))["reminders"] == 0  # same day again
    assert tick("--today", day(19))["reminders"] == 0
    assert tick("--today", day(20))["reminders"] == 2
    assert len(notified(world.staff[0], "orientation.request_reminder")) == 2


def test_reminder_counts_from_the_last_change(world):
    sent_at = timezone.now() - timedelta(days=20)
    with mock.patch("django.utils.timezone.now", return_value=sent_at):
        r0, _r1 = send(world, sites=world.sites[:2])
    move(world.staff[0], r0, "40")  # read today: its 10 days start again
    assert tick()["reminders"] == 1
    assert notified(world.staff[0]) == [] and len(notified(world.staff[1])) == 1


def _decision(world, end):
    return orientation_decision_create(
        actor=world.mdph,
        person=world.person,
        kind="mdph",
        mdph_decision_id="CDAPH-2026-0001",
        decision_date=TODAY - timedelta(days=400),
        validity_start=TODAY - timedelta(days=400),
        validity_end=end,
        categories=["255"],
        organisation=world.mdph.organisation,
    )


def test_expiry_cascade_with_the_right_reasons(world, mailoutbox):
    decision = _decision(world, TODAY + timedelta(days=30))
    r0, r1, r2 = send(world, decision=decision)
    move(world.staff[0], r0, "40", "42")
    unit_request_transition(actor=world.staff[0], request=r0, unit=world.unit, target="182")
    unit_request_transition(actor=world.staff[0], request=r0, unit=world.unit, target="183")

    assert tick("--today", (TODAY + timedelta(days=30)).isoformat())["decisions_expired"] == 0  # last valid day
    summary = tick("--today", (TODAY + timedelta(days=31)).isoformat())

    assert summary["decisions_expired"] == 1 and summary["requests_closed_by_expiry"] == 3
    assert summary["unit_pairs_removed"] == 1 and summary["reminders"] == 0
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.EXPIRED
    for request in (r0, r1, r2):
        request.refresh_from_db()
        assert (request.status, request.status_reason) == ("49", "174")
    pair = UnitRequestStatus.objects.get(request=r0, unit=world.unit)
    assert (pair.status, pair.status_reason) == ("180", "98")
    traced = AccessLogEntry.objects.filter(subject=f"persons.person:{world.person.pk}", actor_label="système")
    assert {e.object_type for e in traced} >= {"orientation.orientationdecision", "orientation.admissionrequest"}
    # The sender and the MDPH that issued the decision, once each; every ESMS for its request.
    assert len(notified(world.coordinator, "orientation.decision_expired")) == 1
    assert len(notified(world.mdph, "orientation.decision_expired")) == 1
    assert all(len(notified(staff, "orientation.decision_expired")) == 1 for staff in world.staff)
    assert tick("--today", (TODAY + timedelta(days=31)).isoformat())["decisions_expired"] == 0


def test_expiry_leaves_an_entered_person_alone(world):
    decision = _decision(world, TODAY + timedelta(days=5))
    (r0,) = send(world, decision=decision, sites=[world.sites[0]])
    r0 = move(world.staff[0], admit(world, r0), "47")
    cascade = orientation_decision_expire(decision=decision, today=TODAY + timedelta(days=6))
    assert cascade.closed == []
    r0.refresh_from_db()
    assert r0.status == "47"


def test_expire_refuses_a_decision_still_valid(world):
    decision = _decision(world, TODAY + timedelta(days=5))
    with pytest.raises(ValidationError, match="valide jusqu'au"):
        orientation_decision_expire(decision=decision, today=TODAY + timedelta(days=5))
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.VALID


def test_decision_cancellation_cascade(world, mailoutbox):
    decision = _decision(world, TODAY + timedelta(days=300))
    r0, r1, r2 = send(world, decision=decision)
    move(world.staff[0], r0, "40", "42")
    unit_request_transition(actor=world.staff[0], request=r0, unit=world.unit, target="182")
    r2 = admission_request_transition(actor=world.coordinator, request=r2, target="49", reason="100")

    with pytest.raises(PermissionDenied):
        orientation_decision_cancel(actor=world.coordinator, decision=decision, reason="173")
    with pytest.raises(ValidationError, match="Motif d'annulation invalide « 119 »"):
        orientation_decision_cancel(actor=world.mdph, decision=decision, reason="119")
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.VALID

    cascade = orientation_decision_cancel(actor=world.mdph, decision=decision, reason="173")
    assert len(cascade.closed) == 3 and cascade.unit_pairs == 1
    for request in (r0, r1, r2):
        request.refresh_from_db()
        assert (request.status, request.status_reason) == ("37", "173")
    pair = UnitRequestStatus.objects.get(request=r0, unit=world.unit)
    assert (pair.status, pair.status_reason) == ("180", "95")  # 173 is not a unit-level reason: automatic (95)
    assert StatusTransition.objects.filter(request=r0, to_status="37", actor_kind="orientation").exists()
    assert all(len(notified(staff, "orientation.decision_cancelled")) == 1 for staff in world.staff)
    with pytest.raises(ValidationError, match="déjà annulée"):
        orientation_decision_cancel(actor=world.mdph, decision=decision, reason="173")


def test_opt_out_stops_the_notices_not_the_follow_up(world, make_member):
    from relais.accounts.roles import Role

    organisation = world.sites[1].organisation
    _user, director = make_member(organisation, role=Role.DIRECTOR)
    organisation_notification_setting_set(actor=director, kind="orientation.admitted_elsewhere", enabled=False)
    r0, r1, _r2 = send(world)
    admit(world, r0)
    assert tick()["admitted_elsewhere"] == 2
    r1.refresh_from_db()
    assert r1.status == "46"
    assert notified(world.staff[1]) == [] and notified(director) == []
    assert len(notified(world.staff[2])) == 1


def test_bad_today_is_a_clear_error(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today : date invalide « 2026-13-01 »"):
        call_command("orientation_tick", "--today", "2026-13-01", stdout=io.StringIO())


def test_a_failing_item_is_reported_and_rolled_back_the_others_go_on(world, unit1, monkeypatch):
    r0, r1, r2 = send(world)
    move(world.staff[1], r1, "40", "42")
    unit_request_transition(actor=world.staff[1], request=r1, unit=unit1, target="182")
    admit(world, r0)
    real = admitted_elsewhere.admission_request_transition

    def changed_meanwhile(*, request, **kwargs):
        if request.pk == r1.pk:
            raise ValidationError("Passage de 42 à 46 non autorisé.")
        return real(request=request, **kwargs)

    monkeypatch.setattr(admitted_elsewhere, "admission_request_transition", changed_meanwhile)
    summary = tick()
    assert summary["admitted_elsewhere"] == 1
    error = {"step": "admitted_elsewhere", "id": r1.pk, "message": "Passage de 42 à 46 non autorisé."}
    assert summary["errors"] == [error]
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert r1.status == "42" and r2.status == "46"
    # Nothing half-written: the unit pair removed before the failure was rolled back with it.
    assert UnitRequestStatus.objects.get(request=r1, unit=unit1).status == "182"
