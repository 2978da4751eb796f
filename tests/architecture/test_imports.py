"""The import rules of relais/ (issue 11, item 3), checked on the source with ``ast``:

- no import cycle between modules, counting imports inside functions (a cycle hidden in a function is one);
- the FHIR core (relais/fhir/) is a registry the domains plug into: it imports no other relais app;
- the tools around the care circle (agenda, messaging, evaluations) import relais.pathway through
  ``relais.pathway.access`` only.

Each rule is a function returning its violations, tried first on a small synthetic case that breaks it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import relais

from .import_graph import Graph, build_graph, canonical, chain, cycles, package_graph, read_sources

ROOT = Path(relais.__file__).parent
FHIR_CORE = "relais.fhir"
PATHWAY, PATHWAY_ACCESS = "relais.pathway", "relais.pathway.access"
CIRCLE_TOOLS = ("relais.agenda", "relais.messaging", "relais.evaluations")


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def cycle_violations(graph: Graph, allowed=()) -> list[str]:
    """Every import cycle not in ``allowed``, as a chain ``a → b → a``."""
    allowed = {canonical(tuple(cycle)) for cycle in allowed}
    return [chain(cycle) for cycle in cycles(graph) if cycle not in allowed]


def foreign_imports(graph: Graph, package: str) -> list[str]:
    """Imports, by modules of ``package``, of relais modules outside it."""
    return sorted(
        f"{module} → {target}"
        for module, targets in graph.items()
        if _under(module, package)
        for target in targets
        if not _under(target, package)
    )


def pathway_internals_imported(graph: Graph, tools=CIRCLE_TOOLS, public: str = PATHWAY_ACCESS) -> list[str]:
    """Imports, by modules of ``tools``, of any pathway module but the public one."""
    return sorted(
        f"{module} → {target}"
        for module, targets in graph.items()
        if any(_under(module, tool) for tool in tools)
        for target in targets
        if _under(target, PATHWAY) and target != public
    )


# --- The rules on relais/ ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> Graph:
    return package_graph(ROOT)


def test_the_graph_sees_the_whole_package(graph):
    assert len(graph) > 200
    assert "relais.pathway.policy" in graph["relais.pathway.guard"]
    assert not any(".migrations" in module for module in graph)


def test_no_import_cycle(graph):
    violations = cycle_violations(graph)
    assert not violations, "Import cycles (imports inside functions count):\n" + "\n".join(violations)


def test_fhir_core_imports_no_domain_app(graph):
    violations = foreign_imports(graph, FHIR_CORE)
    assert not violations, "relais/fhir/ imports domain code (register from the app instead):\n" + "\n".join(violations)


def test_circle_tools_import_pathway_through_its_access_module_only(graph):
    assert PATHWAY_ACCESS in graph
    violations = pathway_internals_imported(graph)
    assert not violations, f"Import {PATHWAY_ACCESS}, not pathway's internals:\n" + "\n".join(violations)


# --- Each rule fails on a synthetic bad case ----------------------------------------------------------------------


def _graph(**modules: str) -> Graph:
    """Module sources keyed by dotted name with "__" for "." (``relais__a``); a name ending in ``__init`` is a
    package."""
    sources = {}
    for key, source in modules.items():
        name = key.replace("__", ".")
        is_package = name.endswith(".init")
        sources[name.removesuffix(".init")] = (source, is_package)
    return build_graph(sources)


def test_a_cycle_hidden_inside_a_function_is_reported():
    graph = _graph(
        relais__init="",
        relais__a="from relais import b  # the `from package import module` form\n",
        relais__b="def later():\n    from . import a\n    return a\n",
    )
    assert graph == {"relais": set(), "relais.a": {"relais.b"}, "relais.b": {"relais.a"}}
    assert cycle_violations(graph) == ["relais.a → relais.b → relais.a"]


def test_every_cycle_is_listed_as_a_chain():
    graph = {
        "relais.a": {"relais.b", "relais.c"},
        "relais.b": {"relais.c"},
        "relais.c": {"relais.a"},
        "relais.d": set(),
    }
    assert cycle_violations(graph) == ["relais.a → relais.c → relais.a", "relais.a → relais.b → relais.c → relais.a"]


def test_an_allowlisted_cycle_is_not_reported_whatever_its_first_module():
    graph = {"relais.a": {"relais.b"}, "relais.b": {"relais.a"}, "relais.c": {"relais.c"}}
    assert cycle_violations(graph, [("relais.b", "relais.a")]) == ["relais.c → relais.c"]


def test_relative_imports_and_imported_attributes_resolve_to_their_module():
    graph = _graph(
        relais__p__init="from .x import helper\n",
        relais__p__x="from ..q.y import thing\nfrom relais.q import y as why\nimport relais.q.y.attribute\n",
        relais__q__init="",
        relais__q__y="import os\nfrom django.db import models\n",
    )
    assert graph["relais.p"] == {"relais.p.x"}
    assert graph["relais.p.x"] == {"relais.q.y"}
    assert graph["relais.q.y"] == set()


def test_type_checking_imports_do_not_count_and_migrations_are_not_read(tmp_path):
    graph = _graph(
        relais__a="from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from relais import b\nelse:\n    pass\n",
        relais__b="import typing\nif typing.TYPE_CHECKING:\n    from relais.a import X\n",
    )
    assert graph == {"relais.a": set(), "relais.b": set()}
    package = tmp_path / "relais"
    (package / "app" / "migrations").mkdir(parents=True)
    (package / "app" / "models.py").write_text("from relais.app import services\n")
    (package / "app" / "services.py").write_text("from relais.app import models\n")
    (package / "app" / "migrations" / "0001_initial.py").write_text("from relais.app import models\n")
    assert set(read_sources(package)) == {"relais.app.models", "relais.app.services"}
    assert cycle_violations(package_graph(package)) == ["relais.app.models → relais.app.services → relais.app.models"]


def test_the_fhir_rule_flags_a_domain_import():
    graph = {
        "relais.fhir.views": {"relais.fhir.registry", "relais.pathway.policy"},
        "relais.fhir.registry": set(),
        "relais.fhir_extra.thing": {"relais.accounts.models"},  # not under relais/fhir/
    }
    assert foreign_imports(graph, FHIR_CORE) == ["relais.fhir.views → relais.pathway.policy"]


def test_the_access_rule_flags_pathway_internals():
    graph = {
        "relais.agenda.services": {PATHWAY_ACCESS, "relais.pathway.policy"},
        "relais.messaging.models": {"relais.pathway"},
        "relais.pathway.screens.views_record": {"relais.pathway.policy"},  # pathway itself may
    }
    assert pathway_internals_imported(graph) == [
        "relais.agenda.services → relais.pathway.policy",
        "relais.messaging.models → relais.pathway",
    ]
