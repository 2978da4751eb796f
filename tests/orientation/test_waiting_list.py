"""The ESMS waiting list selectors (relais/orientation/waiting_list/selectors.py): scope, filters, sorts, the priority
score's parts, and the exports (parsed back with csv and openpyxl)."""

import csv
import io
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import openpyxl
import pytest
from django.http import QueryDict
from django.utils import timezone

from relais.audit.models import AccessLogEntry
from relais.matching.priority import priority_score
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests import statuses as st
from relais.orientation.requests.services import admission_request_transition, admission_requests_send
from relais.orientation.waiting_list.exports import waiting_list_csv, waiting_list_export, waiting_list_xlsx
from relais.orientation.waiting_list.selectors import (
    MAX_ROWS,
    esms_sites_for,
    filters_from,
    waiting_list,
    waiting_list_scope,
)
from relais.persons.services import person_create
from relais.territory.models import Commune, Departement, Region

TODAY = timezone.localdate()


@contextmanager
def _backdated(monkeypatch, days: int):
    """Run the services as if it were ``days`` ago (timezone.now is read at call time), at noon of that local day: the
    time waited counts local calendar days, and now minus N × 24 h falls on another local day for an hour around
    midnight when summer time differs from today's (it failed between 22:00 and 23:00 UTC in winter)."""
    moment = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days), time(12)))
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


def _person(world, family_name, first_names, birth_date, sex="F"):
    return person_create(
        actor=world.coordinator,
        ground="test",
        family_name=family_name,
        first_names=first_names,
        birth_date=birth_date,
        sex=sex,
    )


def _walk(actor, request, *targets):
    for target in targets:
        request = admission_request_transition(actor=actor, request=request, target=target)
    return request


def build_esms(world, monkeypatch):
    """Four persons on Foyer 0's list (one ended), one only on Foyer 1's; Foyer 0 is in Quimper."""
    region = Region.objects.create(code="53", name="Bretagne")
    finistere = Departement.objects.create(code="29", name="Finistère", region=region)
    quimper = Commune.objects.create(
        insee_code="29232", name="Quimper", departement=finistere, latitude=47.9960, longitude=-4.1024
    )
    brest = Commune.objects.create(
        insee_code="29019", name="Brest", departement=finistere, latitude=48.3904, longitude=-4.4861
    )
    site0, site1 = world.sites[0], world.sites[1]
    site0.latitude, site0.longitude = quimper.latitude, quimper.longitude
    site0.save(update_fields=["latitude", "longitude"])
    world.unit.installed, world.unit.available = 10, 2
    world.unit.save(update_fields=["installed", "available"])
    staff = world.staff[0]

    decision = OrientationDecision.objects.create(
        person=world.person,
        kind="mdph",
        mdph_decision_id="CDAPH-29-0001",
        validity_start=date(2026, 1, 5),
        validity_end=date(2031, 1, 4),
        categories=["255"],
        organisation=world.mdph.organisation,
    )
    # Yann Le Gall: urgent, lives in Brest (≈ 52 km), waiting 120 days, first wish.
    with _backdated(monkeypatch, 120):
        (yann,) = admission_requests_send(
            actor=world.coordinator,
            person=world.person,
            sites_ranked=[site0],
            decision=decision,
            idempotency_key="yann",
        )
    yann = _walk(staff, yann, "40", "42")
    AdmissionFile.objects.create(person=world.person, urgency=2, urgency_reason="Aidant hospitalisé", commune=brest)

    # Anne Martin (born 1940): no urgency, lives in Quimper, waiting 400 days, second wish.
    anne_p = _person(world, "Martin", "Anne", date(1940, 3, 1))
    with _backdated(monkeypatch, 400):
        _foyer1, anne = admission_requests_send(
            actor=world.coordinator, person=anne_p, sites_ranked=[site1, site0], idempotency_key="anne"
        )
    AdmissionFile.objects.create(person=anne_p, urgency=0, commune=quimper)

    # Léa Durand (born 2010): no file, waiting 10 days, first wish, admissible.
    lea_p = _person(world, "Durand", "Léa", date(2010, 7, 14))
    with _backdated(monkeypatch, 10):
        (lea,) = admission_requests_send(
            actor=world.coordinator, person=lea_p, sites_ranked=[site0], idempotency_key="lea"
        )
    lea = _walk(staff, lea, "40", "42", "72")

    # Paul Ended: cancelled (49) by the orientation; Zoé Ailleurs: only at Foyer 1.
    paul_p = _person(world, "Ended", "Paul", date(1950, 1, 1), sex="M")
    (paul,) = admission_requests_send(
        actor=world.coordinator, person=paul_p, sites_ranked=[site0], idempotency_key="paul"
    )
    paul = admission_request_transition(actor=world.mdph, request=paul, target="49", reason="100")
    zoe_p = _person(world, "Ailleurs", "Zoé", date(1960, 1, 1))
    (zoe,) = admission_requests_send(actor=world.coordinator, person=zoe_p, sites_ranked=[site1], idempotency_key="zoe")
    return SimpleNamespace(
        yann=yann, anne=anne, lea=lea, paul=paul, zoe=zoe, anne_foyer1=_foyer1, quimper=quimper, brest=brest
    )


@pytest.fixture
def esms(world, monkeypatch):
    return build_esms(world, monkeypatch)


def names(result):
    return [row.person.first_names for row in result.rows]


def listed(actor, **params):
    query = QueryDict(mutable=True)
    query.update(params)
    return waiting_list(actor=actor, filters=filters_from(query))


def test_scope_is_the_sites_the_actor_runs_admissions_for(world, esms, make_member):
    assert esms_sites_for(world.staff[0]) == [world.sites[0]]
    assert esms_sites_for(world.body_director) == world.sites
    assert sorted(names(listed(world.staff[0]))) == ["Anne", "Léa", "Yann"]
    assert sorted(names(listed(world.staff[1]))) == ["Anne", "Zoé"]
    assert sorted(names(listed(world.body_director))) == ["Anne", "Anne", "Léa", "Yann", "Zoé"]
    # The orientation side sees the requests it sent, but has no waiting list; nor has a plain ESMS member.
    _u, member = make_member(world.sites[0].organisation, role="member")
    for actor in (world.coordinator, world.mdph, member, None):
        assert esms_sites_for(actor) == [] and not waiting_list_scope(actor).exists()
        assert listed(actor).rows == []


def test_default_sort_is_the_priority_score_with_its_parts(world, esms):
    result = listed(world.staff[0])
    assert names(result) == ["Yann", "Anne", "Léa"]
    yann, anne, lea = result.rows
    assert (yann.days_waited, yann.urgency, yann.request.wish_rank) == (120, 2, 1)
    assert 50 < yann.distance_km < 56
    expected = priority_score(urgency=2, days_waited=120, wish_rank=1, distance_km=yann.distance_km)
    assert yann.score == expected
    assert [(p.key, p.points) for p in yann.score.parts] == [
        ("urgency", 60),
        ("waited", 12),
        ("wish", 20),
        ("distance", -8),
    ]
    assert yann.score.total == 84
    assert [p.label for p in yann.score.parts][:2] == ["Urgence : situation urgente", "Attente : 120 jours"]
    assert (anne.score.total, anne.distance_km) == (40 + 10, 0.0)  # 400 days, 2nd wish, same commune
    assert lea.distance_km is None and lea.urgency == 0 and lea.score.total == 1 + 20
    assert lea.score.parts[3].label == "Distance : distance inconnue"


def test_sorts(world, esms):
    staff = world.staff[0]
    assert names(listed(staff, tri="attente")) == ["Anne", "Yann", "Léa"]
    assert names(listed(staff, tri="souhait")) == ["Yann", "Léa", "Anne"]
    assert names(listed(staff, tri="envoi")) == ["Léa", "Yann", "Anne"]
    assert names(listed(staff, tri="nom")) == ["Léa", "Yann", "Anne"]  # Durand, Le Gall, Martin


def test_filters(world, esms):
    staff = world.staff[0]
    assert names(listed(staff, statut="nouvelles")) == ["Anne"]
    assert names(listed(staff, statut="attente")) == ["Yann"]
    assert names(listed(staff, statut="admissibles")) == ["Léa"]
    assert names(listed(staff, statut="terminees")) == ["Paul"]
    assert len(listed(staff, statut="toutes").rows) == 4
    assert names(listed(staff, urgence="2")) == ["Yann"]
    assert names(listed(staff, urgence="0", tri="nom")) == ["Léa", "Anne"]  # no file counts as no urgency
    assert names(listed(staff, age="moins-20")) == ["Léa"]
    assert names(listed(staff, age="75-plus")) == ["Anne"]
    assert names(listed(staff, age="20-59")) == ["Yann"]
    assert names(listed(staff, categorie="255")) == ["Yann"]
    assert names(listed(staff, q="gall")) == ["Yann"]
    assert names(listed(staff, q="martin anne")) == ["Anne"]
    assert names(listed(staff, q="LEA")) == ["Léa"]  # accents and case ignored (persons.selectors.person_search)
    assert names(listed(world.body_director, site=str(world.sites[1].pk), tri="nom")) == ["Zoé", "Anne"]


def test_unit_filter_and_unit_statuses(world, esms):
    from relais.orientation.requests.services import unit_request_transition

    unit_request_transition(actor=world.staff[0], request=esms.lea, unit=world.unit, target="182")
    result = listed(world.staff[0], unite=str(world.unit.pk))
    assert names(result) == ["Léa"]


def test_bad_filters_are_named_and_ignored(world, esms):
    result = listed(world.staff[0], urgence="9", statut="bidon", site=str(world.sites[1].pk), unite="abc")
    assert len(result.rows) == 3
    errors = " ".join(result.filters.errors)
    for field in ("« urgence »", "« statut »", "« établissement »", "« unité »"):
        assert field in errors


def test_query_count_does_not_grow_with_the_rows(world, esms, django_assert_max_num_queries, monkeypatch):
    from relais.orientation.terminology.selectors import status_labels
    from relais.orientation.waiting_list.selectors import attach_unit_statuses

    for n in range(20):
        person = _person(world, f"Nombre{n}", "Test", date(1945, 1, 1))
        admission_requests_send(
            actor=world.coordinator, person=person, sites_ranked=[world.sites[0]], idempotency_key=f"n{n}"
        )
    listed(world.staff[0])
    status_labels()  # warms the terminology caches (the status_label of a row reads them)
    with django_assert_max_num_queries(4):
        result = listed(world.staff[0])
        attach_unit_statuses(result.rows)
        assert [row.score.total for row in result.rows] and result.rows[0].status_label
    assert len(result.rows) == 23


def test_csv_export_parsed_back(world, esms):
    result = listed(world.staff[0])
    content = waiting_list_csv(result.rows)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ["Rang", "Nom", "Nom de naissance"] and len(rows) == 4
    assert first["Prénoms"] == "Yann" and first["Score de priorité"] == "84"
    assert (first["Points urgence"], first["Points attente"], first["Points souhait"], first["Points distance"]) == (
        "60",
        "12",
        "20",
        "-8",
    )
    assert first["Date de naissance"] == "02/05/1980" and "," in first["Distance (km)"]
    assert first["Libellé du statut"] and first["Catégories orientées"] == "255"
    # Exports keep the code and the official label, and add the word the screens show (decision 0038).
    assert (first["Statut"], first["Statut en clair"]) == (st.UNDER_ANALYSIS, st.status_word(st.UNDER_ANALYSIS))
    assert first["Motif"] == first["Motif en clair"] == ""
    assert "Zoé" not in content.decode("utf-8-sig")


def test_xlsx_export_parsed_back_and_traced(world, esms):
    result = listed(world.staff[0], tri="nom")
    before = AccessLogEntry.objects.filter(action="export").count()
    content, content_type, filename = waiting_list_export(actor=world.staff[0], result=result, fmt="xlsx")
    assert content_type.startswith("application/vnd.openxmlformats")
    assert filename == f"liste-attente-{world.sites[0].finess}-{TODAY:%Y-%m-%d}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    header = [cell.value for cell in sheet[1]]
    values = [dict(zip(header, [cell.value for cell in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [v["Prénoms"] for v in values] == ["Léa", "Yann", "Anne"]
    assert values[1]["Date de naissance"].date() == date(1980, 5, 2)  # a real date cell
    assert values[1]["Score de priorité"] == 84 and values[0]["Distance (km)"] is None
    assert sheet.column_dimensions["B"].width > 10
    entries = AccessLogEntry.objects.filter(action="export")
    assert entries.count() == before + 1
    assert entries.last().detail.startswith("3 lignes") and entries.last().ground == "orientation_request"
    assert waiting_list_xlsx([])  # an empty list is still a valid workbook


def test_export_filename_for_a_managing_body(world, esms):
    result = listed(world.body_director)
    _c, _t, filename = waiting_list_export(actor=world.body_director, result=result, fmt="csv")
    assert filename.startswith("liste-attente-290000017-")  # the legal entity shared by its sites
    assert MAX_ROWS == 10_000


def test_exported_text_never_runs_as_a_formula(world, esms):
    from relais.persons.models import Person

    Person.objects.filter(pk=world.person.pk).update(used_name='=HYPERLINK("http://exemple.test","x")')
    rows = listed(world.staff[0]).rows
    text = waiting_list_csv(rows).decode("utf-8-sig")
    first = next(row for row in csv.reader(io.StringIO(text), delimiter=";") if row[3] == "Yann")
    assert first[1] == '\'=HYPERLINK("http://exemple.test","x")'
    sheet = openpyxl.load_workbook(io.BytesIO(waiting_list_xlsx(rows))).active
    assert sheet["B2"].value == '\'=HYPERLINK("http://exemple.test","x")' and sheet["B2"].data_type == "s"
