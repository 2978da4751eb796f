"""Admission requests: sending, double submits, transitions end to end with their log, database constraints."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from relais.accounts.roles import Role
from relais.audit.append_only import AppendOnlyError
from relais.audit.models import AccessLogEntry
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.decisions.services import orientation_decision_create
from relais.orientation.requests.models import AdmissionRequest, StatusTransition, UnitRequestStatus
from relais.orientation.requests.services import (
    admission_request_transition,
    admission_requests_send,
    unit_request_transition,
)


def send(world, key="k1", sites=None, actor=None, **kw):
    return admission_requests_send(
        actor=actor or world.coordinator,
        person=world.person,
        sites_ranked=sites or world.sites,
        idempotency_key=key,
        **kw,
    )


def test_send_to_three_esms(world):
    decision = orientation_decision_create(
        actor=world.mdph,
        person=world.person,
        kind="mdph",
        mdph_decision_id="CDAPH-29-0001",
        decision_date=date(2026, 1, 5),
        validity_start=date(2026, 1, 5),
        validity_end=date(2031, 1, 4),
        categories=["255"],
        rights=["orientation FAM"],
        organisation=world.mdph.organisation,
    )
    requests = send(world, decision=decision)
    assert [(r.site, r.wish_rank, r.status, r.decision) for r in requests] == [
        (site, n, "39", decision) for n, site in enumerate(world.sites, start=1)
    ]
    log = StatusTransition.objects.filter(request__in=requests)
    assert {(t.from_status, t.to_status, t.actor_kind, t.source) for t in log} == {("", "39", "orientation", "web")}
    assert log.count() == 3
    created = AccessLogEntry.objects.filter(ground="orientation_request", action="create")
    assert created.filter(object_type="orientation.admissionrequest").count() == 3


def test_duplicate_send_refused_naming_the_site(world):
    send(world, sites=world.sites[:2])
    with pytest.raises(ValidationError, match="« Foyer 1 »"):
        send(world, key="k2", sites=world.sites[1:])
    assert AdmissionRequest.objects.count() == 2
    # A new site alone is fine, ranked after the open ones.
    (third,) = send(world, key="k3", sites=world.sites[2:])
    assert third.wish_rank == 3


def test_idempotent_resubmission_returns_the_same_requests(world):
    first = send(world)
    again = send(world)
    assert [r.pk for r in again] == [r.pk for r in first]
    assert AdmissionRequest.objects.count() == 3 and StatusTransition.objects.count() == 3
    with pytest.raises(ValidationError, match="déjà servi"):
        send(world, sites=world.sites[:1])
    # The key is per creator: another coordinator's "k1" is a different send (refused here: sites already open).
    with pytest.raises(ValidationError, match="déjà en cours"):
        send(world, actor=world.mdph)


def test_only_orientation_sends(world, make_member):
    _u, analyst = make_member(world.mdph.organisation, role=Role.ANALYST)
    _u, member = make_member(world.coordinator.organisation, role=Role.MEMBER)
    for actor in (world.staff[0], analyst, member):
        with pytest.raises(PermissionDenied):
            send(world, actor=actor)
    # A hospital's discharge coordinator sends requests too (older people leaving hospital for an EHPAD).
    assert send(world, actor=world.hospital)[0].status == "39"


def test_only_the_admission_team_changes_statuses(world, make_member):
    request = send(world)[0]
    _u, carer = make_member(world.sites[0].organisation, role=Role.CARE_PROFESSIONAL)
    with pytest.raises(PermissionDenied, match="équipe d'admission"):
        admission_request_transition(actor=carer, request=request, target="40")
    assert admission_request_transition(actor=world.body_director, request=request, target="40").status == "40"


def test_transitions_end_to_end_with_log(world):
    request = send(world)[0]
    esms = world.staff[0]
    for target, reason in [("40", None), ("41", "150"), ("42", None), ("72", None), ("71", None), ("47", None)]:
        request = admission_request_transition(actor=esms, request=request, target=target, reason=reason)
    assert request.status == "47"
    log = list(StatusTransition.objects.filter(request=request).values_list("from_status", "to_status", "reason"))
    assert log == [
        ("", "39", ""),
        ("39", "40", ""),
        ("40", "41", "150"),
        ("41", "42", ""),
        ("42", "72", ""),
        ("72", "71", ""),
        ("71", "47", ""),
    ]
    assert set(
        StatusTransition.objects.filter(request=request).exclude(from_status="").values_list("actor_kind", flat=True)
    ) == {"esms"}
    assert AccessLogEntry.objects.filter(ground="orientation_request", action="update").count() == 6
    # The managing body's members act for its sites too (the legal entity's organisation).
    other = AdmissionRequest.objects.get(site=world.sites[1])
    assert admission_request_transition(actor=world.body_director, request=other, target="40").status == "40"


def test_forbidden_transitions(world):
    request = send(world)[0]
    with pytest.raises(ValidationError, match="non autorisé"):
        admission_request_transition(actor=world.staff[0], request=request, target="71")
    with pytest.raises(PermissionDenied, match="ne peut pas être fait"):
        admission_request_transition(actor=world.coordinator, request=request, target="40")
    with pytest.raises(PermissionDenied):  # staff of another site
        admission_request_transition(actor=world.staff[1], request=request, target="40")
    with pytest.raises(PermissionDenied):  # claims a kind it does not have
        admission_request_transition(actor=world.staff[0], request=request, target="40", actor_kind="orientation")
    with pytest.raises(PermissionDenied):
        admission_request_transition(actor=None, request=request, target="40")
    request.refresh_from_db()
    assert request.status == "39" and StatusTransition.objects.filter(request=request).count() == 1


def test_reason_required_per_ass_a32(world):
    request = send(world)[0]
    with pytest.raises(ValidationError, match="demande un motif"):
        admission_request_transition(actor=world.coordinator, request=request, target="49")
    with pytest.raises(ValidationError, match="n'est pas prévu"):
        admission_request_transition(actor=world.coordinator, request=request, target="49", reason="119")
    with pytest.raises(ValidationError, match="ne prend pas de motif"):
        admission_request_transition(actor=world.staff[0], request=request, target="40", reason="100")
    request = admission_request_transition(actor=world.coordinator, request=request, target="49", reason="100")
    assert (request.status, request.status_reason, request.is_open) == ("49", "100", False)
    # Closed: the site may receive a new request; the old one cannot be reactivated while the new one is open.
    (new,) = send(world, key="k2", sites=[world.sites[0]])
    assert new.wish_rank == 4  # after the open ones (2, 3)
    with pytest.raises(ValidationError, match="déjà en cours"):
        admission_request_transition(actor=world.coordinator, request=request, target="54", reason="109")


def test_system_cancels_admitted_elsewhere(world):
    request = send(world)[1]
    request = admission_request_transition(actor=None, system=True, request=request, target="46", reason="119")
    assert request.status == "46"
    assert StatusTransition.objects.filter(request=request).last().actor_label == "système"


def test_unit_level(world):
    request = send(world)[0]
    row = unit_request_transition(actor=world.staff[0], request=request, unit=world.unit, target="182")
    row = unit_request_transition(actor=world.staff[0], request=request, unit=world.unit, target="183")
    assert row.status == "183"
    assert StatusTransition.objects.filter(unit=world.unit).count() == 2
    with pytest.raises(ValidationError, match="n'appartient pas"):
        other = AdmissionRequest.objects.get(site=world.sites[1])
        unit_request_transition(actor=world.staff[1], request=other, unit=world.unit, target="182")


def test_log_is_append_only(world):
    send(world)
    entry = StatusTransition.objects.first()
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        StatusTransition.objects.all().update(reason="x")
    with pytest.raises(AppendOnlyError):
        StatusTransition.objects.all().delete()


def _refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_database_constraints(world):
    request = send(world)[0]
    _refused(lambda: AdmissionRequest.objects.filter(pk=request.pk).update(status="999"))
    _refused(lambda: AdmissionRequest.objects.filter(pk=request.pk).update(status="182"))  # unit-level code
    _refused(
        lambda: AdmissionRequest.objects.create(person=world.person, site=world.sites[0], wish_rank=9, status="39")
    )
    _refused(lambda: AdmissionRequest.objects.filter(pk=request.pk).update(wish_rank=2))  # rank of an open request
    _refused(lambda: UnitRequestStatus.objects.create(request=request, unit=world.unit, status="42"))
    base = {"person": world.person, "kind": "mdph", "mdph_decision_id": "X"}
    _refused(
        lambda: OrientationDecision.objects.create(
            **base, validity_start=date(2026, 1, 2), validity_end=date(2026, 1, 1)
        )
    )
    _refused(lambda: OrientationDecision.objects.create(**base))  # no validity end
    _refused(
        lambda: OrientationDecision.objects.create(**{**base, "mdph_decision_id": ""}, validity_end=date(2027, 1, 1))
    )
    OrientationDecision.objects.create(person=world.person, kind="without_decision")  # older people: no id, no dates
    # A closed request frees the site and the rank.
    AdmissionRequest.objects.filter(pk=request.pk).update(status="49")
    AdmissionRequest.objects.create(person=world.person, site=world.sites[0], wish_rank=1, status="39")
