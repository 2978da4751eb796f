"""SI-SDO codes are written once, in ``relais/orientation/requests/statuses.py`` (issue 11, item 2).

``status_literals`` reads every module of ``relais/`` with ``ast`` (migrations and the statuses module excepted) and
reports ``file:line`` for each string literal equal to a TRE_R357 status or TRE_R358 reason code in a status context:
- compared (``==``, ``!=``, ``in``…) with a status-like expression (``request.status``, ``target``, ``row["status"]``),
  alone or in a collection;
- passed as a status-like keyword (``status=``, ``to_status__in=``, ``reason=``) or a status-like parameter's default;
- assigned to a status-like name (``CANCEL_STATUS``, ``UNIT_PENDING``, ``STATUS_GROUPS``…), anywhere in the value
  (collections, dict keys and values), or as the value of a status-like key of a dict literal;
- passed to a status-setting call (``transition``, ``unit_close``, the demo walker's ``esms``/``unit``…), looked up in
  a status map (``ADMISSIBLE_FROM["42"]``, ``rules.get("37")``), returned by a status-like function.
"Status-like" is a name with a word starting with one of ``STATUS_STEMS``; names bound from one (loop and
comprehension variables, the parameter of a ``key=`` lambda sorting one) are status-like too. Codes outside such
contexts are left alone: INSEE codes, départements ("39"), postcodes, FINESS categories and TRE_R213 care modes that
share numbers with statuses.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from relais.orientation.terminology.sources import read_terminology

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "relais"
STATUSES_MODULE = PACKAGE / "orientation" / "requests" / "statuses.py"
TERMINOLOGY = read_terminology()
STATUS_CODES = frozenset(TERMINOLOGY.code_systems[0].concepts)  # TRE_R357
REASON_CODES = frozenset(TERMINOLOGY.code_systems[1].concepts)  # TRE_R358
CODES = STATUS_CODES | REASON_CODES

# A name is status-like when one of its words (snake_case or camelCase) starts with one of these.
STATUS_STEMS = (
    "status",
    "statut",
    "reason",
    "motif",
    "target",
    "current",
    "admit",
    "admiss",
    "await",
    "waiting",
    "pending",
    "progress",
    "ended",
    "clos",
    "undone",
    "removed",
    "cancel",
    "expir",
    "refus",
    "entered",
    "final",
    "terminal",
    "settled",
    "placed",
    "hosted",
    "transition",
    "rule",
    "source",
)
WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# The demo walker's and the services' status-setting calls whose names say the level or step, not "status".
STATUS_CALLS = frozenset({"esms", "unit", "orientation", "_step", "_check"})


def _name(node: ast.AST) -> str:
    """The identifier an expression reads: ``a.b.status`` → status, ``row["status"]`` → status, ``f(x)`` → f."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        return _name(node.value)
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and not node.value.isdigit():
        return node.value
    return ""


def _codes_in(node: ast.AST | None) -> list[ast.Constant]:
    """Every code literal anywhere in ``node`` (collections, calls, dict keys and values, comprehensions)."""
    if node is None:
        return []
    return [n for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in CODES]


def _bound_names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


class _Checker(ast.NodeVisitor):
    def __init__(self, tainted: set[str]):
        self.tainted = tainted
        self.found: set[ast.Constant] = set()

    def like(self, node: ast.AST | str) -> bool:
        name = node if isinstance(node, str) else _name(node)
        if not name:
            return False
        words = (word.lower() for word in WORDS.findall(name))
        return name in self.tainted or any(word.startswith(STATUS_STEMS) for word in words)

    def flag(self, node: ast.AST | None) -> None:
        self.found.update(_codes_in(node))

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        if any(self.like(operand) for operand in operands):
            for operand in operands:
                self.flag(operand)
        self.generic_visit(node)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg and self.like(node.arg):
            self.flag(node.value)
        self.generic_visit(node)

    def _assigned(self, targets: list[ast.AST], value: ast.AST | None) -> None:
        for target in targets:
            pairs = isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List)
            if pairs and len(target.elts) == len(value.elts):
                self._assigned_pairs(target.elts, value.elts)
                continue
            if any(self.like(name) for name in _bound_names(target)) or self.like(target):
                self.flag(value)

    def _assigned_pairs(self, targets: list[ast.AST], values: list[ast.AST]) -> None:
        for target, value in zip(targets, values, strict=True):
            self._assigned([target], value)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assigned(node.targets, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned([node.target], node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned([node.target], node.value)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if key is not None and self.like(key):
                self.flag(value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if name in STATUS_CALLS or self.like(name):
            for arg in node.args:
                self.flag(arg)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("get", "index", "count") and self.like(func.value):
            for arg in node.args[:1]:
                self.flag(arg)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self.like(node.value):
            self.flag(node.slice)
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        pairs = list(zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True))
        pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d is not None]
        for argument, default in pairs:
            if self.like(argument.arg):
                self.flag(default)
        if self.like(node.name):
            for child in ast.walk(node):
                if isinstance(child, ast.Return):
                    self.flag(child.value)
        self.generic_visit(node)

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function


def _tainted(tree: ast.AST) -> set[str]:
    """Names bound from a status-like expression: ``for code in STATUSES``, the ``choice`` of
    ``sorted(targets, key=lambda choice: …)``; one pass over the module, scopes ignored (names are read, not run)."""
    tainted: set[str] = set()
    checker = _Checker(tainted)
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension) and checker.like(node.iter):
            tainted.update(_bound_names(node.target))
        if isinstance(node, ast.Call) and node.args and checker.like(node.args[0]):
            for keyword in node.keywords:
                if keyword.arg == "key" and isinstance(keyword.value, ast.Lambda):
                    tainted.update(a.arg for a in keyword.value.args.args)
    return tainted


def status_literals(source: str, filename: str = "<source>") -> list[str]:
    """``filename:line: "code"`` for each code literal in a status context of ``source``."""
    tree = ast.parse(source, filename)
    checker = _Checker(_tainted(tree))
    checker.visit(tree)
    found = sorted(checker.found, key=lambda c: (c.lineno, c.col_offset))
    return [f"{filename}:{c.lineno}: {c.value!r}" for c in found]


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.relative_to(PACKAGE).parts and path != STATUSES_MODULE
    ]


def test_no_status_literal_outside_the_statuses_module():
    found = []
    for path in _modules():
        found += status_literals(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "SI-SDO codes written as literals (use relais.orientation.requests.statuses):\n" + "\n".join(
        found
    )


SYNTHETIC = """
from relais.orientation import statuses as st

DEPARTEMENT, POSTCODE, INSEE = "39", "39100", "39198"
CATEGORIES = {"182": "SESSAD", "183": "IME"}
CARE_MODE_FROM_ROR = {("46", False): "permanent"}
AUTOMATIC_CANCELLATION = "95"
WAITING = ("39", "40", st.CONTACTED)
STATUS_MAP = {"open": ("42", "72")}

def f(request, row, labels, dep, rules, target: str = "49"):
    if dep == "39" or labels.get("182"):
        pass
    if request.status == "71" or row["to_status"] in ("182", "183"):
        pass
    qs = Model.objects.filter(status__in=["47", "51"], commune__departement="39")
    request_transition(request=request, target="46", reason="119")
    allowed = rules.get("37")
    walk.unit("184", day)
    step = {"to_status": "48", "department": "48"}
    ordered = sorted(targets, key=lambda choice: choice[0] == "37")
    return request.status == st.ADMITTED
"""


def test_the_check_catches_a_reintroduced_literal_and_nothing_else():
    found = status_literals(SYNTHETIC, "synthetic.py")
    assert found == [
        "synthetic.py:7: '95'",
        "synthetic.py:8: '39'",
        "synthetic.py:8: '40'",
        "synthetic.py:9: '42'",
        "synthetic.py:9: '72'",
        "synthetic.py:11: '49'",
        "synthetic.py:14: '71'",
        "synthetic.py:14: '182'",
        "synthetic.py:14: '183'",
        "synthetic.py:16: '47'",
        "synthetic.py:16: '51'",
        "synthetic.py:17: '46'",
        "synthetic.py:17: '119'",
        "synthetic.py:18: '37'",
        "synthetic.py:19: '184'",
        "synthetic.py:20: '48'",
        "synthetic.py:21: '37'",
    ]
