"""Check a FHIR resource (or a Bundle and what it carries) against the snapshot of the ANS profiles it claims.

    from relais.fhir.conformance import check_resource, check_bundle
    for problem in check_resource(resource):
        print(problem)  # Task.input[2].value[x]: slice 'idNat_Struct': type string, expected Identifier [sdo-task]

What it checks and what it does not: decision 0048.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import bindings, invariants, matching, snapshot
from .snapshot import Node


@dataclass(frozen=True)
class Problem:
    path: str  # FHIRPath-like, with list indexes: Task.input[2].type
    message: str
    profile: str  # canonical URL of the profile whose rule is not met
    severity: str = "error"  # "warning" for the guides' warning invariants

    def __str__(self) -> str:
        name = self.profile.rsplit("/", 1)[-1] if self.profile else "-"
        return f"{self.path}: {self.message} [{name}]"


@dataclass
class Result:
    problems: list[Problem] = field(default_factory=list)
    unchecked: set[str] = field(default_factory=set)  # rules the checker could not check, said once each

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def check_resource(resource: dict[str, Any], profiles: list[str] | None = None) -> list[Problem]:
    """Problems of one resource against the profiles in its meta.profile (or `profiles`), contained included."""
    return check(resource, profiles).problems


def check_bundle(bundle: dict[str, Any]) -> list[Problem]:
    """Problems of a Bundle (its own profiles) and of every entry's resource against the profiles it claims."""
    return check(bundle).problems


def check(resource: dict[str, Any], profiles: list[str] | None = None) -> Result:
    result = Result()
    _Checker(result).resource(resource, resource.get("resourceType", "?"), profiles, {})
    seen, unique = set(), []
    for problem in result.problems:
        if (problem.path, problem.message) not in seen:
            seen.add((problem.path, problem.message))
            unique.append(problem)
    result.problems = unique
    return result


class _Checker:
    def __init__(self, result: Result):
        self.result = result

    def problem(self, path: str, message: str, profile: str, severity: str = "error") -> None:
        self.result.problems.append(Problem(path, message, profile, severity))

    # -- resources -------------------------------------------------------------------------------------------------
    def resource(
        self, resource: Any, path: str, profiles: list[str] | None, context: dict[str, Any], contained: bool = False
    ) -> None:
        if not isinstance(resource, dict):
            return
        context = {**context, **{f"#{c.get('id')}": c for c in matching.as_list(resource.get("contained"))}}
        if resource.get("resourceType") == "Bundle":
            for entry in matching.as_list(resource.get("entry")):
                if isinstance(entry, dict) and entry.get("fullUrl") and isinstance(entry.get("resource"), dict):
                    context[entry["fullUrl"]] = entry["resource"]
        claimed = [p for p in matching.as_list((resource.get("meta") or {}).get("profile")) if isinstance(p, str)]
        wanted = list(dict.fromkeys((profiles or []) + claimed))
        if not wanted and not contained:  # a contained resource is checked by the rules of its container
            self.problem(f"{path}.meta.profile", "declares no profile", "")
        for url in wanted:
            self.against(resource, path, url, context)
        for index, contained in enumerate(matching.as_list(resource.get("contained"))):
            self.resource(contained, f"{path}.contained[{index}]", None, context, contained=True)
        if resource.get("resourceType") == "Bundle":
            for index, entry in enumerate(matching.as_list(resource.get("entry"))):
                if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                    self.resource(entry["resource"], f"{path}.entry[{index}].resource", None, context)

    def against(self, resource: dict[str, Any], path: str, url: str, context: dict[str, Any]) -> None:
        known = snapshot.profiles().get(url)
        if known is None:
            self.result.unchecked.add(f"profile {url} (not in the snapshot)")
            return
        if known["type"] and resource.get("resourceType") != known["type"]:
            self.problem(path, f"is a {resource.get('resourceType')}, the profile is for {known['type']}", url)
            return
        self.item(snapshot.tree(url), resource, path, context, url, "")

    # -- elements --------------------------------------------------------------------------------------------------
    def element(self, node: Node, parent: Any, path: str, context: dict[str, Any], within: str = "") -> None:
        """The element `node.name` of the instance value `parent` (at `path`)."""
        found = matching.children(parent, node.name)
        items: list[tuple[str, Any]] = []
        for key, value, repeated in found:
            values = value if repeated else [value]
            for index, each in enumerate(values):
                items.append((f"{path}.{key}[{index}]" if repeated else f"{path}.{key}", each))
        origin = node.card_from
        shown = f"{path}.{node.name}"
        if node.min is not None and len(items) < node.min:
            self.problem(shown, f"needs at least {node.min}, found {len(items)}", origin)
        if node.max not in (None, "*") and len(items) > int(node.max):
            self.problem(shown, _too_many(int(node.max), len(items)), origin)
        for item_path, value in items:
            self.item(node, value, item_path, context, "", within)
        if node.slices:
            self.slices(node, items, shown, context)
        if node.name in {"extension", "modifierExtension"}:
            for item_path, value in items:
                url = value.get("url") if isinstance(value, dict) else None
                if url in snapshot.profiles() and not any(s.url == url for s in node.slices.values()):
                    self.extension(url, value, item_path, context)

    def slices(self, node: Node, items: list[tuple[str, Any]], path: str, context: dict[str, Any]) -> None:
        taken: set[int] = set()
        for name, slice_node in node.slices.items():
            if not slice_node.declared:
                self.result.unchecked.add(f"slice {path}[{name}] (defined outside the snapshot)")
                continue
            test = self.slice_test(node, slice_node)
            if test is None:
                self.result.unchecked.add(f"slice {path}[{name}] (no discriminating value)")
                continue
            chosen = [(i, p, v) for i, (p, v) in enumerate(items) if i not in taken and test(v)]
            taken |= {i for i, _, _ in chosen}
            where = _slice_hint(slice_node)
            if slice_node.min is not None and len(chosen) < slice_node.min:
                self.near_misses(slice_node, name, [(i, *items[i]) for i in range(len(items)) if i not in taken])
                self.problem(
                    path,
                    f"slice '{name}'{where} needs at least {slice_node.min}, found {len(chosen)}",
                    slice_node.origin,
                )
            if slice_node.max not in (None, "*") and len(chosen) > int(slice_node.max):
                self.problem(
                    path, f"slice '{name}'{where}: {_too_many(int(slice_node.max), len(chosen))}", slice_node.origin
                )
            for _, item_path, value in chosen:
                self.item(slice_node, value, item_path, context, "", name)
                if slice_node.url in snapshot.profiles():
                    self.extension(slice_node.url, value, item_path, context)

    def near_misses(self, slice_node: Node, name: str, free: list[tuple[int, str, Any]]) -> None:
        """Items meant for a missing slice (its code shown as a text or display only, or in another system)."""
        for child_name, child in slice_node.children.items():
            for constraint in child.fixed:
                value = constraint.data["value"]
                if value["kind"] != "code":
                    continue
                for _, item_path, item in free:
                    for key, found, _ in matching.children(item, child_name):
                        if _mentions(found, value["code"]):
                            self.problem(
                                f"{item_path}.{key}",
                                f"slice '{name}': {_show(found)} does not match {matching.describe(value)}",
                                constraint.profile,
                            )

    def slice_test(self, node: Node, slice_node: Node):
        """A predicate telling whether an item belongs to the slice, or None when nothing tells."""
        if slice_node.url:
            return lambda v: isinstance(v, dict) and v.get("url") == slice_node.url
        paths = [d.get("path", "") for d in node.discriminators]
        kinds = {d.get("type") for d in node.discriminators}
        if "profile" in kinds or "type" in kinds:
            target = slice_node.at(paths[0]).only if paths and paths[0] else slice_node.only
            types = {t.get("type") for t in target.data["types"]} if target else set()
            if types:
                return lambda v: isinstance(v, dict) and (v.get(paths[0]) or {}).get("resourceType") in types
        pattern = [(p, c) for p in paths for c in _fixed_at(slice_node, p)]
        if not pattern:
            pattern = [(name, c) for name, child in slice_node.children.items() for c in child.fixed]
            pattern += [("$this", c) for c in slice_node.fixed]
        if not pattern:
            return None

        def test(value: Any) -> bool:
            for p, constraint in pattern:
                found = [value] if p == "$this" else [v for _, v, _ in matching.children(value, p)]
                found = [x for v in found for x in matching.as_list(v)]
                if not any(matching.matches(v, constraint.data["value"]) for v in found):
                    return False
            return True

        return test

    def extension(self, url: str, value: Any, path: str, context: dict[str, Any]) -> None:
        self.item(snapshot.tree(url), value, path, context, url, "")

    def item(self, node: Node, value: Any, path: str, context: dict[str, Any], profile: str, slice_name: str) -> None:
        """One instance value of an element (or a resource): its own rules, then its children."""
        label = f"slice '{slice_name}': " if slice_name else ""
        for constraint in node.fixed:
            rule = constraint.data
            if not matching.matches(value, rule["value"], rule.get("exactly", False)):
                self.problem(
                    path, f"{label}must be {matching.describe(rule['value'])}, found {_show(value)}", constraint.profile
                )
        if node.only is not None:
            self.only(node, value, path, context, label)
        if node.aggregation and node.aggregation.data["value"] == "contained" and isinstance(value, dict):
            target = value.get("reference")
            if not (isinstance(target, str) and target.startswith("#") and target in context):
                message = f"{label}must refer to a contained resource (#id), found {_show(target)}"
                self.problem(path, message, node.aggregation.profile)
        for constraint in node.bindings:
            self.binding(constraint, value, path, label)
        for constraint in node.obeys:
            self.invariant(constraint, value, path)
        for child in node.children.values():
            self.element(child, value, path, context, slice_name)

    def only(self, node: Node, value: Any, path: str, context: dict[str, Any], label: str) -> None:
        rule, origin = node.only.data, node.only.profile
        key = path.rsplit(".", 1)[-1].split("[", 1)[0]
        kind = matching.choice_type(key, node.name)
        names = [t.get("type") or t["name"] for t in rule["types"]]
        if kind is not None and kind.lower() not in {n.lower() for n in names if n}:
            self.problem(path, f"{label}type {kind}, expected {' or '.join(names)}", origin)
            return
        targets = [t for item in rule["types"] for t in item.get("targets", [])]
        if targets and isinstance(value, dict) and any(t["name"] == "Reference" for t in rule["types"]):
            self.reference(value, path, targets, context, origin, label)
        if isinstance(value, dict) and "resourceType" in value:
            self.resource_only(rule["types"], value, path, context, origin, label)

    def resource_only(self, types: list[dict], value: dict, path: str, context, origin: str, label: str) -> None:
        """`resource only A or B`: the resource is of one of their types and conforms to one of them."""
        kind = value["resourceType"]
        candidates = [t for t in types if t.get("type") in (kind, "Resource")]
        if not candidates:
            names = " or ".join(t["name"] for t in types)
            self.problem(path, f"{label}is a {kind}, expected {names}", origin)
            return
        best: Result | None = None
        for candidate in candidates:
            if candidate.get("url") not in snapshot.profiles():
                if candidate.get("url"):
                    self.result.unchecked.add(f"profile {candidate['url']} (not in the snapshot)")
                return
            trial = _Checker(Result())
            trial.against(value, path, candidate["url"], context)
            self.result.unchecked |= trial.result.unchecked
            if not trial.result.errors:
                return
            if best is None or len(trial.result.errors) < len(best.errors):
                best = trial.result
        self.result.problems += best.problems if best else []

    def reference(self, value: dict, path: str, targets: list[dict], context, origin: str, label: str) -> None:
        allowed = {t.get("type") for t in targets if t.get("type")}
        names = " or ".join(t["name"] for t in targets)
        found, how = matching.reference_type(value, context)
        if found is None:
            if not value.get("identifier"):
                self.problem(path, f"{label}reference names no target (display only); expected {names}", origin)
            return
        if allowed and "Resource" not in allowed and found not in allowed:
            self.problem(path, f"{label}refers to a {found} ({how}), expected {names}", origin)

    def binding(self, constraint, value: Any, path: str, label: str) -> None:
        rule = constraint.data
        if rule["strength"] != "required":
            return
        verdict = bindings.in_valueset(rule["valueset"], value)
        if verdict is None:
            self.result.unchecked.add(f"required binding {rule['valueset']} (value set not known to Relais)")
        elif not verdict:
            shown = ", ".join(f"{s}#{c}" if s else str(c) for s, c in bindings.codings(value)) or _show(value)
            self.problem(path, f"{label}code {shown} is not in {rule['valueset']}", constraint.profile)

    def invariant(self, constraint, value: Any, path: str) -> None:
        name = constraint.data["invariant"]
        predicate = invariants.PREDICATES.get(name)
        if predicate is None:
            self.result.unchecked.add(f"invariant {name} (no predicate)")
            return
        verdict = predicate(value)
        if verdict is not True:
            known = snapshot.invariants().get(name, {})
            severity = "warning" if known.get("severity") == "warning" else "error"
            detail = f" ({verdict})" if isinstance(verdict, str) else ""
            message = f"invariant {name}{detail}: {known.get('description', '')}".strip()
            self.problem(path, message, constraint.profile, severity)


def _mentions(found: Any, code: str) -> bool:
    """Does a CodeableConcept or Coding name the code somewhere (code, display or text)?"""
    if not isinstance(found, dict):
        return False
    codings = [c for c in matching.as_list(found.get("coding")) if isinstance(c, dict)] or [found]
    return found.get("text") == code or any(code in (c.get("code"), c.get("display")) for c in codings)


def _fixed_at(node: Node, path: str) -> list:
    if path in ("", "$this"):
        return node.fixed
    child = node.children.get(path)
    return child.fixed if child else []


def _slice_hint(node: Node) -> str:
    if node.url:
        return f" ({node.url})"
    values = [matching.describe(c.data["value"]) for child in node.children.values() for c in child.fixed]
    return f" ({', '.join(values[:2])})" if values else ""


def _too_many(maximum: int, found: int) -> str:
    return "must be absent" if maximum == 0 else f"at most {maximum}, found {found}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
