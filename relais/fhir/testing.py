"""Test helpers: check what the FHIR API sends against the fhir.resources R4B models.

Runtime does not validate outgoing resources (handlers build plain dicts, for
speed); tests do, through these helpers, for every response they look at.
"""

from __future__ import annotations

import json
from typing import Any

from .http import base_url
from .registry import model_class


def assert_valid_fhir(data: dict[str, Any], resource_type: str | None = None):
    """Validate a resource (a Bundle with its entries, an OperationOutcome...) with its R4B model.

    Returns the model instance; fails the test with pydantic's message otherwise.
    """
    assert isinstance(data, dict), f"not a FHIR resource: {data!r}"
    actual = data.get("resourceType")
    if resource_type is not None:
        assert actual == resource_type, f"expected {resource_type}, got {actual}"
    assert actual, f"resourceType missing: {data!r}"
    _assert_no_empty_values(data, actual)
    return model_class(actual).model_validate(data)


def _assert_no_empty_values(value: Any, path: str) -> None:
    """FHIR JSON has no null, no empty string, array or object (the R4B models let some through)."""
    assert value is not None and value not in ("", [], {}), f"{path} is empty: FHIR JSON leaves the element out"
    if isinstance(value, dict):
        for key, item in value.items():
            _assert_no_empty_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _assert_no_empty_values(item, f"{path}[{index}]")


def fhir_json(response, status: int = 200, resource_type: str | None = None) -> dict[str, Any]:
    """The body of a FHIR response after checking status, content type and R4B validity."""
    body = response.content.decode()
    assert response.status_code == status, f"status {response.status_code} != {status}: {body[:2000]}"
    content_type = response.headers.get("Content-Type", "")
    assert content_type.split(";")[0] in {"application/fhir+json", "application/json"}, content_type
    data = json.loads(body)
    assert_valid_fhir(data, resource_type)
    return data


def local_path(url: str) -> str:
    """A fullUrl or Bundle link turned into a path the Django test client can GET."""
    base = base_url()
    assert url.startswith(base + "/"), f"{url} is not under {base}"
    return "/fhir" + url[len(base) :]
