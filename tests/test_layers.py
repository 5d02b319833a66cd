"""Imports go downward (DESIGN.md §3): between the top-level packages, between the domain
packages of ``service/`` (the order the README gives), and no module imports itself back through
others.

Read from the source, so imports made only for type checking, or inside a function, count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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


# The packages of service/, lowest first: each may import only those before it (README, "What
# is in the box"). A package added to service/ must take its place here.
SERVICE_ORDER = (
    ("config", "db", "errors"),
    ("kit", "models"),
    ("accounts", "system"),
    ("referentials",),
    ("people", "procurement"),
    ("offers",),
    ("scoring",),
    ("notifications",),
    ("workflow", "imports"),
    ("retention",),
    ("transparency",),
    ("timesheets", "clauses", "outreach"),
    ("reports",),
    ("privacy",),
    ("web",),
    ("main",),
    ("cli",),
)


def _service_package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_service_packages_import_downward() -> None:
    rank = {name: i for i, group in enumerate(SERVICE_ORDER) for name in group}
    packages = {_service_package(m) for m in GRAPH if m.startswith("service.")} - {"", "migrations"}
    assert packages <= set(rank), f"place {sorted(packages - set(rank))} in SERVICE_ORDER"
    upward = sorted(
        f"{module} -> {dep}"
        for module, deps in GRAPH.items()
        if module.startswith("service.") and _service_package(module) in rank
        for dep in deps
        if dep.startswith("service.")
        and _service_package(dep) in rank
        and _service_package(dep) != _service_package(module)
        and rank[_service_package(dep)] >= rank[_service_package(module)]
    )
    assert upward == []


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_no_import_circle(package: str) -> None:
    engine = {m: {d for d in deps if d.startswith(package)} for m, deps in GRAPH.items()}
    engine = {m: deps for m, deps in engine.items() if m.startswith(package)}
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
