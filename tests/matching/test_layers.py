"""Imports go downward (DESIGN.md §3), and the engine's modules import one another without circles.

Read from the source, so imports made only for type checking count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What each top-level package may import, besides itself.
MAY_IMPORT = {
    "matching": set[str](),
    "fixtures": {"matching"},
    "training": {"matching", "fixtures"},
    "service": {"matching", "fixtures", "training"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in MAY_IMPORT for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """First-party modules imported by a file (``from a.b import c`` counts ``a.b.c`` if it is a
    module, else ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


GRAPH = {name: _imports(path, _modules()) - {name} for name, path in _modules().items()}


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_imports_go_downward(package: str) -> None:
    allowed = MAY_IMPORT[package] | {package}
    upward = {
        name: sorted(d for d in deps if d.split(".")[0] not in allowed)
        for name, deps in GRAPH.items()
        if name.split(".")[0] == package
    }
    assert {name: deps for name, deps in upward.items() if deps} == {}


def test_no_import_circle_in_the_engine() -> None:
    engine = {m: {d for d in deps if d.startswith("matching")} for m, deps in GRAPH.items()}
    engine = {m: deps for m, deps in engine.items() if m.startswith("matching")}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            pytest.fail("import circle: " + " -> ".join((*path[path.index(module) :], module)))
        if module in done:
            return
        for dep in sorted(engine.get(module, ())):
            visit(dep, (*path, module))
        done.add(module)

    for module in sorted(engine):
        visit(module, ())
