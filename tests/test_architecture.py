"""Imports flow one way: interfaces -> services -> store -> domain, and forecast stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "patrolgate"

# Layers, lowest first; a module may import its own layer or lower ones only.
LAYERS: dict[str, int] = {
    "errors": 0,
    "settings": 0,
    "events": 1,
    "geo": 1,
    "forecast": 2,
    "policy": 2,
    "audit": 2,
    "intelligence": 2,
    "store": 3,
    "ingest": 4,
    "workflow": 4,
    "oversight": 5,
    "evaluation": 5,
    "demo": 6,
    "api": 7,
    "web": 7,
    "cli": 8,
    "__main__": 9,
    "__init__": 9,
}
FORECAST_FORBIDDEN = ("sqlalchemy", "alembic", "fastapi", "starlette", "uvicorn", "psycopg")


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_every_part_of_the_package_has_a_layer() -> None:
    """A new top-level module or package must be placed in a layer before it lands."""
    parts = {_part(p) for p in PACKAGE.rglob("*.py")}
    assert parts - set(LAYERS) == set()


def test_imports_flow_one_way() -> None:
    """No module imports a higher layer than its own."""
    violations = []
    for path in PACKAGE.rglob("*.py"):
        own = _part(path)
        for name in _imports(path):
            if not name.startswith("patrolgate."):
                continue
            target = name.split(".")[1]
            if target in LAYERS and LAYERS[target] > LAYERS[own]:
                violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert violations == []


def test_forecasting_imports_no_web_or_database_code() -> None:
    """The forecasting library stays usable on its own."""
    violations = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / "forecast").rglob("*.py")
        for name in _imports(path)
        if name.startswith(FORECAST_FORBIDDEN)
        or name.startswith(
            ("patrolgate.store", "patrolgate.api", "patrolgate.web", "patrolgate.cli")
        )
    ]
    assert violations == []
