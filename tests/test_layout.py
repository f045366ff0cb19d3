"""The shape of reporting/: no import cycles, and modules a newcomer can hold in their head.

Import cycles: every ``import`` and ``from ... import`` statement in every module counts,
wherever it is (module level, inside a function, under ``if TYPE_CHECKING:``), with relative
imports resolved. ``from reporting.auth import sessions`` depends on reporting.auth.sessions
when that is a module, otherwise on the package reporting.auth itself. The parent packages
Python imports on the way to a module do not count, or every module would be in a cycle with
reporting/__init__.py. To break a cycle, move the shared piece into a module of its own.

One import back is not counted: a view module taking its blueprint from its own package
(``from . import bp``, or any name ending ``_bp``) while the package's __init__.py defines the
blueprint and then imports its view modules to register their routes (Flask's own pattern).
The blueprint exists before the views are imported, and anything else a view took from its
package would count.

Length: a module has at most MAX_LINES lines (as ``wc -l`` counts them) unless one line of its
docstring starts with "Longer than", saying why, for example::

    Longer than 300 lines: primitives, then envelopes, then key types read best as one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reporting"
MAX_LINES = 300
LONGER_MARKER = "Longer than"


@dataclass(frozen=True)
class Edge:
    """One import: ``source`` imports ``target`` at ``line`` of ``path``."""

    source: str
    target: str
    path: str
    line: int
    in_function: bool


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its __init__.py)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` written in ``module``."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _is_blueprint(name: str) -> bool:
    return name == "bp" or name.endswith("_bp")


def _imports(
    tree: ast.AST, module: str, is_package: bool, modules: set[str]
) -> Iterator[tuple[str, int, bool]]:
    """(imported module, line, inside a function?) for each import of a module of ours."""
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            in_function.update(id(child) for child in ast.walk(node) if child is not node)
    for node in ast.walk(tree):
        nested = id(node) in in_function
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield alias.name, node.lineno, nested
        elif isinstance(node, ast.ImportFrom):
            base = (
                _resolve_relative(module, is_package, node.level, node.module)
                if node.level
                else node.module or ""
            )
            own_package = base == module.rpartition(".")[0] and not is_package
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    yield submodule, node.lineno, nested
                elif base in modules and not (own_package and _is_blueprint(alias.name)):
                    yield base, node.lineno, nested


def import_graph() -> dict[str, list[Edge]]:
    """Each module's imports of other modules of the package."""
    modules = _modules()
    graph: dict[str, list[Edge]] = {name: [] for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = str(path.relative_to(PACKAGE.parent))
        for target, line, nested in _imports(tree, name, path.name == "__init__.py", set(modules)):
            if target != name:
                graph[name].append(Edge(name, target, where, line, nested))
    return graph


def _strongly_connected(graph: dict[str, list[Edge]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for edge in graph[node]:
            if edge.target not in index:
                visit(edge.target)
                low[node] = min(low[node], low[edge.target])
            elif edge.target in on_stack:
                low[node] = min(low[node], index[edge.target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _one_cycle(graph: dict[str, list[Edge]], component: list[str]) -> list[Edge]:
    """A shortest cycle through the component's first module, as the imports that make it."""
    members = set(component)
    start = component[0]
    paths: dict[str, list[Edge]] = {start: []}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for edge in graph[node]:
            if edge.target == start:
                return [*paths[node], edge]
            if edge.target in members and edge.target not in paths:
                paths[edge.target] = [*paths[node], edge]
                queue.append(edge.target)
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def _describe(cycle: list[Edge]) -> str:
    names = " -> ".join([cycle[0].source, *(edge.target for edge in cycle)])
    steps = "; ".join(
        f"{edge.path}:{edge.line}{' (in a function)' if edge.in_function else ''}" for edge in cycle
    )
    return f"{names}  [{steps}]"


def test_reporting_modules_import_no_cycle() -> None:
    graph = import_graph()
    assert "reporting.db" in graph and graph["reporting"], "the package was not read"
    cycles = [_describe(_one_cycle(graph, c)) for c in _strongly_connected(graph)]
    assert not cycles, "import cycles in reporting/:\n" + "\n".join(cycles)


def test_reporting_modules_are_short_or_say_why_not() -> None:
    too_long = []
    for path in _modules().values():
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines <= MAX_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if any(line.strip().startswith(LONGER_MARKER) for line in docstring.splitlines()):
            continue
        too_long.append(f"{path.relative_to(PACKAGE.parent)} ({lines} lines)")
    assert not too_long, (
        f"modules over {MAX_LINES} lines whose docstring has no line starting "
        f"{LONGER_MARKER!r} (split them along their seams, or say why not):\n" + "\n".join(too_long)
    )
