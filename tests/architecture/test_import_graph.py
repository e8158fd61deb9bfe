"""The project's own modules import each other in one direction only: no cycles, as import-linter's
graph (grimp) counts them, imports inside functions included; and none of them is imported inside
a function to dodge one (heavy third-party libraries still are, so the web process stays light)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("chatbot", "conversations", "training", "integrations")
# (file, function, module) -> why it is imported there; none of them dodges a cycle.
FUNCTION_IMPORTS_ALLOWED = {
    ("training/apps.py", "ready", "conversations.models"): "Django's app loading: models once the registry is ready",
    ("training/apps.py", "ready", "training.intent.kind"): "the same",
    ("training/apps.py", "ready", "training.kinds"): "the same",
    ("training/apps.py", "ready", "training.responder.kind"): "the same",
    ("training/apps.py", "ready", "training.retrieval"): "the same",
    ("training/apps.py", "ready", "training.retrieval.kind"): "the same",
    ("conversations/apps.py", "ready", "conversations.roles"): "the same",
    ("integrations/apps.py", "ready", "conversations.events"): "the same",
    ("integrations/apps.py", "ready", "integrations.webhooks.receiver"): "the same",
    ("conversations/pii/engine.py", "_build_analyzer", ".recognizers"): "subclasses Presidio's recognizers: a heavy library",
}


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm over the module graph; components of more than one module are cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for child in edges:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycle_among_the_projects_modules():
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    assert len(graph.modules) > 150, "the graph should hold every module of the three packages"
    assert _strongly_connected(graph) == []


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    graph.add_import(importer="conversations.models", imported="conversations.services.messages")
    [cycle] = _strongly_connected(graph)
    assert "conversations.models" in cycle and "conversations.services.messages" in cycle


def _function_imports_of_own_modules(path: Path) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom):
                names = ["." * inner.level + (inner.module or "")]
            elif isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            else:
                continue
            found += [(node.name, name) for name in names if name.startswith(".") or name.split(".")[0] in PACKAGES]
    return found


def test_the_projects_own_modules_are_never_imported_inside_a_function():
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            offenders += [(relative, function, name) for function, name in _function_imports_of_own_modules(path)
                          if (relative, function, name) not in FUNCTION_IMPORTS_ALLOWED]
    assert offenders == []
