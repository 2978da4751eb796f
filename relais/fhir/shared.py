"""FHIR types that several apps serve together, each with its own objects (Task: SI-SDO status changes of admission
requests and the actions of a person's shared plan).

Each app registers its part from its AppConfig.ready(); the registry serves the type as one:

- read: the first part (in registration order) that claims the id (``owns_id``) answers;
- search: the parts that declare every parameter used take part, in registration order, with offset arithmetic so
  ``total`` and paging cover the union (each part is asked once: its page, empty past its end, and its total);
- create: the first part whose ``owns_resource`` accepts the posted resource, else the part that declared none;
- update: the part that claims the id, if it updates (else 405 for that id).

The FHIR core imports no domain code: the domains plug into it, never the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import registry
from .errors import FhirError
from .registry import CreateHandler, ReadHandler, SearchHandler, SearchParam, UpdateHandler


@dataclass(frozen=True)
class TypePart:
    name: str  # what the part is, for error messages ("SI-SDO", "plan")
    owns_id: Callable[[str], bool]
    read: ReadHandler
    search: SearchHandler
    search_params: tuple[SearchParam, ...] = ()
    create: CreateHandler | None = None
    # Which posted resources this part creates; None: every resource no other part claims.
    owns_resource: Callable[[dict[str, Any]], bool] | None = None
    documentation: str = ""
    update: UpdateHandler | None = None
    profile: str | None = None  # the profile this part's resources claim (meta.profile, supportedProfile)
    # Other profiles its handlers put in meta.profile themselves (e.g. SDO and ESMS Task): listed in supportedProfile.
    supported_profiles: tuple[str, ...] = ()

    def takes(self, params: dict[str, list[str]]) -> bool:
        names = {p.name for p in self.search_params}
        return all(key.partition(":")[0] in names for key in params)


_parts: dict[str, list[TypePart]] = {}


def register_part(type_name: str, part: TypePart, *, public: bool = False, profile: str | None = None) -> None:
    """Add ``part`` to the shared type ``type_name`` and (re)register the type with every part so far.

    Each part's resources carry the part's profile (else ``profile``) in meta.profile when its handlers set none;
    the type's supportedProfile lists every part's.
    """
    parts = _parts.setdefault(type_name, [])
    if any(p.name == part.name for p in parts):
        raise ImproperlyConfigured(f"FHIR type {type_name} already has a part named {part.name!r}.")
    if (
        part.create is not None
        and part.owns_resource is None
        and any(p.create is not None and p.owns_resource is None for p in parts)
    ):
        raise ImproperlyConfigured(f"FHIR type {type_name}: only one part may create what no other part claims.")
    parts.append(_profiled(part, part.profile or profile))
    registry.unregister(type_name)
    params, names = [], set()
    for each in parts:
        params += [p for p in each.search_params if p.name not in names]
        names |= {p.name for p in each.search_params}
    creates = any(p.create is not None for p in parts)
    updates = any(p.update is not None for p in parts)
    registry.register(
        type_name,
        read=lambda actor, resource_id: _read(parts, actor, resource_id),
        search=lambda actor, params, offset, count: _search(parts, actor, params, offset, count),
        create=(lambda actor, resource: _create(type_name, parts, actor, resource)) if creates else None,
        update=(lambda actor, resource_id, resource: _update(type_name, parts, actor, resource_id, resource))
        if updates
        else None,
        search_params=params,
        public=public,
        profile=profile,
        supported_profiles=[x for p in parts for x in ([p.profile] if p.profile else []) + list(p.supported_profiles)],
        documentation=" ".join(p.documentation for p in parts if p.documentation),
    )


def _profiled(part: TypePart, profile: str | None) -> TypePart:
    """The part with handlers that put its profile in meta.profile when they did not."""
    if not profile:
        return part
    return replace(
        part,
        profile=profile,
        read=registry.profiled_read(part.read, profile),
        search=registry.profiled_search(part.search, profile),
        create=registry.profiled_write(part.create, profile) if part.create is not None else None,
        update=registry.profiled_write(part.update, profile) if part.update is not None else None,
    )


def unregister_parts(type_name: str) -> None:
    """Forget a shared type and its parts (tests)."""
    _parts.pop(type_name, None)
    registry.unregister(type_name)


def _read(parts: list[TypePart], actor, resource_id: str) -> dict[str, Any] | None:
    part = next((p for p in parts if p.owns_id(resource_id)), None)
    return part.read(actor, resource_id) if part is not None else None


def _search(parts: list[TypePart], actor, params, offset: int, count: int) -> tuple[list[dict[str, Any]], int]:
    resources: list[dict[str, Any]] = []
    total = 0
    for part in parts:
        if not part.takes(params):
            continue
        page, part_total = part.search(actor, params, max(offset - total, 0), count - len(resources))
        resources += page
        total += part_total
    return resources, total


def _create(type_name: str, parts: list[TypePart], actor, resource: dict[str, Any]) -> dict[str, Any]:
    creators = [p for p in parts if p.create is not None]
    part = next((p for p in creators if p.owns_resource is not None and p.owns_resource(resource)), None)
    part = part or next((p for p in creators if p.owns_resource is None), None)
    if part is None:
        raise FhirError(422, "not-supported", f"Aucune sorte de {type_name} ne correspond à la ressource envoyée.")
    return part.create(actor, resource)


def _update(type_name: str, parts: list[TypePart], actor, resource_id: str, resource: dict[str, Any]):
    part = next((p for p in parts if p.owns_id(resource_id)), None)
    if part is None:
        return None
    if part.update is None:
        raise FhirError(405, "not-supported", f"{type_name}/{resource_id} : cette ressource ne se modifie pas ici.")
    return part.update(actor, resource_id, resource)
