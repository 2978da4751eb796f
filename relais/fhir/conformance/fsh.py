"""A reader for the subset of FHIR Shorthand (FSH) that the ANS guides' profiles use.

It turns FSH text into plain dicts (entities with flat rules), which scripts/fhir_profiles_snapshot.py resolves and
writes as the committed snapshot in reference/fhir-profiles/. The product never reads FSH at run time: the checker
reads the snapshot. Only what the guides' profiles use is understood (decision 0048); any other rule is kept in
``unparsed`` so the snapshot shows what was not read rather than silently dropping it.

Understood: Alias, Profile, Extension, Invariant, CodeSystem and ValueSet headers (Id, Parent, Title, Context,
Severity, Expression); rules ``path 1..1 MS``, ``path = value (exactly)``, ``path only T or Reference(A or B)``,
``path from VS (strength)``, ``path contains a 0..1 and X named b 1..*``, ``path obeys inv``, the caret rules
``^url``, ``^slicing.discriminator[+|=].type|path``, ``^slicing.rules``, ``^type.aggregation`` and
``^context.expression``. Instance,
Mapping, Logical and SearchParameter entities are skipped (they constrain nothing an instance must satisfy).
"""

from __future__ import annotations

import re
from typing import Any

ENTITY_KEYWORDS = (
    "Alias",
    "Profile",
    "Extension",
    "Invariant",
    "CodeSystem",
    "ValueSet",
    "Instance",
    "Mapping",
    "Logical",
    "RuleSet",
    "SearchParameter",
    "Resource",
)
KEPT = {"Profile", "Extension", "Invariant", "CodeSystem", "ValueSet"}
_ENTITY = re.compile(r"^(" + "|".join(ENTITY_KEYWORDS) + r")\s*:\s*(.*)$")
_HEADER = re.compile(
    r"^(Id|Parent|Title|Description|Context|Severity|Expression|XPath|Source|Target|InstanceOf|Usage)\s*:\s*(.*)$"
)
_CARD = re.compile(r"^(\d*)\.\.(\d+|\*)?$")
_FLAGS = {"MS", "SU", "?!", "N", "TU", "D"}


class FshError(ValueError):
    """FSH the reader cannot take, with the file and line."""


def _strip_comments(text: str) -> str:
    """Remove // and /* */ comments outside double-quoted strings (URLs such as http:// are kept)."""
    out, i, n = [], 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\" and i + 1 < n:
                out.append(text[i : i + 2])
                i += 2
                continue
            if text.startswith('"""', i):
                end = text.find('"""', i + 3)
                end = n if end < 0 else end + 3
                out.append(text[i:end])
                i = end
                in_string = False
                continue
            if c == '"':
                in_string = False
            out.append(c)
            i += 1
            continue
        if text.startswith('"""', i):
            end = text.find('"""', i + 3)
            end = n if end < 0 else end + 3
            out.append(text[i:end])
            i = end
            continue
        if c == '"':
            in_string = True
            out.append(c)
            i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            chunk = text[i : (n if end < 0 else end + 2)]
            out.append("\n" * chunk.count("\n"))
            i = n if end < 0 else end + 2
            continue
        if text.startswith("//", i) and (i == 0 or text[i - 1] != ":"):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) with rules continued over several lines (contains lists, long strings) joined."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        starts_new = line.startswith("*") or _ENTITY.match(line) or _HEADER.match(line)
        if lines and not starts_new:
            prev_number, prev = lines[-1]
            lines[-1] = (prev_number, f"{prev} {line}")
        else:
            lines.append((number, line))
    return lines


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"""') and value.endswith('"""') and len(value) >= 6:
        return value[3:-3]
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return value[1:-1].replace('\\"', '"')
    return value


def parse(text: str, source: str = "<fsh>") -> dict[str, Any]:
    """Aliases and entities (with their flat rules) of one FSH file."""
    aliases: dict[str, str] = {}
    entities: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for number, line in _logical_lines(_strip_comments(text)):
        where = f"{source}:{number}"
        if match := _ENTITY.match(line):
            keyword, name = match.group(1), match.group(2).strip()
            if keyword == "Alias":
                alias, _, value = name.partition("=")
                aliases[alias.strip()] = value.strip().split()[0] if value.strip() else ""
                current = None
                continue
            current = {"kind": keyword, "name": name, "source": where, "rules": [], "unparsed": []}
            if keyword in KEPT:
                entities.append(current)
            continue
        if current is None:
            continue
        if match := _HEADER.match(line):
            key, value = match.group(1).lower(), match.group(2).strip()
            if key == "context":
                current["context"] = [part.strip() for part in value.split(",") if part.strip()]
            elif key in {"severity"}:
                current["severity"] = value.lstrip("#")
            else:
                current[key] = _unquote(value)
            continue
        if not line.startswith("*") or current["kind"] not in KEPT:
            continue
        body = line[1:].strip()
        if current["kind"] == "Invariant":
            key, _, value = body.partition("=")
            key = key.strip()
            if key in {"severity", "expression", "description"}:
                current[key] = _unquote(value).lstrip("#") if key == "severity" else _unquote(value)
            continue
        if current["kind"] in {"CodeSystem", "ValueSet"}:
            if body.startswith("^url"):
                current["url"] = _unquote(body.partition("=")[2])
            continue
        rule = parse_rule(body)
        if rule is None:
            current["unparsed"].append(f"{where}: {body[:160]}")
        elif rule:
            rule["at"] = where
            current["rules"].append(rule)
    return {"aliases": aliases, "entities": entities}


def _split_path(body: str) -> tuple[str, str]:
    """('input[idNat_Struct].type', '= X#y') from a rule body; a rule may start with its keyword (no path)."""
    if body.startswith("^") or body.split(" ", 1)[0] in {"obeys", "insert", "contains", "only", "from"}:
        return "", body
    path, _, rest = body.partition(" ")
    return path, rest.strip()


def parse_rule(body: str) -> dict[str, Any] | None:
    """One rule as a dict; {} for a rule that constrains nothing (MS, descriptions); None if not understood."""
    path, rest = _split_path(body)
    caret_path, caret = "", ""
    if rest.startswith("^"):
        caret_path, _, value = rest.partition("=")
        caret = caret_path.strip()[1:]
        value = value.strip()
        if caret == "url":
            return {"path": path, "rule": "url", "value": _unquote(value)}
        if caret.startswith("slicing.discriminator"):
            index = re.search(r"\[(\+|=|\d+)\]", caret)
            field = caret.rsplit(".", 1)[-1]
            return {
                "path": path,
                "rule": "discriminator",
                "field": field,
                "index": index.group(1) if index else "0",
                "value": _unquote(value).lstrip("#"),
            }
        if caret == "slicing.rules":
            return {"path": path, "rule": "slicing-rules", "value": value.lstrip("#")}
        if caret == "type.aggregation":  # a reference to a contained resource only (NdE)
            return {"path": path, "rule": "aggregation", "value": value.lstrip("#")}
        if caret == "context.expression":
            return {"path": path, "rule": "context", "value": _unquote(value)}
        return {}  # descriptions, short, definition, comment, requirements, aggregation…
    if rest.startswith("insert "):
        return None  # RuleSets are not used by these guides: report if one appears
    words = rest.split()
    if not words:
        return {} if path else None
    if words[0] == "contains":
        return {"path": path, "rule": "contains", "items": _contains(rest[len("contains") :])}
    if words[0] == "only":
        return {"path": path, "rule": "only", "types": _only(rest[len("only") :])}
    if words[0] == "from":
        match = re.match(r"from\s+(\S+)(?:\s+\((\w+)\))?", rest)
        if not match:
            return None
        return {"path": path, "rule": "binding", "valueset": match.group(1), "strength": match.group(2) or "required"}
    if words[0] == "obeys":
        names = [w for w in rest[len("obeys") :].replace(" and ", " ").split() if w]
        return {"path": path, "rule": "obeys", "invariants": names}
    if words[0] == "=":
        value = rest[1:].strip()
        exactly = value.endswith("(exactly)")
        if exactly:
            value = value[: -len("(exactly)")].strip()
        return {"path": path, "rule": "fixed", "value": parse_value(value), "exactly": exactly}
    if _CARD.match(words[0]):
        card = _card(words[0])
        if any(w not in _FLAGS for w in words[1:]):
            return None
        return {"path": path, "rule": "card", **card}
    if all(w in _FLAGS for w in words):
        return {}
    return None


def _card(text: str) -> dict[str, Any]:
    match = _CARD.match(text)
    low, high = match.group(1), match.group(2)
    out: dict[str, Any] = {}
    if low != "":
        out["min"] = int(low)
    if high is not None:
        out["max"] = high
    return out


def _contains(text: str) -> list[dict[str, Any]]:
    items = []
    for part in re.split(r"\s+and\s+", text.strip()):
        words = part.split()
        if not words:
            continue
        item: dict[str, Any] = {}
        if len(words) >= 3 and words[1] == "named":
            item["type"], item["name"], words = words[0], words[2], words[3:]
        else:
            item["name"], words = words[0], words[1:]
        for word in words:
            if _CARD.match(word):
                item.update(_card(word))
        items.append(item)
    return items


def _only(text: str) -> list[dict[str, Any]]:
    """`Identifier`, `string or boolean`, `Reference(A or B)`, `Canonical(X)`: each type with its targets."""
    out = []
    for match in re.finditer(r"([$\w][\w.$-]*)\s*(?:\(([^)]*)\))?", text):
        name, inner = match.group(1), match.group(2)
        if name == "or":
            continue
        item: dict[str, Any] = {"name": name}
        if inner is not None:
            item["targets"] = [t.strip() for t in inner.split(" or ") if t.strip()]
        out.append(item)
    return out


def parse_value(text: str) -> dict[str, Any]:
    """A FSH value: code (`System#code "display"`), string, boolean, number or Canonical(X)."""
    text = text.strip()
    if match := re.match(r'^(\S*)#("[^"]*"|\S+)(?:\s+"(.*)")?$', text):
        system, code, display = match.group(1), _unquote(match.group(2)), match.group(3)
        value: dict[str, Any] = {"kind": "code", "code": code}
        if system:
            value["system"] = system
        if display:
            value["display"] = display
        return value
    if match := re.match(r"^Canonical\(([^)]+)\)$", text):
        return {"kind": "canonical", "target": match.group(1).strip()}
    if text.startswith('"'):
        return {"kind": "string", "value": _unquote(text)}
    if text in {"true", "false"}:
        return {"kind": "boolean", "value": text == "true"}
    if re.match(r"^-?\d+(\.\d+)?$", text):
        return {"kind": "number", "value": float(text) if "." in text else int(text)}
    return {"kind": "string", "value": text}
