"""Imports flow one way: interfaces -> services -> store -> domain, and forecast stays pure.

Every import counts, however it is written: ``import patrolgate.x``, ``from patrolgate.x
import y``, ``from patrolgate import x``, relative imports (``from ..x import y``), and
imports inside functions. Two parts of the same layer may import each other one way only:
a cycle between them (``api`` <-> ``web``) is as wrong as an import that runs upwards.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "patrolgate"

# Layers, lowest first; a module may import its own layer or lower ones only.
LAYERS: dict[str, int] = {
    "errors": 0,
    "settings": 0,
    "timekeeping": 0,
    "bounded_json": 0,
    "csv_export": 0,
    "events": 1,
    "geo": 1,
    "screening": 1,
    "forecast": 2,
    "policy": 2,
    "audit": 2,
    "intelligence": 2,
    "store": 3,
    "ingest": 4,
    "workflow": 4,
    "oversight": 5,
    "evaluation": 5,
    "accounts": 5,
    "picture": 6,
    "demo": 7,
    "api": 8,
    "web": 9,
    "server": 10,
    "cli": 11,
    "__main__": 12,
    "__init__": 12,
}
FORECAST_FORBIDDEN = ("sqlalchemy", "alembic", "fastapi", "starlette", "uvicorn", "psycopg")


def _module_name(path: Path, root: Path) -> list[str]:
    """``patrolgate.x.y`` of a file as its dotted parts (a package's ``__init__`` is the
    package itself)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return parts


def imported_modules(path: Path, root: Path = PACKAGE) -> Iterator[str]:
    """Every module of the package ``path`` imports, as an absolute dotted name, whatever
    form the import takes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _module_name(path, root)
    package = own if path.name == "__init__.py" else own[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module
            # ``from patrolgate import web`` and ``from . import web`` import a part by name.
            for alias in node.names:
                yield f"{module}.{alias.name}"


def part_of(name: str, root: Path = PACKAGE) -> str | None:
    """The top-level part of the package a dotted name lies in (None outside it)."""
    pieces = name.split(".")
    if pieces[0] != root.name or len(pieces) < 2:
        return None
    return pieces[1]


def _own_part(path: Path, root: Path) -> str:
    return path.relative_to(root).parts[0].removesuffix(".py")


def upward_imports(root: Path, layers: dict[str, int]) -> list[str]:
    """Imports of a higher layer than the importing module's own."""
    violations = []
    for path in sorted(root.rglob("*.py")):
        own = _own_part(path, root)
        for name in imported_modules(path, root):
            target = part_of(name, root)
            if target in layers and layers[target] > layers[own]:
                violations.append(f"{path.relative_to(root)} imports {name}")
    return sorted(set(violations))


def part_graph(root: Path) -> dict[str, set[str]]:
    """Which parts of the package import which other parts."""
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        own = _own_part(path, root)
        for name in imported_modules(path, root):
            target = part_of(name, root)
            exists = target is not None and (
                (root / target).is_dir() or (root / f"{target}.py").is_file()
            )
            if exists and target != own:
                graph.setdefault(own, set()).add(str(target))
    return graph


def part_cycles(root: Path) -> list[list[str]]:
    """Cycles between parts of the package (each found once, from its smallest part)."""
    graph = part_graph(root)
    cycles: list[list[str]] = []

    def walk(start: str, node: str, trail: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                cycles.append([*trail, start])
            elif nxt not in trail and nxt > start:
                walk(start, nxt, [*trail, nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return cycles


def test_every_part_of_the_package_has_a_layer() -> None:
    """A new top-level module or package must be placed in a layer before it lands."""
    parts = {_own_part(p, PACKAGE) for p in PACKAGE.rglob("*.py")}
    assert parts - set(LAYERS) == set()


def test_imports_flow_one_way() -> None:
    """No module imports a higher layer than its own, in any form."""
    assert upward_imports(PACKAGE, LAYERS) == []


def test_no_two_parts_import_each_other() -> None:
    """No cycle between parts of the package, within a layer or across layers."""
    assert part_cycles(PACKAGE) == []


def test_forecasting_imports_no_web_or_database_code() -> None:
    """The forecasting library stays usable on its own."""
    violations = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / "forecast").rglob("*.py")
        for name in imported_modules(path)
        if name.startswith(FORECAST_FORBIDDEN)
        or part_of(name) in {"store", "api", "web", "server", "cli", "picture", "workflow"}
    ]
    assert violations == []


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("geo/grid.py", "from patrolgate.api.routes import router\n"),
        ("geo/grid.py", "import patrolgate.api.routes\n"),
        ("geo/grid.py", "from patrolgate import api\n"),
        ("geo/grid.py", "from .. import api\n"),
        ("geo/grid.py", "from ..api.routes import router\n"),
        ("geo/grid.py", "def lazy():\n    from patrolgate.api import routes\n"),
        ("geo/__init__.py", "from ..api import routes\n"),
    ],
)
def test_the_checker_finds_an_upward_import_in_any_form(
    tmp_path: Path, relative: str, source: str
) -> None:
    """A deliberately wrong import, written each way Python allows, is caught."""
    root = tmp_path / "patrolgate"
    _write(root, "__init__.py", "")
    _write(root, "api/__init__.py", "")
    _write(root, "api/routes.py", "router = None\n")
    _write(root, "geo/__init__.py", "")
    _write(root, relative, source)
    violations = upward_imports(root, {"api": 8, "geo": 1, "__init__": 12})
    assert violations, f"{relative}: {source!r} was not caught"
    assert all(v.startswith(str(Path(relative))) for v in violations)


def test_the_checker_finds_a_cycle_within_a_layer(tmp_path: Path) -> None:
    """Two parts of one layer importing each other are a cycle, even lazily."""
    root = tmp_path / "patrolgate"
    _write(root, "__init__.py", "")
    _write(root, "api/__init__.py", "from patrolgate.web import pages\n")
    _write(root, "web/__init__.py", "")
    _write(root, "web/pages.py", "def f():\n    from ..api import deps\n")
    _write(root, "api/deps.py", "")
    assert upward_imports(root, {"api": 8, "web": 8, "__init__": 12}) == []
    assert part_cycles(root) == [["api", "web", "api"]]
