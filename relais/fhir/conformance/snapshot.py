"""The committed snapshot of the guides' profiles (reference/fhir-profiles/*.json), as trees of element constraints.

Each profile's flat rules (as in its FSH) are applied in order onto a tree of Nodes, after the rules of its parents
that are in the snapshot: a parent outside it (base R4, the ANS directory, FR Core datatypes, IHE) adds nothing, so
its own constraints are not checked (decision 0048).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SNAPSHOT_DIR = Path(__file__).resolve().parents[3] / "reference" / "fhir-profiles"
_SEGMENT = re.compile(r"([^.\[]+(?:\[x\])?)(?:\[([^\]]+)\])?")


@dataclass
class Constraint:
    """One rule and the profile it comes from."""

    profile: str
    data: dict[str, Any]


@dataclass
class Node:
    name: str
    min: int | None = None
    max: str | None = None
    card_from: str = ""
    fixed: list[Constraint] = field(default_factory=list)
    only: Constraint | None = None
    bindings: list[Constraint] = field(default_factory=list)
    obeys: list[Constraint] = field(default_factory=list)
    discriminators: list[dict[str, str]] = field(default_factory=list)
    children: dict[str, Node] = field(default_factory=dict)
    slices: dict[str, Node] = field(default_factory=dict)
    aggregation: Constraint | None = None  # value "contained": a reference to a contained resource only
    url: str | None = None  # an extension slice: the extension's URL
    declared: bool = True  # a slice named in `contains` (False: defined by a parent outside the snapshot)
    origin: str = ""  # the profile that declared the slice

    def child(self, name: str) -> Node:
        return self.children.setdefault(name, Node(name))

    def slice(self, name: str) -> Node:
        if name not in self.slices:
            self.slices[name] = Node(name, declared=False)
        return self.slices[name]

    def at(self, path: str) -> Node:
        node = self
        for match in _SEGMENT.finditer(path):
            node = node.child(match.group(1))
            if match.group(2):
                node = node.slice(match.group(2))
        return node


@cache
def profiles() -> dict[str, dict[str, Any]]:
    """Every profile and extension of the snapshot by canonical URL, with its guide."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(SNAPSHOT_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for url, profile in data["profiles"].items():
            out[url] = {**profile, "guide": data["guide"], "url": url}
    return out


@cache
def invariants() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(SNAPSHOT_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for name, invariant in data["invariants"].items():
            out[name] = {**invariant, "guide": data["guide"]}
    return out


def chain(url: str) -> list[str]:
    """The profile and its ancestors that are in the snapshot, root first."""
    out: list[str] = []
    while url in profiles() and url not in out:
        out.insert(0, url)
        url = profiles()[url]["parent"].get("url") or ""
    return out


@cache
def tree(url: str) -> Node:
    """The constraints of a profile and of its ancestors in the snapshot, as one tree."""
    root = Node(profiles()[url]["type"] or "")
    for each in chain(url):
        for rule in profiles()[each]["rules"]:
            _apply(root, each, rule)
    return root


def _apply(root: Node, profile: str, rule: dict[str, Any]) -> None:
    node = root.at(rule["path"]) if rule["path"] else root
    kind = rule["rule"]
    if kind == "card":
        node.min = rule.get("min", node.min)
        node.max = rule.get("max", node.max)
        node.card_from = profile
    elif kind == "fixed":
        node.fixed.append(Constraint(profile, rule))
    elif kind == "only":
        node.only = Constraint(profile, rule)
    elif kind == "binding":
        node.bindings.append(Constraint(profile, rule))
    elif kind == "aggregation":
        node.aggregation = Constraint(profile, rule)
    elif kind == "obeys":
        node.obeys += [Constraint(profile, {"invariant": name}) for name in rule["invariants"]]
    elif kind == "discriminator":
        where = rule["index"]
        if where == "+" or not node.discriminators:
            node.discriminators.append({})
        index = len(node.discriminators) - 1 if where in {"+", "="} else int(where)
        while len(node.discriminators) <= index:
            node.discriminators.append({})
        node.discriminators[index][rule["field"]] = rule["value"]
    elif kind == "contains":
        is_extension = node.name in {"extension", "modifierExtension"}
        for item in rule["items"]:
            slice_node = node.slice(item["name"])
            slice_node.declared = True
            slice_node.origin = profile
            slice_node.url = item.get("url") or (item["name"] if is_extension else None)
            if "min" in item:
                slice_node.min = item["min"]
            if "max" in item:
                slice_node.max = item["max"]
            slice_node.card_from = profile
