"""Primary and read replica: which reads may go to DATABASE_REPLICA_URL (docs/scaling.md).

A read goes to the replica only when all of these hold, else to the primary ("default"):
- a replica is configured (the "replica" alias exists);
- the code runs inside ``replica_reads(apps)``: a GET to one of REPLICA_ROUTES (ReplicaReadsMiddleware), or a
  command that opts in; the public directory and the territory's aggregated figures, where a second of lag is
  harmless and the volume is highest;
- the model belongs to one of the apps that block allows (offer and territory for the directory, orientation too
  for the figures), so sessions, accounts, memberships, 2FA devices, the access log and the job records are always
  read on the primary, even by those requests;
- the primary has no transaction open: a read inside a transaction must see that transaction's writes (and a
  replica cannot take the row locks of ``select_for_update``).
Every write goes to the primary. Migrations run on the primary only (the replica follows it by streaming).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import Resolver404, resolve

REPLICA = "replica"
DIRECTORY = frozenset({"offer", "territory"})
INDICATORS = DIRECTORY | {"orientation"}
# View names (namespace:name) whose GET requests may read these apps from the replica. Public directory: the
# search page, a site's page, the REST search, the commune look-up; territory view: its page and its exports.
REPLICA_ROUTES: dict[str, frozenset[str]] = {
    "offer:search": DIRECTORY,
    "offer:site": DIRECTORY,
    "api:offer_search": DIRECTORY,
    "api:communes": DIRECTORY,
    "territory:communes": DIRECTORY,
    "orientation:territory": INDICATORS,
    "orientation:territory_export": INDICATORS,
}
# FHIR: reads and searches of the public offer types (ROR-shaped), never Patient or any other personal resource.
FHIR_ROUTES = frozenset({"fhir:type", "fhir:instance"})
FHIR_PUBLIC_TYPES = frozenset({"HealthcareService", "Location"})

_replica_apps: ContextVar[frozenset[str]] = ContextVar("relais_replica_apps", default=frozenset())


@contextmanager
def replica_reads(apps: frozenset[str]) -> Iterator[None]:
    """Within this block, reads of these apps' models may go to the replica (outside transactions)."""
    token = _replica_apps.set(frozenset(apps))
    try:
        yield
    finally:
        _replica_apps.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def route_apps(view_name: str, kwargs: dict, method: str) -> frozenset[str]:
    """The apps a request to this view may read from the replica (empty: none)."""
    if method not in ("GET", "HEAD"):
        return frozenset()
    if view_name in FHIR_ROUTES:
        return DIRECTORY if kwargs.get("type_name") in FHIR_PUBLIC_TYPES else frozenset()
    return REPLICA_ROUTES.get(view_name, frozenset())


class PrimaryReplicaRouter:
    """Answers only for the replica; None elsewhere leaves Django's default (the primary, or an explicit alias)."""

    def db_for_read(self, model, **hints) -> str | None:
        if (
            model._meta.app_label in _replica_apps.get()
            and replica_configured()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return _off_replica(hints)

    def db_for_write(self, model, **hints) -> str | None:
        return _off_replica(hints)

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # One database seen through two connections: an object read on the replica may point at one from the primary.
        if REPLICA in {obj1._state.db, obj2._state.db}:
            return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == REPLICA else None  # the replica follows the primary by streaming


def _off_replica(hints) -> str | None:
    """An object read on the replica is written, and its relations read, on the primary outside replica_reads."""
    instance = hints.get("instance")
    if instance is not None and instance._state.db == REPLICA:
        return DEFAULT_DB_ALIAS
    return None


class ReplicaReadsMiddleware:
    """Opens ``replica_reads`` around the requests of REPLICA_ROUTES (and the public FHIR offer reads)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        apps = route_apps(match.view_name, match.kwargs, request.method)
        if not apps:
            return self.get_response(request)
        with replica_reads(apps):
            return self.get_response(request)
