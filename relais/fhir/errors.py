"""FHIR errors: every failure under /fhir/ answers an OperationOutcome, never an HTML page.

Diagnostics are in French (they reach the people who configure the calling
systems); codes follow http://hl7.org/fhir/R4/valueset-issue-type.html.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError as PydanticValidationError

# Pydantic error types mapped to FHIR issue types; anything else is "invalid".
_PYDANTIC_CODES = {
    "missing": "required",
    "model_field_validation.missing": "required",
    "extra_forbidden": "structure",
    "list_type": "structure",
    "dict_type": "structure",
    "model_type": "structure",
}
MAX_ISSUES = 20


@dataclass
class Issue:
    code: str  # FHIR issue type: not-found, not-supported, invalid, required, login...
    diagnostics: str
    expression: list[str] = field(default_factory=list)
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        issue: dict[str, Any] = {"severity": self.severity, "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = list(self.expression)
        return issue


class FhirError(Exception):
    """Raise from a handler (or the framework) to answer an OperationOutcome with this status."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        *,
        expression: list[str] | str | None = None,
        issues: list[Issue] | None = None,
        headers: dict[str, str] | None = None,
        after_rollback=None,
    ):
        super().__init__(diagnostics)
        # Called by the view once the request's transaction is rolled back (e.g. identity vigilance logging the
        # candidates it showed, decision 0030).
        self.after_rollback = after_rollback
        if isinstance(expression, str):
            expression = [expression]
        self.status = status
        self.issues = issues or [Issue(code=code, diagnostics=diagnostics, expression=expression or [])]
        self.headers = headers or {}

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issues)


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [issue.as_dict() for issue in issues]}


# --- The errors the framework raises -----------------------------------------------------


def not_found(type_name: str, resource_id: str) -> FhirError:
    # Same words for "missing" and "hidden": nothing tells them apart.
    return FhirError(404, "not-found", f"Ressource {type_name}/{resource_id} introuvable.")


def type_not_supported(type_name: str) -> FhirError:
    return FhirError(404, "not-supported", f"Le type de ressource « {type_name} » n'est pas pris en charge.")


def bad_param(name: str, diagnostics: str, code: str = "invalid") -> FhirError:
    return FhirError(400, code, diagnostics, expression=[name])


def method_not_allowed(method: str, allowed: list[str]) -> FhirError:
    return FhirError(
        405,
        "not-supported",
        f"La méthode {method} n'est pas permise ici (permises : {', '.join(allowed)}).",
        headers={"Allow": ", ".join(allowed)},
    )


def unauthenticated(diagnostics: str, *, invalid_token: bool = False) -> FhirError:
    challenge = 'Bearer realm="fhir"' + (', error="invalid_token"' if invalid_token else "")
    return FhirError(401, "login", diagnostics, headers={"WWW-Authenticate": challenge})


def validation_error(type_name: str, exc: PydanticValidationError) -> FhirError:
    """One issue per pydantic error, each naming its FHIRPath, e.g. Organization.identifier[0].system."""
    issues = []
    for error in exc.errors()[:MAX_ISSUES]:
        path = fhir_path(type_name, error.get("loc", ()))
        message = error.get("msg", "valeur invalide").replace("Value error, ", "")
        issues.append(
            Issue(
                code=_PYDANTIC_CODES.get(error.get("type", ""), "invalid"),
                diagnostics=f"{path} : {message}",
                expression=[path],
            )
        )
    if not issues:  # pragma: no cover - pydantic always reports at least one error
        issues.append(Issue(code="invalid", diagnostics=f"{type_name} invalide."))
    return FhirError(400, issues[0].code, issues[0].diagnostics, issues=issues)


def fhir_path(type_name: str, loc: tuple[Any, ...] | list[Any]) -> str:
    """('identifier', 0, 'system') -> 'Organization.identifier[0].system'."""
    path = type_name
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("resource_type", "__root__"):
            path += ".resourceType" if part == "resource_type" else ""
        else:
            path += f".{part}"
    return path
