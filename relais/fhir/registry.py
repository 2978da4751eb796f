"""The registry: which FHIR resource types Relais serves, and the functions that serve them.

Each app registers its own types from its AppConfig.ready(), for example::

    from relais.fhir.registry import SearchParam, register

    register(
        "Organization",
        read=read_organization,        # (actor, id) -> dict | None
        search=search_organizations,   # (actor, params, offset, count) -> (list[dict], total)
        search_params=[SearchParam("name", "string", "Début du nom")],
        public=True,
    )

A type may also declare the `_revinclude` values it answers, each with a function
returning the resources that point to a page of matches:
`revincludes={"HealthcareService:location": services_at}` (actor, matches) -> list[dict].

Handlers receive an Actor, or None when the type is public and the caller is
anonymous. They return plain FHIR R4 dicts (JSON shape, with "resourceType"
and "id"); read returns None both for a missing id and for one the actor may
not see, so the two answer the same 404. Handlers may raise
relais.fhir.errors.FhirError, or Django's ValidationError / PermissionDenied /
Http404, which become OperationOutcome responses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from relais.accounts.actor import Actor

ReadHandler = Callable[["Actor | None", str], "dict[str, Any] | None"]
# params: {"name": ["a", "b"], "name:exact": ["c"]}: one list item per repetition
# of the parameter in the query string (AND); commas inside an item are ORs.
SearchHandler = Callable[["Actor | None", "dict[str, list[str]]", int, int], "tuple[list[dict[str, Any]], int]"]
CreateHandler = Callable[["Actor", "dict[str, Any]"], "dict[str, Any]"]
# (actor, id, the resource sent) -> the resource as stored; None when the id is missing or not the actor's to see.
UpdateHandler = Callable[["Actor", str, "dict[str, Any]"], "dict[str, Any] | None"]
# (actor, the page of matches) -> the resources to add to the Bundle with search.mode "include".
RevIncludeHandler = Callable[["Actor | None", "list[dict[str, Any]]"], "list[dict[str, Any]]"]

# FHIR R4 search parameter types (CapabilityStatement.rest.resource.searchParam.type).
SEARCH_PARAM_TYPES = frozenset(
    {"number", "date", "string", "token", "reference", "composite", "quantity", "uri", "special"}
)
# Parameters the framework handles itself: a resource may not register them.
CONTROL_PARAMS = frozenset({"_count", "_offset", "_format", "_pretty", "_revinclude"})
_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z]+$")
_PARAM_NAME = re.compile(r"^_?[a-z][A-Za-z0-9-]*$")  # "name", "address-postalcode", "_lastUpdated"
_REVINCLUDE = re.compile(r"^[A-Z][A-Za-z]+:[a-z][a-z0-9-]*$")  # "HealthcareService:location"


@dataclass(frozen=True)
class SearchParam:
    name: str  # as in the query string: "identifier", "name", "_id"...
    type: str  # one of SEARCH_PARAM_TYPES
    documentation: str = ""
    modifiers: tuple[str, ...] = ()  # accepted modifiers, e.g. ("exact", "contains")

    def __post_init__(self):
        if not _PARAM_NAME.match(self.name) or self.name in CONTROL_PARAMS:
            raise ImproperlyConfigured(f"FHIR search parameter name {self.name!r} is invalid or reserved.")
        if self.type not in SEARCH_PARAM_TYPES:
            raise ImproperlyConfigured(f"FHIR search parameter type {self.type!r} is not a FHIR R4 type.")
        object.__setattr__(self, "modifiers", tuple(self.modifiers))


@dataclass(frozen=True)
class ResourceRegistration:
    type: str
    read: ReadHandler
    search: SearchHandler
    create: CreateHandler | None = None
    search_params: tuple[SearchParam, ...] = ()
    public: bool = False  # read and search without an actor; create and update always need one
    documentation: str = ""
    profile: str | None = None  # canonical URL of the profile the resources follow, if any
    # Every profile the type's resources claim (the parts of a shared type may each have theirs): supportedProfile.
    supported_profiles: tuple[str, ...] = ()
    revincludes: dict[str, RevIncludeHandler] = field(default_factory=dict, compare=False)
    update: UpdateHandler | None = None  # PUT /fhir/<type>/<id>; never creates (updateCreate false)
    _params_by_name: dict[str, SearchParam] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "search_params", tuple(self.search_params))
        object.__setattr__(self, "_params_by_name", {p.name: p for p in self.search_params})

    def search_param(self, name: str) -> SearchParam | None:
        return self._params_by_name.get(name)

    @property
    def interactions(self) -> list[str]:
        """FHIR interaction codes, in CapabilityStatement order."""
        return (
            ["read", "search-type"]
            + (["create"] if self.create is not None else [])
            + (["update"] if self.update is not None else [])
        )


_registry: dict[str, ResourceRegistration] = {}


@cache
def model_class(type_name: str):
    """The fhir.resources R4B model of a resource type; ValueError if it is not an R4B resource."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.resource import Resource

    try:
        cls = get_fhir_model_class(type_name)
    except (ValueError, KeyError):
        raise ValueError(f"{type_name} is not a FHIR R4B resource type.") from None
    if not issubclass(cls, Resource):
        raise ValueError(f"{type_name} is not a FHIR R4B resource type.")
    return cls


def register(
    type_name: str,
    *,
    read: ReadHandler,
    search: SearchHandler,
    create: CreateHandler | None = None,
    search_params: Iterable[SearchParam] = (),
    public: bool = False,
    documentation: str = "",
    profile: str | None = None,
    revincludes: dict[str, RevIncludeHandler] | None = None,
    update: UpdateHandler | None = None,
    supported_profiles: Iterable[str] = (),
) -> ResourceRegistration:
    """Serve `type_name` at /fhir/<type_name>. One app owns a type: registering it twice is an error.

    With a `profile`, every resource the handlers return carries it in meta.profile when they did not set one
    (the framework's guarantee that Relais always says which profile it claims; decision 0048).
    """
    if not _TYPE_NAME.match(type_name):
        raise ImproperlyConfigured(f"{type_name!r} is not a FHIR resource type name.")
    try:
        model_class(type_name)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None
    if type_name in _registry:
        raise ImproperlyConfigured(f"FHIR resource type {type_name} is already registered.")
    params = tuple(search_params)
    names = [p.name for p in params]
    if len(names) != len(set(names)):
        raise ImproperlyConfigured(f"Duplicate search parameter for {type_name}: {names}.")
    for value in revincludes or {}:
        if not _REVINCLUDE.match(value):
            raise ImproperlyConfigured(f"_revinclude value {value!r} is not Type:parameter.")
    if profile:
        read, search = profiled_read(read, profile), profiled_search(search, profile)
        create = profiled_write(create, profile) if create is not None else None
        update = profiled_write(update, profile) if update is not None else None
    registration = ResourceRegistration(
        type=type_name,
        read=read,
        search=search,
        create=create,
        search_params=params,
        public=public,
        documentation=documentation,
        profile=profile,
        supported_profiles=tuple(dict.fromkeys([*([profile] if profile else []), *supported_profiles])),
        revincludes=dict(revincludes or {}),
        update=update,
    )
    _registry[type_name] = registration
    return registration


def with_profile(resource: Any, profile: str | None) -> Any:
    """The resource with `profile` in meta.profile, unless its handler already named its profile(s)."""
    if profile and isinstance(resource, dict):
        meta = resource.setdefault("meta", {})
        if not meta.get("profile"):
            meta["profile"] = [profile]
    return resource


def profiled_read(read: ReadHandler, profile: str) -> ReadHandler:
    return lambda actor, resource_id: with_profile(read(actor, resource_id), profile)


def profiled_search(search: SearchHandler, profile: str) -> SearchHandler:
    def profiled(actor, params, offset, count):
        resources, total = search(actor, params, offset, count)
        return [with_profile(r, profile) for r in resources], total

    return profiled


def profiled_write(write, profile: str):
    return lambda *args: with_profile(write(*args), profile)


def unregister(type_name: str) -> None:
    """Stop serving a type (tests, mostly). Unknown types are ignored."""
    _registry.pop(type_name, None)


def get(type_name: str) -> ResourceRegistration | None:
    return _registry.get(type_name)


def registrations() -> list[ResourceRegistration]:
    """Every registered type, sorted by name (the CapabilityStatement order)."""
    return [_registry[name] for name in sorted(_registry)]


@contextmanager
def registered(type_name: str, **kwargs) -> Iterator[ResourceRegistration]:
    """Register a type for the duration of a `with` block, then restore what was there (tests).

    If the type was already registered, it is replaced inside the block and put back after.
    """
    previous = _registry.pop(type_name, None)
    try:
        yield register(type_name, **kwargs)
    finally:
        _registry.pop(type_name, None)
        if previous is not None:
            _registry[type_name] = previous
