"""The primary/replica router (config/db_router.py): which alias each read and write goes to, and the public directory
served from a real second connection (a TEST MIRROR of the test database) on SQLite and PostgreSQL."""

import csv
import io

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from config.db_router import DIRECTORY, INDICATORS, REPLICA, REPLICA_ROUTES, replica_reads, route_apps
from relais.accounts.models import User
from relais.audit.models import AccessLogEntry
from relais.jobs.models import JobRun
from relais.offer.models import Site, Unit
from relais.orientation.requests.models import AdmissionRequest
from relais.territory.models import Commune
from tests.offer.search_support import build_geography, site_factory
from tests.orientation.test_territory import _person

PRIMARY = "default"


def test_without_a_replica_everything_reads_the_primary():
    with replica_reads(INDICATORS):
        assert {router.db_for_read(m) for m in (Site, Commune, AdmissionRequest, User)} == {PRIMARY}


def test_reads_of_the_allowed_apps_go_to_the_replica_and_nothing_else(replica_alias_only):
    assert router.db_for_read(Site) == PRIMARY  # outside replica_reads: primary
    with replica_reads(DIRECTORY):
        assert router.db_for_read(Site) == router.db_for_read(Unit) == router.db_for_read(Commune) == REPLICA
        # Sessions, accounts, the access log and job records: the primary, even inside a directory request.
        for model in (Session, User, AccessLogEntry, JobRun):
            assert router.db_for_read(model) == PRIMARY, model
        assert router.db_for_read(AdmissionRequest) == PRIMARY  # orientation: only for the territory figures
        assert router.db_for_write(Site) == PRIMARY
    with replica_reads(INDICATORS):
        assert router.db_for_read(AdmissionRequest) == REPLICA
    assert router.db_for_read(Site) == PRIMARY  # the block is closed again
    assert router.allow_migrate(REPLICA, "offer") is False and router.allow_migrate(PRIMARY, "offer") is True


def test_the_routes_that_read_from_the_replica():
    # Every listed view name exists (a renamed URL would silently fall back to the primary otherwise).
    paths = {
        "/offre/": "offer:search",
        "/offre/etablissement/2A9800001/": "offer:site",
        "/api/v1/offer/search": "api:offer_search",
        "/api/v1/territory/communes/": "api:communes",
        "/territoire/communes/": "territory:communes",
        "/orientation/territoire/": "orientation:territory",
        "/orientation/territoire/export/demande-categorie.csv": "orientation:territory_export",
    }
    assert {resolve(path).view_name for path in paths} == set(REPLICA_ROUTES) == set(paths.values())
    assert route_apps("offer:search", {}, "GET") == DIRECTORY
    assert route_apps("orientation:territory", {}, "GET") == INDICATORS
    assert route_apps("offer:search", {}, "POST") == frozenset()  # never a write request
    assert route_apps("accounts:login", {}, "GET") == frozenset()
    fhir = resolve("/fhir/HealthcareService")
    assert route_apps(fhir.view_name, fhir.kwargs, "GET") == DIRECTORY
    patient = resolve("/fhir/Patient/12")
    assert route_apps(patient.view_name, patient.kwargs, "GET") == frozenset()
    assert route_apps(fhir.view_name, fhir.kwargs, "POST") == frozenset()


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_stay_on_the_primary_and_see_its_writes(replica):
    build_geography()
    make = site_factory()
    with transaction.atomic(), replica_reads(DIRECTORY):
        site = make("EHPAD Les Pins")
        assert router.db_for_read(Site) == PRIMARY
        assert Site.objects.filter(pk=site.pk).exists()  # read-your-writes: the primary, inside the transaction
        if connection.vendor == "postgresql":  # (SQLite's shared in-memory test database locks the table instead)
            assert not Site.objects.using(REPLICA).filter(pk=site.pk).exists()  # uncommitted: not on the replica
    with replica_reads(DIRECTORY), CaptureQueriesContext(replica) as on_replica:
        found = Site.objects.get(pk=site.pk)  # committed, outside a transaction: read on the replica
    assert found.name == "EHPAD Les Pins" and found._state.db == REPLICA
    assert any('"offer_site"' in query["sql"] for query in on_replica.captured_queries)
    found.name = "EHPAD Les Pins (renommé)"
    found.save()  # an object read on the replica is written on the primary
    assert Site.objects.using(PRIMARY).get(pk=site.pk).name == "EHPAD Les Pins (renommé)"


@pytest.mark.django_db(transaction=True)
def test_the_public_site_page_is_read_from_the_replica(replica, client):
    build_geography()
    site = site_factory()("EHPAD Les Tilleuls", units=[{"name": "Hébergement permanent", "available": 3}])
    cache.clear()
    with CaptureQueriesContext(connection) as on_primary, CaptureQueriesContext(replica) as on_replica:
        response = client.get(f"/offre/etablissement/{site.finess}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "EHPAD Les Tilleuls" in html and "3 places libres" in html  # data read through the replica
    replica_sql = " ".join(query["sql"] for query in on_replica.captured_queries)
    primary_sql = " ".join(query["sql"] for query in on_primary.captured_queries)
    assert '"offer_site"' in replica_sql and '"offer_unit"' in replica_sql
    assert '"offer_site"' not in primary_sql and '"offer_unit"' not in primary_sql
    # A page outside the directory reads the primary only.
    with CaptureQueriesContext(replica) as elsewhere:
        client.get("/compte/connexion/")
    assert elsewhere.captured_queries == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_replica_is_another_session_of_the_same_database(replica):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: backend process ids")
    with connection.cursor() as primary_cursor, replica.cursor() as replica_cursor:
        primary_cursor.execute("SELECT pg_backend_pid(), current_database()")
        replica_cursor.execute("SELECT pg_backend_pid(), current_database()")
        (primary_pid, primary_db), (replica_pid, replica_db) = primary_cursor.fetchone(), replica_cursor.fetchone()
    assert primary_pid != replica_pid and primary_db == replica_db == connections[PRIMARY].settings_dict["NAME"]


@pytest.mark.django_db(transaction=True)
def test_the_territory_figures_are_read_from_the_replica(replica, land, client, no_2fa):
    _person(land, sites=(0, 1))
    for _ in range(5):
        _person(land, sites=(2,))
    user, _analyst = land.cd_analyst
    client.force_login(user)
    with CaptureQueriesContext(connection) as on_primary, CaptureQueriesContext(replica) as on_replica:
        response = client.get("/orientation/territoire/export/demande-categorie.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[-1] == ["Total", "7", "6"]  # the same figures as from the primary (tests/orientation/test_territory.py)
    replica_sql = " ".join(query["sql"] for query in on_replica.captured_queries)
    primary_sql = " ".join(query["sql"] for query in on_primary.captured_queries)
    assert '"orientation_admissionrequest"' in replica_sql and '"orientation_admissionrequest"' not in primary_sql
    assert '"django_session"' in primary_sql and '"django_session"' not in replica_sql  # the session: primary
    assert '"accounts_membership"' in primary_sql and '"accounts_membership"' not in replica_sql
