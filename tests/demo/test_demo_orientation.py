"""The demo orientation data: deterministic, idempotent, and every row is one the services could have written."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.utils import timezone

from relais.accounts.models import Membership
from relais.demo.logins import EMAIL_DOMAIN
from relais.demo.orientation import build_departement
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import ESMS_ENDED, AdmissionRequest, StatusTransition, UnitRequestStatus
from relais.orientation.terminology.selectors import sdo_rules

from .shared import demo_once, run_demo

pytestmark = pytest.mark.django_db


demo = demo_once("--seed", "1", "--scale", "departement", "--departement", "2A")


def test_requests_follow_the_workflow_and_keep_their_log(demo):
    created = demo["orientation"]
    assert created["requests"] > 500 and created["transitions"] > 4 * created["requests"] // 2
    rules = sdo_rules()
    log: dict[int, list] = {}
    for row in StatusTransition.objects.order_by("request_id", "at", "pk").values_list(
        "request_id", "level", "unit_id", "from_status", "to_status", "reason", "actor_kind", "at"
    ):
        log.setdefault(row[0], []).append(row[1:])
    units = {
        r: (s, reason)
        for r, s, reason in UnitRequestStatus.objects.values_list("request_id", "status", "status_reason")
    }
    today = timezone.localdate()
    for request in AdmissionRequest.objects.all():
        steps = log[request.pk]  # every request has its transition log
        current = {wf.ESMS: None, wf.UNIT: None}
        for level, _unit, source, target, reason, kind, at in steps:
            assert (source or None) == current[level]
            wf.transition(current[level], target, actor_kind=kind, reason=reason or None, rules=rules)
            current[level] = target
            assert today - timedelta(days=800) <= at.date() <= today
        assert current[wf.ESMS] == request.status
        assert request.created_at == steps[0][-1] and request.updated_at == steps[-1][-1]
        if current[wf.UNIT]:
            assert units[request.pk][0] == current[wf.UNIT]
    open_pairs = Counter(AdmissionRequest.objects.exclude(status__in=ESMS_ENDED).values_list("person_id", "site_id"))
    assert max(open_pairs.values()) == 1
    statuses = Counter(AdmissionRequest.objects.values_list("status", "status_reason"))
    assert statuses[("47", "")] > 0 and statuses[("46", "119")] > 0 and statuses[("42", "")] > 0
    assert OrientationDecision.objects.filter(status="expired").exists()
    assert OrientationDecision.objects.filter(kind="without_decision").exists()
    # Decisions never followed by a request exist too ("non exécutées").
    assert OrientationDecision.objects.filter(requests=None).exists()


def test_demo_logins_find_requests_and_a_rerun_creates_nothing(demo):
    admissions = Membership.objects.get(user__email=f"admissions.esms@{EMAIL_DOMAIN}").organisation
    assert AdmissionRequest.objects.filter(site__organisation=admissions).exclude(status__in=ESMS_ENDED).count() >= 5
    coordinator = Membership.objects.get(user__email=f"coordination.dac@{EMAIL_DOMAIN}", organisation__kind="dac")
    assert AdmissionRequest.objects.filter(created_by_organisation=coordinator.organisation).count() > 10
    again = run_demo("--seed", "1", "--scale", "departement", "--departement", "2A")
    assert again["orientation"]["requests"] == 0 and again["orientation"]["decisions"] == 0


def test_same_seed_and_day_same_plan(demo):
    def signature(day):
        cases = build_departement(seed=1, code="2A", today=day, rules=sdo_rules())
        return [
            (
                c.person_ref,
                c.decision["decision_date"],
                [(r.site_id, r.wish_rank, r.status, r.steps) for r in c.requests],
            )
            for c in cases
        ]

    day = date(2026, 6, 1)
    first = signature(day)
    assert first and first == signature(day)
    assert signature(day + timedelta(days=30)) != first
