"""The FHIRPath invariants of the guides' profiles, written as named Python predicates.

There is no FHIRPath engine here (decision 0048): each invariant the snapshot names is implemented by hand, from its
expression (kept in the snapshot beside it). An invariant without a predicate is reported as unchecked, never passed.
Each predicate receives the element the invariant is on (a dict, or a primitive value) and returns True when it holds,
else False or a short text saying what is missing (shown in the problem).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

IDENTITY_RELIABILITY = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
INS_NIR, INS_NIA = "urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.9"
INS_NIR_TEST, INS_NIR_DEMO = "urn:oid:1.2.250.1.213.1.4.10", "urn:oid:1.2.250.1.213.1.4.11"


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _extensions(element: Any, url: str) -> list[dict]:
    """FHIRPath extension(url): the element's extensions with that URL."""
    if not isinstance(element, dict):
        return []
    return [e for e in _list(element.get("extension")) if isinstance(e, dict) and e.get("url") == url]


def _value(extension: dict) -> Any:
    """FHIRPath `value` of an extension: its value[x], whatever the type."""
    return next((v for k, v in extension.items() if k.startswith("value") and k != "value"), None)


def _codes(value: Any) -> set[str]:
    """The codes of a Coding, a CodeableConcept or a code."""
    if isinstance(value, str):
        return {value}
    if not isinstance(value, dict):
        return set()
    if "coding" in value:
        return {c.get("code") for c in _list(value["coding"]) if isinstance(c, dict)}
    return {value.get("code")} if "code" in value else set()


def _status_codes(patient: dict) -> set[str]:
    codes: set[str] = set()
    for reliability in _extensions(patient, IDENTITY_RELIABILITY):
        for status in _extensions(reliability, "identityStatus"):
            codes |= _codes(_value(status))
    return codes


def _identifiers(patient: dict, system: str | None, use: str) -> list[dict]:
    return [
        i
        for i in _list(patient.get("identifier"))
        if isinstance(i, dict) and i.get("use") == use and (system is None or i.get("system") == system)
    ]


def fr_core_1(patient: dict) -> bool:
    """VALI implies an INS (NIR, NIA, test or demo NIR) among the identifiers."""
    if "VALI" not in _status_codes(patient):
        return True
    return bool(
        _identifiers(patient, INS_NIR, "official")
        or _identifiers(patient, INS_NIA, "temp")
        or _identifiers(patient, INS_NIR_TEST, "official")
        or _identifiers(patient, INS_NIR_DEMO, "official")
    )


def fr_core_2(patient: dict) -> bool:
    """VALI implies exactly one official identifier, or an INS-NIA (temp)."""
    if "VALI" not in _status_codes(patient):
        return True
    return len(_identifiers(patient, None, "official")) == 1 or bool(_identifiers(patient, INS_NIA, "temp"))


def _comment_codes(reliability: dict) -> set[str]:
    codes: set[str] = set()
    for comment in _extensions(reliability, "comment"):
        codes |= _codes(_value(comment))
    return codes


def identity_reliability_1(reliability: dict) -> bool:
    """A doubtful (DOUT) or fictitious (FICT) identity has the provisional status (PROV)."""
    if not _comment_codes(reliability) & {"DOUT", "FICT"}:
        return True
    statuses: set[str] = set()
    for status in _extensions(reliability, "identityStatus"):
        statuses |= _codes(_value(status))
    return "PROV" in statuses


def identity_reliability_2(reliability: dict) -> bool:
    """FICT and DOUT are not both present."""
    return not {"DOUT", "FICT"} <= _comment_codes(reliability)


def req_met(method: Any) -> bool:
    """A transaction entry is POSTed (new) or PUT (existing)."""
    return method in {"POST", "PUT"}


def event_subject(resource: dict) -> bool:
    """subject xor about."""
    return bool(resource.get("subject")) != bool(resource.get("about"))


def _input_texts(task: dict) -> set[str]:
    return {
        i["type"].get("text")
        for i in _list(task.get("input"))
        if isinstance(i, dict) and isinstance(i.get("type"), dict)
    }


def regle_statut_unite(task: dict) -> bool | str:
    """A unit status (statutUnite) comes with idUnite, nomUnite, categorieOrganisation, modePriseCharge and its date.

    As in the expression, the inputs are recognised by their `type.text`.
    """
    texts = _input_texts(task)
    if "statutUnite" not in texts:
        return True
    wanted = ("idUnite", "nomUnite", "categorieOrganisation", "modePriseCharge", "dateStatutUnite")
    missing = [name for name in wanted if name not in texts]
    return f"missing {', '.join(missing)}" if missing else True


def regle_mode_prise_en_charge(task_input: dict) -> bool:
    """The mode of care is 46, 47 or 48 (value.coding.code)."""
    value = _value(task_input) if isinstance(task_input, dict) else None
    return bool(_codes(value) & {"46", "47", "48"})


def _attachments(document: dict) -> list[dict]:
    return [c["attachment"] for c in _list(document.get("content")) if isinstance(c, dict) and c.get("attachment")]


def regle_nom_piece_jointe_type(document: dict) -> bool:
    """Type 57830-2 goes with the title 'Document Individu et décision', 51848-0 with 'Document évaluation'."""
    codes = _codes(document.get("type"))
    titles = {a.get("title") for a in _attachments(document)}
    if "57830-2" in codes and "Document Individu et décision" not in titles:
        return False
    return not ("51848-0" in codes and "Document évaluation" not in titles)


def regle_type(codeable: dict) -> bool:
    """The document type is 57830-2 or 51848-0."""
    return bool(_codes(codeable) & {"57830-2", "51848-0"})


def regle_contenu(document: dict) -> bool:
    """The attachment carries its data (a warning in the guide)."""
    return any(a.get("data") for a in _attachments(document))


PREDICATES: dict[str, Callable[[Any], bool | str]] = {
    "fr-core-1": fr_core_1,
    "fr-core-2": fr_core_2,
    "fr-core-identity-reliability-1": identity_reliability_1,
    "fr-core-identity-reliability-2": identity_reliability_2,
    "req-met": req_met,
    "event-subject": event_subject,
    "regle-StatutUnite": regle_statut_unite,
    "regle-ModePriseEnCharge": regle_mode_prise_en_charge,
    "regle-NomPieceJointe-type": regle_nom_piece_jointe_type,
    "regle-Type": regle_type,
    "regle-Contenu": regle_contenu,
}
