"""Reading the SI-SDO terminology files (pure: no database): TRE_R357 (FSH), TRE_R358, JDV_J250..J253, ASS_A32 (JSON).

The files ship in the repository (``reference/sdo-terminology``, provenance in ``reference/README.md``). Every
resource is validated with the ``fhir.resources`` R4B models, then cross-checked (value sets and the concept map
may only name codes that the code systems define). Errors name the file and the line (FSH) or the path (JSON).
"""

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from fhir.resources.R4B.codesystem import CodeSystem as FhirCodeSystem
from fhir.resources.R4B.conceptmap import ConceptMap as FhirConceptMap
from fhir.resources.R4B.valueset import ValueSet as FhirValueSet
from pydantic import ValidationError

PROJECT_ROOT = Path(__file__).resolve().parents[3]
# Pure module (no Django settings): the repository's copy; RELAIS_REFERENCE_DIR moves the whole reference folder.
DEFAULT_DIR = Path(os.environ.get("RELAIS_REFERENCE_DIR", PROJECT_ROOT / "reference")) / "sdo-terminology"

# The files of the SDO terminology, by glob pattern (one file each).
FILES = {
    "statuses": "CodeSystem-TRE-R357-*.fsh",
    "reasons": "CodeSystem-TRE-R358-*.json",
    "status_reasons": "ConceptMap-ASS-A32-*.json",
    "value_sets": "ValueSet-JDV-J25[0-3]-*.json",
}
VALUE_SET_COUNT = 4
# What each value set is for: (kind, level). Keyed by the value set's name (JDV_J250…), not its codes.
VALUE_SET_USES = {
    "JDV_J250": ("reason", "unit"),
    "JDV_J251": ("reason", "esms"),
    "JDV_J252": ("status", "esms"),
    "JDV_J253": ("status", "unit"),
}


class TerminologyError(Exception):
    """A terminology file was refused; the message names the file and the line or path."""


@dataclass
class CodeSystemData:
    url: str
    name: str
    version: str
    oid: str
    concepts: dict[str, str]  # code -> display
    path: str


@dataclass
class ValueSetData:
    url: str
    name: str
    version: str
    kind: str  # "status" | "reason"
    level: str  # "esms" | "unit"
    system: str
    codes: list[str]
    path: str


@dataclass
class Terminology:
    code_systems: list[CodeSystemData] = field(default_factory=list)
    value_sets: list[ValueSetData] = field(default_factory=list)
    rules: dict[str, list[str]] = field(default_factory=dict)  # status code -> reason codes (ASS_A32 order)
    concept_map_url: str = ""

    def labels(self) -> dict[str, str]:
        """Status labels (TRE_R357 displays), for messages and the documentation."""
        return dict(self.code_systems[0].concepts)


# --- FSH (TRE_R357) ---------------------------------------------------------------------------------

_STRING = r'"(?:[^"\\]|\\.)*"'
_CONCEPT = re.compile(
    r'^(?P<indent>\s*)\*\s+#(?P<code>[^\s"^]+)\s+"(?P<display>(?:[^"\\]|\\.)*)"(?:\s+' + _STRING + r")?\s*$"
)
_CONCEPT_RULE = re.compile(r"^\s*\*\s+#(?P<code>[^\s\"^]+)\s+\^")
_CARET = re.compile(r'^\*\s+\^(?P<path>[\w.\[\]=+]+)\s*=\s*(?:"(?P<string>(?:[^"\\]|\\.)*)"|(?P<token>\S+))\s*$')
_HEADER = re.compile(r"^(?P<key>CodeSystem|Id|Title|Description)\s*:\s*(?P<value>.*)$")


def parse_fsh_code_system(text: str, path: str = "<fsh>") -> dict:
    """The FHIR JSON of a FSH ``CodeSystem``: header, ``* ^url``-like rules, and ``* #code "display"`` concepts.

    Concept caret rules (``* #37 ^property…``) are checked to name a known concept, otherwise skipped.
    Any other ``* #`` line, a duplicate code or a missing ``CodeSystem:`` header is an error naming the line.
    """
    resource: dict = {"resourceType": "CodeSystem", "concept": []}
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        where = f"{path}, ligne {number}"
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        if header := _HEADER.match(line):
            key, value = header["key"], header["value"].strip().strip('"')
            resource[{"CodeSystem": "name", "Id": "id", "Title": "title", "Description": "description"}[key]] = value
        elif concept := _CONCEPT.match(line):
            if concept["indent"]:
                raise TerminologyError(f"{where} : concept hiérarchique non pris en charge : {line.strip()!r}")
            code = concept["code"]
            if code in seen:
                raise TerminologyError(f"{where} : code « {code} » déjà défini ligne {seen[code]}.")
            seen[code] = number
            resource["concept"].append({"code": code, "display": concept["display"].replace('\\"', '"')})
        elif rule := _CONCEPT_RULE.match(line):
            if rule["code"] not in seen:
                raise TerminologyError(f"{where} : règle sur le code « {rule['code']} » défini nulle part avant.")
        elif line.lstrip().startswith("* #"):
            raise TerminologyError(f'{where} : ligne de concept illisible (attendu : * #code "libellé") : {line!r}')
        elif caret := _CARET.match(line):
            key = caret["path"]
            if key in ("url", "version", "status", "content", "date", "name", "title") or key == "identifier.value":
                value = caret["string"] if caret["string"] is not None else caret["token"].lstrip("#")
                resource["identifier_value" if key == "identifier.value" else key] = value
        elif line.startswith("*"):
            raise TerminologyError(f"{where} : règle FSH illisible : {line!r}")
    if "name" not in resource:
        raise TerminologyError(f"{path} : en-tête « CodeSystem: » manquant, ce n'est pas un CodeSystem FSH.")
    oid = resource.pop("identifier_value", "")
    if oid:
        resource["identifier"] = [{"system": "urn:ietf:rfc:3986", "value": oid}]
    resource.setdefault("status", "active")
    resource.setdefault("content", "complete")
    return resource


# --- JSON resources ------------------------------------------------------------------------------------


def _error_path(loc: tuple) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _validate(model, data: dict, path: str):
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise TerminologyError(f"{path} : {_error_path(first['loc']) or 'racine'} : {first['msg']}") from error


def _read_json(path: Path, resource_type: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise TerminologyError(f"{path} : illisible ({error}).") from error
    except json.JSONDecodeError as error:
        raise TerminologyError(f"{path}, ligne {error.lineno} : JSON invalide ({error.msg}).") from error
    if not isinstance(data, dict) or data.get("resourceType") != resource_type:
        found = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise TerminologyError(f"{path} : resourceType : « {resource_type} » attendu, « {found} » trouvé.")
    return data


def _one_file(directory: Path, pattern: str, count: int = 1) -> list[Path]:
    found = sorted(directory.glob(pattern))
    if len(found) != count:
        raise TerminologyError(f"{directory} : {count} fichier(s) « {pattern} » attendu(s), {len(found)} trouvé(s).")
    return found


def _code_system(resource, path: Path) -> CodeSystemData:
    if not resource.url:
        raise TerminologyError(f"{path} : url : l'URL officielle du CodeSystem manque.")
    concepts: dict[str, str] = {}
    for index, concept in enumerate(resource.concept or []):
        if concept.code in concepts:
            raise TerminologyError(f"{path} : concept[{index}].code : code « {concept.code} » en double.")
        concepts[concept.code] = concept.display or ""
    if not concepts:
        raise TerminologyError(f"{path} : concept : aucun concept.")
    oid = next((i.value for i in resource.identifier or [] if i.value and i.value.startswith("urn:oid:")), "")
    return CodeSystemData(resource.url, resource.name or "", resource.version or "", oid, concepts, str(path))


def read_terminology(directory: str | Path | None = None) -> Terminology:
    """Read and validate the whole SDO terminology; raise TerminologyError naming the file and line or path."""
    directory = Path(directory) if directory else DEFAULT_DIR
    if not directory.is_dir():
        raise TerminologyError(f"{directory} : dossier introuvable.")
    result = Terminology()

    fsh = _one_file(directory, FILES["statuses"])[0]
    try:
        text = fsh.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TerminologyError(f"{fsh} : illisible ({error}).") from error
    status_system = _validate(FhirCodeSystem, parse_fsh_code_system(text, str(fsh)), fsh)
    result.code_systems.append(_code_system(status_system, fsh))
    reasons = _one_file(directory, FILES["reasons"])[0]
    reason_system = _validate(FhirCodeSystem, _read_json(reasons, "CodeSystem"), reasons)
    result.code_systems.append(_code_system(reason_system, reasons))
    systems = {cs.url: cs for cs in result.code_systems}

    for path in _one_file(directory, FILES["value_sets"], VALUE_SET_COUNT):
        vs = _validate(FhirValueSet, _read_json(path, "ValueSet"), path)
        use = next((u for prefix, u in VALUE_SET_USES.items() if (vs.name or "").startswith(prefix)), None)
        if use is None or not vs.url:
            raise TerminologyError(f"{path} : name/url : jeu de valeurs SDO inconnu (« {vs.name} »).")
        includes = vs.compose.include if vs.compose else []
        if len(includes) != 1 or includes[0].system not in systems:
            raise TerminologyError(f"{path} : compose.include : un seul système connu attendu (TRE_R357 ou TRE_R358).")
        system = systems[includes[0].system]
        codes = []
        for index, concept in enumerate(includes[0].concept or []):
            if concept.code not in system.concepts:
                raise TerminologyError(
                    f"{path} : compose.include[0].concept[{index}].code : « {concept.code} » absent de {system.url}."
                )
            codes.append(concept.code)
        result.value_sets.append(ValueSetData(vs.url, vs.name, vs.version or "", *use, system.url, codes, str(path)))

    path = _one_file(directory, FILES["status_reasons"])[0]
    cmap = _validate(FhirConceptMap, _read_json(path, "ConceptMap"), path)
    result.concept_map_url = cmap.url or ""
    statuses, reason_system = result.code_systems
    for g, group in enumerate(cmap.group or []):
        if (group.source, group.target) != (statuses.url, reason_system.url):
            raise TerminologyError(f"{path} : group[{g}].source/target : TRE_R357 → TRE_R358 attendu.")
        for e, element in enumerate(group.element or []):
            if element.code not in statuses.concepts:
                raise TerminologyError(f"{path} : group[{g}].element[{e}].code : statut « {element.code} » inconnu.")
            for t, target in enumerate(element.target or []):
                if target.code not in reason_system.concepts:
                    raise TerminologyError(
                        f"{path} : group[{g}].element[{e}].target[{t}].code : motif « {target.code} » inconnu."
                    )
                reasons_of = result.rules.setdefault(element.code, [])
                if target.code not in reasons_of:
                    reasons_of.append(target.code)
    return result


def system_aliases(url: str, value_set_urls: list[str]) -> set[str]:
    """The URLs seen in ``Coding.system`` for a code system: the NOS folder form (``…/NOS/TRE_R357-…/``), and the
    value set URLs (full and folder forms) that the SDO examples put there. Compared without a trailing slash."""
    aliases = set()
    for candidate in [url, *value_set_urls]:
        aliases.add(normalise_system(candidate))
        if "/FHIR/" in candidate:
            aliases.add(normalise_system(candidate.split("/FHIR/")[0]))
    aliases.discard(normalise_system(url))
    return aliases


def normalise_system(url: str) -> str:
    return url.strip().rstrip("/")


if __name__ == "__main__":  # python -m relais.orientation.terminology.sources --markdown: the table of decision 0013
    import sys

    from relais.orientation.requests.workflow import transitions_markdown

    terminology = read_terminology(next((a for a in sys.argv[1:] if not a.startswith("--")), None))
    sys.stdout.write(transitions_markdown(terminology.rules, terminology.labels()))
