"""Runtime dependencies are what the service imports; test and benchmark tools are extras."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]

#: Runtime dependencies no module imports by name, and who uses them instead.
USED_INDIRECTLY = {
    "dask": "distributed (the backtests' cluster) runs on it",
    "httptools": "uvicorn's fast HTTP parser, chosen when installed",
    "uvloop": "uvicorn's event loop, chosen when installed",
    "psycopg": "SQLAlchemy's PostgreSQL driver, named by the database URL",
    "python-multipart": "Starlette's form parser (the browser UI's forms)",
}
#: The import name of a distribution where the two differ.
IMPORT_NAMES = {
    "adbc-driver-sqlite": "adbc_driver_sqlite",
    "argon2-cffi": "argon2",
    "scikit-learn": "sklearn",
    "pydantic-settings": "pydantic_settings",
}


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>!~; ]", requirement, maxsplit=1)[0].lower()


def _imported_by_the_package() -> set[str]:
    found = set()
    for path in (REPOSITORY / "src" / "patrolgate").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(str(node.args[0].value).split(".")[0])
    return found


def test_every_runtime_dependency_is_used() -> None:
    """Each runtime dependency is imported by the package, or used through one that is."""
    imported = _imported_by_the_package()
    unused = [
        name
        for name in map(_name, PROJECT["dependencies"])
        if IMPORT_NAMES.get(name, name.replace("-", "_")) not in imported
        and name not in USED_INDIRECTLY
    ]
    assert unused == []


def test_the_package_imports_no_development_dependency() -> None:
    """Test and benchmark tools (httpx, pytest, hypothesis, ...) stay in the dev extra."""
    development = {
        IMPORT_NAMES.get(n, n.replace("-", "_"))
        for n in map(_name, PROJECT["optional-dependencies"]["dev"])
    }
    runtime = set(map(_name, PROJECT["dependencies"]))
    assert "httpx" in development and "httpx" not in runtime
    assert sorted(_imported_by_the_package() & development) == []
