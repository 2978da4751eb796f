"""Write the committed snapshot of the ANS guides' profile constraints from their FSH sources (decision 0048).

Usage (developers, from the repository root; the product and its tests never read the FSH folder):

    .venv/bin/python scripts/fhir_profiles_snapshot.py /path/to/fhir/profiles [--check]

The folder holds one sub-folder per guide (ror, sdo, cds, gap, nde, tde, fr-core) and a README.md whose tables give the
repository and commit of each file. The script writes reference/fhir-profiles/<guide>.json (profiles, extensions,
invariants and code-system names with every name resolved to its canonical URL) and the set's entry in
reference/provenance.json. --check writes nothing and fails if the committed snapshot differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from relais.fhir.conformance import fsh  # noqa: E402
from relais.fhir.conformance.external import EXTERNAL, FHIR_TYPES  # noqa: E402

OUT = ROOT / "reference" / "fhir-profiles"
PROVENANCE = ROOT / "reference" / "provenance.json"
MIT = "MIT License, Copyright (c) 2022 Github de l'Agence du Numérique en Santé (ANS) (LICENSE-ans-mit.txt)"
NONE_STATED = (
    "none stated (no LICENSE file, README or sushi-config.yaml licence): only the constraints (facts) derived from "
    "the FSH are committed, not its text"
)
# folder: (canonical base, repository, licence)
GUIDES = {
    "ror": (
        "https://interop.esante.gouv.fr/ig/fhir/ror",
        "ansforge/IG-fhir-repertoire-offre-ressources-sante",
        NONE_STATED,
    ),
    "sdo": (
        "https://interop.esante.gouv.fr/ig/fhir/sdo",
        "ansforge/IG-fhir-medicosocial-suivi-decisions-orientation",
        NONE_STATED,
    ),
    "cds": ("https://interop.esante.gouv.fr/ig/fhir/cds", "ansforge/IG-fhir-cercle-de-soins", MIT),
    "gap": ("https://interop.esante.gouv.fr/ig/fhir/gap", "ansforge/IG-fhir-gestion-agendas-partages", MIT),
    "nde": ("https://interop.esante.gouv.fr/ig/fhir/nde", "ansforge/interop-ig-fhir-notification-evenements", MIT),
    "tde": ("https://interop.esante.gouv.fr/ig/fhir/tde", "ansforge/interop-ig-fhir-tracabilite-evenements", MIT),
    "fr-core": ("https://hl7.fr/ig/fhir/core", "Interop-Sante/hl7.fhir.fr.core", NONE_STATED),
}


def read_guides(folder: Path) -> dict[str, dict]:
    guides = {}
    for guide in GUIDES:
        files = sorted((folder / guide).rglob("*.fsh"))
        if not files:
            raise SystemExit(f"{folder / guide}: no .fsh file")
        parsed = [fsh.parse(path.read_text(encoding="utf-8"), str(path.relative_to(folder))) for path in files]
        guides[guide] = {
            "aliases": {k: v for p in parsed for k, v in p["aliases"].items()},
            "entities": [e for p in parsed for e in p["entities"]],
            "files": [str(path.relative_to(folder / guide)) for path in files],
        }
    return guides


def name_table(guides: dict[str, dict]) -> dict[str, str]:
    """Every profile, extension, code system and value set, by name and by id, to its canonical URL."""
    table: dict[str, str] = {}
    kinds = {"Profile": "StructureDefinition", "Extension": "StructureDefinition"}
    kinds |= {"CodeSystem": "CodeSystem", "ValueSet": "ValueSet"}
    for guide, data in guides.items():
        base = GUIDES[guide][0]
        for entity in data["entities"]:
            if entity["kind"] not in kinds:
                continue
            url = entity.get("url") or next((r["value"] for r in entity["rules"] if r.get("rule") == "url"), None)
            url = url or f"{base}/{kinds[entity['kind']]}/{entity.get('id', entity['name'])}"
            entity["url"] = url
            table[entity["name"]] = url
            table[entity.get("id", entity["name"])] = url
    return table


class Resolver:
    def __init__(self, table: dict[str, str], aliases: dict[str, str]):
        self.table, self.aliases = table, aliases

    def url(self, name: str) -> str | None:
        if name.startswith("$"):
            return self.aliases.get(name)
        if "://" in name or name.startswith("urn:"):
            return name
        if name in self.table:
            return self.table[name]
        if name in EXTERNAL:
            return EXTERNAL[name][0]
        return None

    def target(self, name: str) -> dict:
        if name in FHIR_TYPES:
            return {"name": name, "type": name}
        url = self.url(name)
        out = {"name": name, "url": url}
        external = next((v for k, v in EXTERNAL.items() if v[0] == url or k == name), None)
        if external:
            out["type"] = external[1]
        return out

    def value(self, value: dict) -> dict:
        if value["kind"] == "code" and "system" in value:
            value = {**value, "system": self.url(value["system"]) or value["system"]}
        if value["kind"] == "canonical":
            value = {"kind": "string", "value": self.url(value["target"]) or value["target"]}
        return value


def resolve_rule(rule: dict, resolver: Resolver) -> dict:
    rule = {k: v for k, v in rule.items() if k != "at"}
    kind = rule["rule"]
    if kind == "contains":
        for item in rule["items"]:
            if "type" in item:
                item["url"] = resolver.url(item.pop("type"))
    elif kind == "only":
        for item in rule["types"]:
            item.update(resolver.target(item["name"]))
            if "targets" in item:
                item["targets"] = [resolver.target(t) for t in item["targets"]]
    elif kind == "binding":
        rule["valueset"] = resolver.url(rule["valueset"]) or rule["valueset"]
    elif kind == "fixed":
        rule["value"] = resolver.value(rule["value"])
    return rule


def snapshot(guides: dict[str, dict]) -> dict[str, dict]:
    table = name_table(guides)
    out = {}
    for guide, data in guides.items():
        resolver = Resolver(table, data["aliases"])
        profiles, invariants, unparsed = {}, {}, []
        for entity in data["entities"]:
            unparsed += entity["unparsed"]
            if entity["kind"] == "Invariant":
                invariants[entity["name"]] = {
                    k: entity.get(k) for k in ("severity", "description", "expression") if entity.get(k)
                }
            if entity["kind"] not in {"Profile", "Extension"}:
                continue
            parent = entity.get("parent") or "Extension"
            profile = {
                "name": entity["name"],
                "id": entity.get("id", entity["name"]),
                "kind": entity["kind"].lower(),
                "parent": resolver.target(parent),
                "rules": [resolve_rule(r, resolver) for r in entity["rules"] if r["rule"] not in {"url", "context"}],
            }
            if entity.get("title"):
                profile["title"] = entity["title"]
            context = entity.get("context") or [r["value"] for r in entity["rules"] if r["rule"] == "context"]
            if context:
                profile["context"] = context
            profiles[entity["url"]] = profile
        codesystems = {e["name"]: e["url"] for e in data["entities"] if e["kind"] in {"CodeSystem", "ValueSet"}}
        out[guide] = {
            "guide": guide,
            "canonical": GUIDES[guide][0],
            "profiles": dict(sorted(profiles.items())),
            "invariants": dict(sorted(invariants.items())),
            "terminologies": dict(sorted(codesystems.items())),
            "unparsed": unparsed,
        }
    fill_types(out)
    return out


def fill_types(out: dict[str, dict]) -> None:
    """Give every profile its base type (following Parent) and every `only` target in the snapshot its type."""
    profiles = {url: p for data in out.values() for url, p in data["profiles"].items()}

    def base(url: str, seen: tuple = ()) -> str | None:
        profile = profiles.get(url)
        if profile is None or url in seen:
            return None
        parent = profile["parent"]
        return parent.get("type") or base(parent.get("url") or "", (*seen, url))

    for url, profile in profiles.items():
        profile["type"] = base(url)
    for profile in profiles.values():
        for rule in profile["rules"]:
            for item in rule.get("types", []):
                for target in [item, *item.get("targets", [])]:
                    if "type" not in target and target.get("url") in profiles:
                        target["type"] = profiles[target["url"]]["type"]


def dump(data: dict) -> str:
    """JSON with one rule per line, so that a new version of a guide reads as a short diff."""

    def line(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    out = ["{"]
    for key, value in data.items():
        if key != "profiles":
            out.append(f" {line(key)}: {json.dumps(value, ensure_ascii=False, indent=1)},")
    out.append(' "profiles": {')
    for number, (url, profile) in enumerate(data["profiles"].items()):
        out.append(f"  {line(url)}: {{")
        fields = [f"   {line(k)}: {line(v)}" for k, v in profile.items() if k != "rules"]
        rules = ",\n".join(f"    {line(r)}" for r in profile["rules"])
        out.append(",\n".join([*fields, f'   "rules": [\n{rules}\n   ]']))
        out.append("  }" + ("," if number < len(data["profiles"]) - 1 else ""))
    out.append(" }")
    out.append("}")
    text = "\n".join(out) + "\n"
    assert json.loads(text) == data
    return text


def readme_commits(folder: Path) -> dict[str, dict[str, str]]:
    """{guide: {file or '*': commit}} from the tables of the folder's README.md."""
    commits: dict[str, dict[str, str]] = {g: {} for g in GUIDES}
    readme = folder / "README.md"
    if not readme.exists():
        return commits
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        shas = [re.search(r"[0-9a-f]{40}", c) for c in cells]
        sha = next((m.group(0) for m in shas if m), None)
        if not sha or not cells[0].endswith("/"):
            continue
        guide = cells[0].rstrip("/")
        if guide in commits:
            key = cells[1].strip("`") if len(cells) == 4 and cells[1].startswith("`") else "*"
            commits[guide][key] = sha
    return commits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--check", action="store_true", help="write nothing; fail if the snapshot differs")
    args = parser.parse_args()
    guides = read_guides(args.folder)
    snap = snapshot(guides)
    commits = readme_commits(args.folder)
    texts = {f"{g}.json": dump(s) for g, s in snap.items()}
    if args.check:
        stale = [n for n, t in texts.items() if not (OUT / n).exists() or (OUT / n).read_text(encoding="utf-8") != t]
        print("snapshot up to date" if not stale else f"snapshot differs: {', '.join(stale)}")
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (OUT / name).write_text(text, encoding="utf-8")
    files = {
        n: hashlib.sha256((OUT / n).read_bytes()).hexdigest()
        for n in sorted([*texts, "LICENSE-ans-mit.txt"])
        if (OUT / n).exists()
    }
    provenance = json.loads(PROVENANCE.read_text(encoding="utf-8"))
    provenance["sets"]["fhir-profiles"] = {
        "folder": "fhir-profiles",
        "used_by": "relais/fhir/conformance (check_resource, check_bundle) and tests/fhir/test_conformance.py",
        "publisher": "Agence du Numérique en Santé (ANS); FR Core: Interop'Santé / HL7 France",
        "source": "FSH profile sources of the guides, read by scripts/fhir_profiles_snapshot.py (constraints only)",
        "version": "commit per guide (and per file for ror, sdo, fr-core) in 'guides'",
        "retrieved": "2026-12-06",
        "licence": "per guide (see 'guides'): MIT for cds, gap, nde, tde; none stated for ror, sdo, fr-core",
        "refreshable": False,
        "guides": {
            g: {
                "repository": f"github.com/{GUIDES[g][1]}",
                "canonical": GUIDES[g][0],
                "commits": commits[g],
                "licence": GUIDES[g][2],
                "fsh_files_read": guides[g]["files"],
            }
            for g in GUIDES
        },
        "files": files,
    }
    PROVENANCE.write_text(json.dumps(provenance, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for guide, data in snap.items():
        print(f"{guide}: {len(data['profiles'])} profiles/extensions, {len(data['invariants'])} invariants")
        for line in data["unparsed"]:
            print(f"  not understood: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
