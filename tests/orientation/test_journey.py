"""Issue 4's "done when", end to end: an MDPH decision arrives, a coordinator sends requests to three ESMS, one admits
the person through its screens, the daily follow-up cancels the others with reason 119, the territory's figures change,
and every step is in the status log, the access log, the notifications and the SI-SDO Tasks. Synthetic person."""

import io
import json
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from relais.accounts.services import api_client_create
from relais.audit.models import AccessLogEntry
from relais.fhir.testing import fhir_json
from relais.notifications.models import Notification
from relais.offer.models import Unit
from relais.orientation.admission.services import person_with_file_create
from relais.orientation.decisions.services import orientation_decision_create
from relais.orientation.requests.models import AdmissionRequest, StatusTransition
from relais.orientation.requests.services import admission_requests_send
from relais.orientation.territory_figures.selectors import Filters, territory_report

pytestmark = pytest.mark.django_db


def figures(actor) -> dict:
    tables = {t.slug: t for t in territory_report(actor, Filters())["tables"]}
    return {
        "demand": tables["demande-categorie"].total_display,
        "without_solution": tables["sans-solution"].total_display,
        "delays": tables["delais"].total_display,
    }


def esms_post(client, name, request, **data):
    return client.post(reverse(f"orientation:{name}", args=[request.pk]), data, follow=True)


def test_decision_to_admission_and_the_others_cancelled(land, no_2fa, settings):
    settings.SITE_URL = "https://relais.example.org"
    cache.clear()
    before = figures(land.mdph)
    # 1. The coordinator (DAC) follows a person; the MDPH's decision arrives (MAS, five years, decided 120 days ago).
    person, file = person_with_file_create(
        actor=land.coordinator, family_name="Quéméner", first_names="Soizic", birth_date=date(1988, 6, 14), sex="F"
    )
    file.commune = land.rennes
    file.save()
    decided = timezone.localdate() - timedelta(days=120)
    decision = orientation_decision_create(
        actor=land.mdph,
        person=person,
        kind="mdph",
        mdph_decision_id="CDAPH-35-2026-0042",
        decision_date=decided,
        validity_start=decided,
        validity_end=decided + timedelta(days=5 * 365),
        categories=["255", "246"],
        organisation=land.mdph.organisation,
    )
    assert int(figures(land.mdph)["without_solution"][0]) == int(before["without_solution"][0]) + 1

    # 2. The coordinator sends requests to three ESMS, in the person's order of wishes.
    requests = admission_requests_send(
        actor=land.coordinator, person=person, sites_ranked=land.sites, decision=decision, idempotency_key="journey"
    )
    assert [(r.wish_rank, r.status) for r in requests] == [(1, "39"), (2, "39"), (3, "39")]
    waiting = figures(land.mdph)
    assert int(waiting["demand"][0]) == int(before["demand"][0]) + 3  # three list entries…
    assert int(waiting["demand"][1]) == int(before["demand"][1]) + 1  # …one person

    # 3. The first ESMS reads the request, puts it on its list and admits the person, through its screens.
    esms = Client()
    esms.force_login(land.staff[0].user)
    first = requests[0]
    for source, target in (("39", "40"), ("40", "42")):
        esms_post(esms, "esms_request_transition", first, level="esms", target=target, **{"from": source})
    unit = land.units[0]
    with TestCase.captureOnCommitCallbacks(execute=True):  # the notifications leave after the commit
        shown = [r.pk for r in requests[1:]]  # the other requests listed on the page (hidden "affichees")
        page = esms_post(esms, "esms_request_admit", first, unit=unit.pk, affichees=shown, **{"from": "42"})
        page = page.content.decode()
    assert "Admission prononcée" in page
    assert AdmissionRequest.objects.get(pk=first.pk).status == "71"
    assert Unit.objects.get(pk=unit.pk).available == 19

    # 4. The admission closed the two other requests with reason 119 at once and told their ESMS (decision 0033);
    # the daily follow-up, a safety net, finds nothing left to do.
    out = io.StringIO()
    call_command("orientation_tick", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["admitted_elsewhere"] == 0
    others = AdmissionRequest.objects.filter(pk__in=[r.pk for r in requests[1:]])
    assert sorted(others.values_list("status", "status_reason")) == [("46", "119"), ("46", "119")]
    for staff in land.staff[1:]:
        assert Notification.objects.filter(recipient=staff.user).exists()
    assert "Quéméner" not in " ".join(Notification.objects.values_list("body", flat=True))  # initials only

    # 5. The territory's figures change: no more demand for this person, one decision-to-admission delay of 120 days.
    after = figures(land.mdph)
    assert after["demand"] == before["demand"]
    assert after["without_solution"] == before["without_solution"]
    assert after["delays"][0] == "1" and after["delays"][2] == "120"

    # 6. Every step is in the status log, with who and why…
    steps = list(
        StatusTransition.objects.filter(request__person=person, level="esms")
        .order_by("request__wish_rank", "at", "pk")
        .values_list("request__wish_rank", "to_status", "reason", "actor_kind")
    )
    assert steps == [
        (1, "39", "", "orientation"),
        (1, "40", "", "esms"),
        (1, "42", "", "esms"),
        (1, "72", "", "esms"),
        (1, "71", "", "esms"),
        (2, "39", "", "orientation"),
        (2, "46", "119", "system"),
        (3, "39", "", "orientation"),
        (3, "46", "119", "system"),
    ]
    # …in the access log, about the person…
    subjects = AccessLogEntry.objects.filter(subject=f"persons.person:{person.pk}")
    assert subjects.filter(action="read", user_id=land.staff[0].user.pk).exists()
    assert subjects.filter(action="update").count() >= 6

    # 7. …and in the SI-SDO Tasks the MDPH's system reads.
    _client, raw = api_client_create(actor=None, organisation=land.mdph.organisation, name="SI MDPH")
    bundle = fhir_json(
        Client().get(
            "/fhir/Task", {"patient": f"Patient/{person.pk}", "_count": 50}, HTTP_AUTHORIZATION=f"Bearer {raw}"
        ),
        resource_type="Bundle",
    )
    tasks = [entry["resource"] for entry in bundle["entry"]]
    esms_level = [t for t in tasks if "location" not in t]
    assert sorted(t["businessStatus"]["coding"][0]["code"] for t in esms_level) == sorted(s[1] for s in steps)
    cancelled = [t for t in esms_level if t["businessStatus"]["coding"][0]["code"] == "46"]
    assert {t["statusReason"]["coding"][0]["code"] for t in cancelled} == {"119"}
