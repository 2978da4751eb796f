"""Round trip (issue 14 item 4, decision 0050): the requests and statuses Relais serves as SDO Tasks, read back into a
Relais emptied of its orientation data (the directory kept: it has its own round trip), give the same data."""

import io
import json

import pytest
from django.core.management import call_command

from relais.fhir.testing import fhir_json
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests.models import (
    AdmissionRequest,
    AdmissionSubmission,
    StatusTransition,
    UnitRequestStatus,
)
from relais.orientation.requests.services import admission_request_transition, unit_request_transition
from relais.persons.models import IdentityEvent, Person

from .conftest import post_json
from .test_notification import completed_example

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    """Everything the Tasks carry, without database ids (they differ after the import)."""
    rows = []
    for r in AdmissionRequest.objects.select_related("person", "site", "decision").order_by("pk"):
        p, d = r.person, r.decision
        transitions = [
            (t.level, t.unit_id, t.from_status, t.to_status, t.reason, t.at, t.comment)
            for t in StatusTransition.objects.filter(request=r).order_by("at", "pk")
        ]
        units = sorted((u.unit_id, u.status, u.status_reason) for u in UnitRequestStatus.objects.filter(request=r))
        rows.append(
            (
                (p.family_name, p.first_names, p.birth_date, p.sex, p.ins, p.external_ref),
                r.site.finess,
                (d.kind, d.mdph_decision_id, d.validity_start, d.validity_end) if d else None,
                r.created_at,
                r.status,
                r.status_reason,
                r.external_ref,
                units,
                transitions,
            )
        )
    return sorted(rows, key=lambda row: (row[0], row[1]))


def empty_orientation() -> None:
    """An empty Relais but for its directory: the orientation rows and persons go (the log is append-only for the
    application, so the test removes it below the ORM guard)."""
    StatusTransition.objects.all()._raw_delete(StatusTransition.objects.db)
    for model in (UnitRequestStatus, AdmissionRequest, AdmissionSubmission, OrientationDecision, AdmissionFile):
        model.objects.all().delete()
    IdentityEvent.objects.all().delete()
    Person.objects.all().delete()


def test_requests_and_statuses_exported_as_fhir_come_back_identical(client, sent, token, tmp_path):
    # A notified decision for a second person (sites 0 and 1), and a history on each request.
    fhir_json(post_json(client, "/fhir/Bundle", completed_example(sent), token(sent.mdph.organisation)), 201)
    first, second = sent.requests
    staff = sent.staff[0]
    sent.unit.external_id = "ROR-OI-0001"
    sent.unit.save()
    for target in ("40", "42", "72"):
        admission_request_transition(actor=staff, request=first, target=target)
    unit_request_transition(actor=staff, request=first, unit=sent.unit, target="182")
    unit_request_transition(actor=staff, request=first, unit=sent.unit, target="180", reason="100")
    admission_request_transition(actor=sent.staff[1], request=second, target="40")
    admission_request_transition(actor=sent.staff[1], request=second, target="41", reason="152")
    notified = AdmissionRequest.objects.get(external_ref="sdo:IdNat_Decision:290000100")
    admission_request_transition(actor=staff, request=notified, target="40")
    before = snapshot()
    assert len(before) == 4 and sum(len(row[-1]) for row in before) == 12

    # Exported by the managing body of the three sites, which sees every request; the Tasks are those served.
    path = tmp_path / "export.json"
    call_command(
        "export_sdo_requests",
        str(path),
        "--organisation",
        str(sent.body_director.organisation.pk),
        stdout=io.StringIO(),
    )
    exported = json.loads(path.read_text(encoding="utf-8"))
    tasks = [e["resource"] for e in exported["entry"] if e["resource"]["resourceType"] == "Task"]
    served = fhir_json(client.get("/fhir/Task?_count=200", **token(sent.body_director.organisation)), 200, "Bundle")
    assert tasks == sorted((e["resource"] for e in served["entry"]), key=lambda t: (t["lastModified"], int(t["id"])))

    empty_orientation()
    assert not AdmissionRequest.objects.exists() and not Person.objects.exists()
    out = io.StringIO()
    call_command("import_sdo_requests", str(path), "--organisation", str(sent.coordinator.organisation.pk), stdout=out)

    assert json.loads(out.getvalue().splitlines()[-1])["persons"] == 2
    assert snapshot() == before


def test_an_impossible_history_is_refused_and_nothing_is_written(sent, tmp_path):
    admission_request_transition(actor=sent.staff[0], request=sent.requests[0], target="40")
    path = tmp_path / "export.json"
    call_command(
        "export_sdo_requests",
        str(path),
        "--organisation",
        str(sent.body_director.organisation.pk),
        stdout=io.StringIO(),
    )
    bundle = json.loads(path.read_text(encoding="utf-8"))
    tasks = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"]
    changed = next(t for t in tasks if t["businessStatus"]["coding"][0]["code"] == "40")
    for item in changed["input"]:
        if item["type"]["text"] == "statutESMS":
            item["valueCodeableConcept"]["coding"][0]["code"] = "47"  # entered straight after the notification
    path.write_text(json.dumps(bundle), encoding="utf-8")
    empty_orientation()

    with pytest.raises(Exception, match="39 → 47 impossible"):
        call_command("import_sdo_requests", str(path), "--organisation", str(sent.coordinator.organisation.pk))
    assert not AdmissionRequest.objects.exists() and not Person.objects.exists()
