"""The territory's view: real demand deduplicated by person, persons without solution, decisions not executed,
decision-to-admission quartiles, small-cell suppression, scoping and exports. Synthetic persons only."""

import csv
import io
import statistics
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from relais.orientation.admission.admit import admission_admit
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.services import orientation_decision_create
from relais.orientation.requests.models import AdmissionRequest
from relais.orientation.requests.services import admission_request_transition, admission_requests_send
from relais.orientation.territory_figures.secrecy import PRIMARY, SECONDARY, suppress
from relais.orientation.territory_figures.selectors import Filters, quartiles, territory_report
from relais.persons.services import person_create

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()  # the product's today (Paris), not the machine's UTC date


_n = iter(range(10_000))


def _person(
    land, *, decided_days_ago=200, sites=(), validity_days=3000, status="valid", categories=("255",), commune=True
):
    n = next(_n)
    person = person_create(
        actor=land.mdph,
        ground="test",
        family_name=f"Synthétique{n}",
        first_names="Alex",
        birth_date=date(1990, 1, 1) + timedelta(days=n),
        sex="F",
    )
    AdmissionFile.objects.create(person=person, commune=land.rennes if commune else None)
    decided = TODAY - timedelta(days=decided_days_ago)
    decision = orientation_decision_create(
        actor=land.mdph,
        person=person,
        kind="mdph",
        mdph_decision_id=f"D-{n}",
        decision_date=decided,
        validity_start=decided,
        validity_end=decided + timedelta(days=validity_days),
        categories=list(categories),
        organisation=land.mdph.organisation,
        status=status,
    )
    requests = []
    if sites:
        requests = admission_requests_send(
            actor=land.mdph,
            person=person,
            sites_ranked=[land.sites[i] for i in sites],
            decision=decision if status == "valid" else None,
            idempotency_key=f"k{n}",
            derogation="Synthetic territory: a site outside the decision on purpose (decision 0033).",
        )
    return person, decision, requests


def _admit(land, request):
    index = [s.pk for s in land.sites].index(request.site_id)
    staff = land.staff[index]
    for target in ("40", "42"):
        request = admission_request_transition(actor=staff, request=request, target=target)
    return admission_admit(actor=staff, request=request, unit=land.units[index])


def _tables(actor, **filters):
    report = territory_report(actor, Filters(**filters))
    return {t.slug: t for t in report["tables"]}


def test_demand_counts_each_person_once_and_an_admission_changes_the_figures(land):
    _a, _d, requests_a = _person(land, sites=(0, 1, 2))
    _person(land, sites=(0,))
    tables = _tables(land.mdph)
    demand = tables["demande-categorie"]
    assert demand.total_display == ["4", "2"]  # four list entries, two persons
    assert dict(demand.body) == {"ESAT (246)": ["1", "1"], "MAS (255)": ["3", "2"]}
    assert tables["sans-solution"].total_display == ["2"]

    _admit(land, requests_a[0])  # closes the person's other requests (46 + 119) in the same transaction (0033)
    tables = _tables(land.mdph)
    assert tables["demande-categorie"].total_display == ["1", "1"]
    assert tables["sans-solution"].total_display == ["1"]
    assert tables["delais"].total_display == ["1", "200", "200", "200"]
    assert tables["non-executees"].body[0] == ("En cours de validité", ["0", "1", "1"])


def test_without_solution_needs_a_valid_decision_older_than_n_days_and_no_admission(land):
    _person(land, decided_days_ago=100, sites=(0,))
    _person(land, decided_days_ago=10, sites=(1,))
    _person(land, decided_days_ago=400, validity_days=100, status="expired")
    assert _tables(land.mdph)["sans-solution"].total_display == ["1"]
    assert _tables(land.mdph, days=5)["sans-solution"].total_display == ["2"]
    assert _tables(land.mdph, days=120)["sans-solution"].total_display == ["0"]
    not_executed = dict(_tables(land.mdph)["non-executees"].body)
    assert not_executed["Expirées"] == ["1", "0", "1"]  # expired, never sent
    assert not_executed["En cours de validité"] == ["0", "2", "2"]
    # A request recorded without naming the decision (before sending required a CDAPH decision for a disability
    # ESMS, decision 0033 "Review") still executes it.
    person, _d, _r = _person(land, decided_days_ago=50)
    assert dict(_tables(land.mdph)["non-executees"].body)["En cours de validité"] == ["1", "2", "3"]
    AdmissionRequest.objects.create(person=person, site=land.sites[2], wish_rank=1, status="39", created_by="import")
    assert dict(_tables(land.mdph)["non-executees"].body)["En cours de validité"] == ["0", "3", "3"]


def test_quartiles_are_exact():
    values = [3, 7, 8, 15, 21, 40, 41, 90]
    assert quartiles(values) == tuple(statistics.quantiles(values, n=4, method="inclusive"))
    assert quartiles([12]) == (12.0, 12.0, 12.0) and quartiles([]) is None


def test_delays_from_decision_to_admission_by_category(land):
    days = [10, 20, 35, 50, 80]
    for d in days:
        _p, _d, (request,) = _person(land, decided_days_ago=d, sites=(0,))
        _admit(land, request)
    report = territory_report(land.mdph, Filters())
    mas = next(row for row in report["delays"] if row.label == "MAS (255)")
    assert mas.count == 5
    assert (mas.q1, mas.median, mas.q3) == tuple(statistics.quantiles(days, n=4, method="inclusive"))


def test_suppression_primary_and_secondary():
    grid = [[3, 10, 13], [8, 9, 17], [11, 19, 30]]
    marks = suppress(grid, has_total_row=True, row_total=True)
    assert marks[(0, 0)] == PRIMARY
    assert {c for c, m in marks.items() if m == SECONDARY} == {(1, 0), (0, 1), (1, 1)}
    lines = [[(i, j) for i in range(3)] for j in range(3)] + [[(i, j) for j in range(3)] for i in range(3)]
    assert all(sum(c in marks for c in line) != 1 for line in lines)
    # Zero is not disclosive and a table without small cells is untouched.
    assert suppress([[0, 5], [5, 5]], has_total_row=True, row_total=False) == {}


def test_analysts_get_suppressed_cells_mdph_staff_do_not(land):
    _person(land, sites=(0, 1))
    _person(land, sites=(0,))
    for _ in range(6):
        _person(land, sites=(2,))
    _u, analyst = land.cd_analyst
    category = _tables(analyst)["demande-categorie"]
    # MAS (3 entries, 2 persons) is under 5; ESAT alone would give it back by subtraction from the total.
    assert dict(category.body) == {"ESAT (246)": [SECONDARY, SECONDARY], "MAS (255)": [PRIMARY, PRIMARY]}
    assert category.total_display == ["9", "8"]
    assert dict(_tables(land.mdph)["demande-categorie"].body)["MAS (255)"] == ["3", "2"]


def test_scoping_other_region_sees_nothing_and_esms_staff_are_refused(land, client, no_2fa):
    _person(land, sites=(0,))
    _u, here = land.ars_here
    _u, away = land.ars_away
    assert _tables(here)["demande-categorie"].total_display[0] in ("1", PRIMARY)
    away_tables = _tables(away)
    assert away_tables["demande-categorie"].total_display == ["0", "0"]
    assert away_tables["non-executees"].total_display == ["0", "0", "0"]
    assert territory_report(land.staff[0], Filters()) is None
    client.force_login(land.staff[0].user)
    assert client.get("/orientation/territoire/").status_code == 403
    client.force_login(away.user)
    # A département outside the region is refused by the form: the page keeps to the ARS's own region.
    page = client.get("/orientation/territoire/", {"departement": "35"})
    assert page.status_code == 200 and "Synthétique" not in page.content.decode()


def test_page_and_exports_parse_back(land, client, no_2fa):
    _person(land, sites=(0, 1))
    for _ in range(5):
        _person(land, sites=(2,))
    user, _analyst = land.cd_analyst
    client.force_login(user)
    page = client.get("/orientation/territoire/")
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and "<title" in body and "style=" not in body
    assert "Synthétique" not in body
    response = client.get("/orientation/territoire/export/demande-categorie.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["", "Inscriptions en liste d'attente", "Personnes distinctes"]
    assert rows[-1] == ["Total", "7", "6"]
    assert [SECONDARY, SECONDARY] in [r[1:] for r in rows] or [PRIMARY, PRIMARY] in [r[1:] for r in rows]
    response = client.get("/orientation/territoire/export/non-executees.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1] == [None, "Aucune demande envoyée", "Demandes envoyées, aucune admission", "Total"]
    assert values[-1] == ["Total", 0, 6, 6]
    assert client.get("/orientation/territoire/export/inconnu.csv").status_code == 404


def test_filters_category_dates_and_residence_fallback(land):
    _person(land, decided_days_ago=300, sites=(0,), categories=("255",))
    _person(land, decided_days_ago=300, sites=(2,), categories=("246",), commune=False)
    _person(land, decided_days_ago=30, sites=(1,), categories=("255", "246"))
    # The person without a commune lives, for the figures, where the deciding MDPH is.
    assert _tables(land.mdph)["demande-categorie"].total_display == ["3", "3"]
    assert _tables(land.mdph, category="246")["demande-categorie"].total_display == ["1", "1"]
    assert _tables(land.mdph, category="246")["non-executees"].total_display == ["0", "2", "2"]
    assert _tables(land.mdph, category="255", days=10)["sans-solution"].total_display == ["2"]
    recent = _tables(land.mdph, start=TODAY - timedelta(days=60), days=10)
    assert recent["non-executees"].total_display == ["0", "1", "1"]
    assert recent["demande-categorie"].total_display == ["3", "3"]  # requests were all sent today
    assert _tables(land.mdph, departement="75")["demande-categorie"].total_display == ["0", "0"]
