"""Reading an SDO Task (posted alone or inside a notification Bundle), every error naming its FHIRPath.

The JSON has already passed the fhir.resources R4B model; what is checked here is what the SI-SDO and Relais
add: the input slices (by the InputTaskSDOCodeSystem code of ``input.type``, else its text), the code systems of
statuses and reasons, the identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from relais.fhir.errors import FhirError
from relais.orientation.requests import workflow as wf
from relais.orientation.terminology.selectors import (
    REASON_SYSTEM_NAME,
    STATUS_SYSTEM_NAME,
    concept_label,
    resolve_system,
)

from . import codes as c


def invalid(path: str, message: str, *, status: int = 400, code: str = "invalid") -> FhirError:
    return FhirError(status, code, f"{path} : {message}", expression=path)


@dataclass(frozen=True)
class Value:
    """One input's value and where it was found."""

    path: str
    data: Any


def input_name(item: dict[str, Any]) -> str:
    """The slice an input belongs to: its InputTaskSDOCodeSystem code (the profile's pattern), else ``type.text``
    (all the ANS examples give: a display-only coding and the name in ``text``)."""
    concept = item.get("type") or {}
    for coding in concept.get("coding") or []:
        if coding.get("system") == c.INPUT_SYSTEM and coding.get("code"):
            return coding["code"]
    return (concept.get("text") or "").strip()


class TaskReader:
    """The SDO inputs of one Task, by slice name; ``path`` is the Task's own ("Task", "Bundle.entry[0].resource")."""

    def __init__(self, task: dict[str, Any], path: str = "Task"):
        self.task, self.path = task, path
        self.inputs: dict[str, tuple[int, dict[str, Any]]] = {}
        for index, item in enumerate(task.get("input") or []):
            name = input_name(item)
            if name in self.inputs:
                raise invalid(f"{path}.input[{index}].type.text", f"l'entrée « {name} » apparaît deux fois.")
            if name:
                self.inputs[name] = (index, item)

    def value(self, name: str, *kinds: str) -> Value | None:
        """The value[x] of input ``name`` among ``kinds`` ("String", "Identifier"...); None when absent."""
        if name not in self.inputs:
            return None
        index, item = self.inputs[name]
        for kind in kinds:
            if f"value{kind}" in item:
                return Value(f"{self.path}.input[{index}].value{kind}", item[f"value{kind}"])
        expected = " ou ".join(f"value{kind}" for kind in kinds)
        raise invalid(f"{self.path}.input[{index}]", f"l'entrée « {name} » attend {expected}.")

    def text(self, name: str) -> Value | None:
        """A string or an identifier's value (the ANS JSON examples use valueString where the profile says
        valueIdentifier)."""
        found = self.value(name, "Identifier", "String", "Id")
        if found is None:
            return None
        if isinstance(found.data, dict):
            value = (found.data.get("value") or "").strip()
            if not value:
                raise invalid(f"{found.path}.value", f"l'identifiant « {name} » est vide.", code="required")
            return Value(f"{found.path}.value", value)
        return Value(found.path, found.data.strip())

    def required_text(self, name: str) -> Value:
        found = self.text(name)
        if found is None:
            raise invalid(f"{self.path}.input", f"l'entrée « {name} » est obligatoire.", code="required")
        return found

    def concept(self, name: str) -> Value | None:
        return self.value(name, "CodeableConcept")


def sdo_code(concept: Value | dict | None, path: str, *, kind: str) -> str | None:
    """The TRE_R357 (kind "status") or TRE_R358 (kind "reason") code of a CodeableConcept; 400 naming the coding.

    The first coding whose system is the code system (official URL or a known alias) counts; codings of other
    systems are ignored, as FHIR allows several codings for one concept.
    """
    if isinstance(concept, Value):
        path, concept = concept.path, concept.data
    if not concept:
        return None
    wanted = STATUS_SYSTEM_NAME if kind == "status" else REASON_SYSTEM_NAME
    official = c.STATUS_SYSTEM if kind == "status" else c.REASON_SYSTEM
    codings = concept.get("coding") or []
    for index, coding in enumerate(codings):
        system = resolve_system(coding.get("system") or "") if coding.get("system") else None
        if system is None or system.name != wanted:
            continue
        code = (coding.get("code") or "").strip()
        where = f"{path}.coding[{index}].code"
        if not code:
            raise invalid(where, "code manquant.", code="required")
        if not concept_label(code, wanted):
            label = "statut" if kind == "status" else "motif"
            raise invalid(where, f"{label} « {code} » inconnu de {official}.", code="code-invalid")
        return code
    where = f"{path}.coding[0].system" if codings else f"{path}.coding"
    raise invalid(where, f"aucun codage dans le système {official} (ou un de ses alias).", code="code-invalid")


def check_level(code: str, level: str, path: str) -> None:
    if wf.level_of(code) != level:
        expected = "JDV_J252 (ESMS)" if level == wf.ESMS else "JDV_J253 (unité)"
        raise invalid(path, f"le statut « {code} » n'est pas un statut {expected}.", code="code-invalid")
