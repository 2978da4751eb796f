"""POST /fhir/: a transaction Bundle, accepted whole or refused whole.

Every entry is a POST of a registered type that accepts create, or a PUT (``Type/id``) of one that accepts update
(DELETE and conditional requests are refused, naming the entry); an updated resource keeps its id, so references to its
entry are known from the start. The entries run in one database transaction, in an order that lets references resolve:
Organization, Patient, then CareTeam, RelatedPerson, Consent, CarePlan, Goal, then the others in Bundle order. A
reference to another entry (its ``fullUrl`` — ``urn:uuid:…`` — or ``Type/id`` of a resource that carries an id) is
rewritten to the created resource. A CareTeam participant pointing to a RelatedPerson of the Bundle is left to that
RelatedPerson entry (it joins the circle of its ``patient``; the participant's period is kept). An Organization entry
(the ANS care-circle Bundles carry one) is matched against the directory, never created (``transaction_match``): it runs
first, so that references to it become the directory's ``Organization/<id>`` or a logical reference. Any failure rolls
everything back, access log included, and the OperationOutcome names the entry: ``Bundle.entry[3].resource.…``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import Http404

from . import registry
from .auth import enforce_csrf, resolve_caller
from .errors import FhirError, unauthenticated
from .http import FHIR_JSON, JSON, base_url, fhir_response
from .transaction_match import ORGANIZATION, logical_reference, organization_response
from .validation import validate_resource
from .views import _allow, _django_error, fhir_view

ORDER = {ORGANIZATION: -1, "Patient": 0, "CareTeam": 1, "RelatedPerson": 2, "Consent": 3, "CarePlan": 4, "Goal": 5}
MAX_ENTRIES = 200
# Elements that only mirror links the other entries carry themselves (a Goal and a Task name their person, a Task its
# Goal): when they point to an entry created later they are dropped, not refused, so that a plan Relais exported
# comes back in one Bundle.
MIRRORED = {"CarePlan": ("goal", "activity")}


def _parse_json(request) -> dict[str, Any]:
    if request.content_type not in (FHIR_JSON, JSON, "application/json+fhir"):
        raise FhirError(415, "not-supported", f"Corps attendu en {FHIR_JSON}, reçu « {request.content_type} ».")
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        raise FhirError(413, "too-costly", "Corps de requête trop volumineux.") from None
    except (ValueError, RecursionError) as exc:
        raise FhirError(400, "structure", f"JSON invalide : {exc}") from None
    if not isinstance(data, dict):
        raise FhirError(400, "structure", "Le corps doit être un objet JSON : un Bundle FHIR.")
    return data


def _fail(index: int, error: FhirError) -> FhirError:
    """The same error, every issue prefixed with the entry it came from."""
    prefix = f"Bundle.entry[{index}]"
    for issue in error.issues:
        issue.expression = [f"{prefix}.resource.{e.split('.', 1)[1]}" if "." in e else prefix for e in issue.expression]
        issue.expression = issue.expression or [prefix]
        issue.diagnostics = f"{prefix} : {issue.diagnostics}"
    error.args = (error.issues[0].diagnostics,)
    return error


def _entry_error(index: int, path: str, message: str, code: str = "invalid", status: int = 400) -> FhirError:
    full = f"Bundle.entry[{index}]{path}"
    return FhirError(status, code, f"{full} : {message}", expression=full)


def _check_entries(bundle: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
        raise FhirError(400, "invalid", "Bundle.type : seul un Bundle de type « transaction » est accepté ici.")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or not entries or len(entries) > MAX_ENTRIES:
        raise FhirError(400, "invalid", f"Bundle.entry : de 1 à {MAX_ENTRIES} entrées attendues.")
    checked = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise _entry_error(index, ".resource", "ressource absente.", "required")
        request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
        type_name = resource.get("resourceType")
        if not isinstance(type_name, str) or not type_name:
            raise _entry_error(index, ".resource.resourceType", "type de ressource absent.", "required")
        if not isinstance(entry.get("fullUrl", ""), str):
            raise _entry_error(index, ".fullUrl", "une URI (chaîne) est attendue.")
        method = request.get("method")
        if method not in ("POST", "PUT") or request.get("ifNoneExist") or request.get("ifMatch"):
            raise _entry_error(
                index,
                ".request.method",
                "seules la création (POST) et la mise à jour (PUT, sans condition) sont prises en charge.",
                "not-supported",
            )
        url = request.get("url")
        expected = type_name if method == "POST" else f"{type_name}/{resource.get('id')}"
        if not isinstance(url, str) or url.strip("/") != expected or (method == "PUT" and not resource.get("id")):
            raise _entry_error(index, ".request.url", f"« {expected} » attendu, reçu « {url} ».")
        registration = registry.get(type_name)
        matched_only = type_name == ORGANIZATION and registration is not None and registration.search is not None
        handler = registration and (registration.create if method == "POST" else registration.update)
        if registration is None or (handler is None and not matched_only):
            what = "création" if method == "POST" else "mise à jour"
            raise _entry_error(index, ".resource.resourceType", f"{what} de {type_name} non prise en charge.")
        try:
            validate_resource(type_name, resource)
        except FhirError as error:
            raise _fail(index, error) from None
        checked.append((index, entry))
    return checked


def _keys(entry: dict[str, Any]) -> list[str]:
    resource = entry["resource"]
    keys = [entry["fullUrl"]] if entry.get("fullUrl") else []
    if resource.get("id"):
        keys.append(f"{resource['resourceType']}/{resource['id']}")
    return keys


def _rewrite(value: Any, targets: dict[str, Any], pending: dict[str, int], path: str, index: int) -> Any:
    """References to created entries become ``Type/id`` (or the logical reference standing for an unmatched
    Organization entry); to entries not created yet, an error naming the path."""
    if isinstance(value, dict):
        target = targets.get(value.get("reference")) if isinstance(value.get("reference"), str) else None
        if isinstance(target, dict):
            return {**{k: v for k, v in value.items() if k != "reference"}, **target}
        result = {}
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                if item in targets:
                    item = targets[item]
                elif item in pending or item.startswith("urn:uuid:"):
                    where = "n'est pas créée avant celle-ci" if item in pending else "ne correspond à aucune entrée"
                    raise _entry_error(index, f".resource{path}.reference", f"« {item} » {where}.", status=422)
            result[key] = _rewrite(item, targets, pending, f"{path}.{key}", index)
        return result
    if isinstance(value, list):
        return [_rewrite(item, targets, pending, f"{path}[{i}]", index) for i, item in enumerate(value)]
    return value


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for item in value.values() for r in _references(item)]
    if isinstance(value, list):
        return [r for item in value for r in _references(item)]
    return []


def _defer_related_persons(resource: dict[str, Any], pending: dict[str, int], entries: dict[int, dict]) -> None:
    """CareTeam participants that are RelatedPerson entries of the Bundle join through those entries."""
    kept = []
    for participant in resource.get("participant") or []:
        reference = (participant.get("member") or {}).get("reference", "")
        target = pending.get(reference)
        if target is not None and entries[target]["resource"].get("resourceType") == "RelatedPerson":
            related = entries[target]["resource"]
            if participant.get("period") and not related.get("period"):
                related["period"] = participant["period"]
            continue
        kept.append(participant)
    resource["participant"] = kept
    if not kept:
        resource.pop("participant")


def _is_update(entry: dict[str, Any]) -> bool:
    return entry["request"]["method"] == "PUT" and entry["resource"]["resourceType"] != ORGANIZATION


def _execute(actor, checked: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, dict | None, dict[str, Any]]]:
    entries = dict(checked)
    pending = {key: index for index, entry in checked for key in _keys(entry) if not _is_update(entry)}
    # An updated resource keeps its id: references to its entry are known from the start.
    targets: dict[str, Any] = {
        key: f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
        for _index, entry in checked
        if _is_update(entry)
        for key in _keys(entry)
    }
    results = []
    for index, entry in sorted(checked, key=lambda item: (ORDER.get(item[1]["resource"]["resourceType"], 9), item[0])):
        resource = dict(entry["resource"])
        for key in _keys(entry):
            pending.pop(key, None)
        if resource["resourceType"] == "CareTeam":
            _defer_related_persons(resource, pending, entries)
        for name in MIRRORED.get(resource["resourceType"], ()):
            if any(key in pending for key in _references(resource.get(name))):
                resource.pop(name)
        if resource["resourceType"] == ORGANIZATION:
            target, response = organization_response(actor, resource)
            for key in _keys(entry):
                targets[key] = target or logical_reference(resource)
            results.append((index, None, response))
            continue
        resource = _rewrite(resource, targets, pending, "", index)
        registration = registry.get(resource["resourceType"])
        if _is_update(entry):
            results.append((index, *_update(actor, registration, resource, index)))
            continue
        resource.pop("id", None)
        try:
            created = registration.create(actor, resource)
        except FhirError as error:
            raise _fail(index, error) from None
        except (Http404, PermissionDenied, ValidationError) as exc:
            raise _fail(index, _django_error(exc)) from None
        for key in _keys(entry):
            targets[key] = f"{created['resourceType']}/{created['id']}"
        location = f"{created['resourceType']}/{created['id']}"
        results.append((index, created, {"status": "201 Created", "location": location}))
    return sorted(results, key=lambda item: item[0])


def _update(actor, registration, resource: dict[str, Any], index: int) -> tuple[dict, dict[str, Any]]:
    try:
        updated = registration.update(actor, resource["id"], resource)
    except FhirError as error:
        raise _fail(index, error) from None
    except (Http404, PermissionDenied, ValidationError) as exc:
        raise _fail(index, _django_error(exc)) from None
    location = f"{resource['resourceType']}/{resource['id']}"
    if updated is None:
        raise _entry_error(index, ".request.url", f"{location} introuvable.", "not-found", status=404)
    return updated, {"status": "200 OK", "location": location}


@fhir_view
def transaction_endpoint(request, content_type: str):
    if request.method in ("GET", "HEAD"):  # no whole-system search: the same answer as any unknown path
        raise FhirError(404, "not-found", "Aucune ressource FHIR à l'adresse « /fhir/ » (POST : Bundle transaction).")
    _allow(request, ["POST"])
    caller = resolve_caller(request)
    if caller.actor is None:
        raise unauthenticated(caller.reason)
    if caller.via_session:
        enforce_csrf(request)
    bundle = _parse_json(request)
    checked = _check_entries(bundle)
    with transaction.atomic():
        results = _execute(caller.actor, checked)
    response_entries = []
    for _index, created, response in results:
        entry: dict[str, Any] = {"response": response}
        if created is not None:
            entry = {"fullUrl": f"{base_url()}/{created['resourceType']}/{created['id']}", "resource": created, **entry}
        elif response.get("location"):
            entry = {"fullUrl": f"{base_url()}/{response['location']}", **entry}
        response_entries.append(entry)
    result = {"resourceType": "Bundle", "type": "transaction-response", "entry": response_entries}
    return fhir_response(request, result, content_type=content_type)
