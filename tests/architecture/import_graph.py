"""The import graph of the ``relais`` package, read with ``ast`` (no module is imported).

Every import counts, at module level or inside a function: an import moved into a function to dodge a cycle still is
one. Imports under ``if TYPE_CHECKING:`` never run and are left out; so are migrations.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

Graph = dict[str, set[str]]


def module_name(path: Path, root: Path) -> str:
    """``relais/pathway/policy.py`` → ``relais.pathway.policy``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if "migrations" not in path.relative_to(root).parts:
            yield path


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement below ``node``, except the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes_of(other)
            continue
        yield from _import_nodes_of(child)


def _import_nodes_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    yield from _import_nodes(node)


def imported_names(source: str, module: str, is_package: bool) -> Iterator[tuple[str, ...]]:
    """What each import statement names: ``import a.b`` → ``("a.b",)``; ``from a import b`` → ``("a", "b")`` (``b``
    a module or an attribute of ``a``, decided against the known modules); relative imports made absolute."""
    package = module if is_package else module.rpartition(".")[0]
    for node in _import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield (alias.name,)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            yield (base,) if alias.name == "*" else (base, alias.name)


def resolve(name: tuple[str, ...], modules: set[str]) -> str | None:
    """The module an import lands in: ``from a import b`` is module ``a.b`` if there is one, else ``a``; a dotted name
    lands in the longest known module it starts with (``import a.b.c`` of a package ``a.b`` without ``c``)."""
    if len(name) == 2 and f"{name[0]}.{name[1]}" in modules:
        return f"{name[0]}.{name[1]}"
    parts = name[0].split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def build_graph(sources: dict[str, tuple[str, bool]], prefix: str = "relais") -> Graph:
    """``sources``: module name → (source text, is a package). For each module, the modules of ``sources`` it
    imports (itself and its own parent packages left out: importing ``.x`` from a package names the package)."""
    modules = set(sources)
    result: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        targets = set()
        for name in imported_names(source, module, is_package):
            if name[0] != prefix and not name[0].startswith(prefix + "."):
                continue
            target = resolve(name, modules)
            if target and target != module and not module.startswith(target + "."):
                targets.add(target)
        result[module] = targets
    return result


def read_sources(root: Path) -> dict[str, tuple[str, bool]]:
    return {
        module_name(path, root): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for path in source_files(root)
    }


def package_graph(root: Path) -> Graph:
    return build_graph(read_sources(root), prefix=root.name)


def strongly_connected(graph: Graph) -> list[set[str]]:
    """Tarjan's algorithm (iterative); only the components that hold a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    found.append(component)
    return found


def canonical(cycle: tuple[str, ...]) -> tuple[str, ...]:
    """One spelling per cycle: rotated to start at its smallest module (``b → a → b`` is ``a → b → a``)."""
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


def cycles(graph: Graph, limit: int = 200) -> list[tuple[str, ...]]:
    """Elementary cycles (each module once), canonical and sorted; at most ``limit`` of them per component."""
    result: set[tuple[str, ...]] = set()
    for component in strongly_connected(graph):
        found = 0
        for start in sorted(component):
            # Cycles through ``start`` whose other modules sort after it: each cycle is found once, from its minimum.
            allowed = {m for m in component if m >= start}
            path, stack = [start], [iter(sorted(graph[start] & allowed))]
            while stack and found < limit:
                child = next(stack[-1], None)
                if child is None:
                    stack.pop()
                    path.pop()
                elif child == start:
                    result.add(canonical(tuple(path)))
                    found += 1
                elif child not in path:
                    path.append(child)
                    stack.append(iter(sorted(graph[child] & allowed)))
    return sorted(result, key=lambda cycle: (len(cycle), cycle))


def chain(cycle: tuple[str, ...]) -> str:
    return " → ".join([*cycle, cycle[0]])
