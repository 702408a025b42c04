"""Imports flow one way: interfaces -> services -> store -> domain, and forecast stays pure.

Every import counts, however it is written: ``import patrolgate.x``, ``from patrolgate.x
import y``, ``from patrolgate import x``, relative imports (``from ..x import y``), and
imports inside functions. Two parts of the same layer may import each other one way only:
a cycle between them (``api`` <-> ``web``) is as wrong as an import that runs upwards.

Imports belong at the top of a module. The command line is the exception, so that each
command starts at once (issue 14): a ``cli`` module may import inside a command's body, but
only what is heavy (a package of :data:`HEAVY_PACKAGES`, or one of ours whose own top-level
imports reach one). Elsewhere, only an optional heavy package (:data:`LAZY_ANYWHERE`) and the few
imports listed in :data:`LAZY_ELSEWHERE` may be imported inside a function, each for a reason.
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
#: Third-party packages that cost a command-line start real time (over ~50 ms to import).
HEAVY_PACKAGES = frozenset(
    {
        "alembic",
        "adbc_driver_sqlite",
        "cryptography",
        "fastapi",
        "httpx",
        "jinja2",
        "matplotlib",
        "numpy",
        "openpyxl",
        "pandas",
        "pyarrow",
        "pydantic",
        "pydantic_settings",
        "scipy",
        "shapely",
        "sklearn",
        "sqlalchemy",
        "starlette",
        "uvicorn",
    }
)
#: Parts whose functions may import heavy modules: the command line (``serve`` included).
LAZY_PARTS = frozenset({"cli", "__main__"})
#: Optional heavy packages that the few functions needing them may import anywhere.
LAZY_ANYWHERE: dict[str, str] = {
    "adbc_driver_sqlite": "only the bulk writer needs it",
    "cryptography": "only signing and checking an audit head or record needs it",
    "matplotlib": "only drawing a chart or map needs it",
    "openpyxl": "only the IMD workbook importer needs it",
    "sklearn": "only fitting the learned ranker needs it",
}
#: Other function-level imports outside the command line, each for a reason.
LAZY_ELSEWHERE: dict[tuple[str, str], str] = {
    ("api/routes_records.py", "datetime"): "in a handler (harmless; to be moved up)",
    ("forecast/ensemble.py", "patrolgate.forecast.registry"): "the registry lists the ensemble",
    ("oversight/__init__.py", "patrolgate.oversight"): "its forecasting names load SciPy: on use",
    ("web/rendering.py", "patrolgate.web.deployment_pages"): "the pages module renders with it",
    ("workflow/areas.py", "numpy"): "only measuring a drawn area needs it",
    ("workflow/guide.py", "patrolgate.store.deployment_repository"): "read-side helper",
}
FORECAST_FORBIDDEN = ("sqlalchemy", "alembic", "fastapi", "starlette", "uvicorn", "psycopg")


def _module_name(path: Path, root: Path) -> list[str]:
    """``patrolgate.x.y`` of a file as its dotted parts (a package's ``__init__`` is the
    package itself)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return parts


def _names(node: ast.AST, package: list[str]) -> Iterator[str]:
    """The absolute dotted names one import statement imports (none for other nodes)."""
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


def _package_of(path: Path, root: Path) -> list[str]:
    own = _module_name(path, root)
    return own if path.name == "__init__.py" else own[:-1]


def imported_modules(path: Path, root: Path = PACKAGE) -> Iterator[str]:
    """Every module of the package ``path`` imports, as an absolute dotted name, whatever
    form the import takes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _package_of(path, root)
    for node in ast.walk(tree):
        yield from _names(node, package)


_FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _type_checking_only(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``): never run."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST, *, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Import statements under ``node`` that run, each with whether it runs in a function."""
    for child in ast.iter_child_nodes(node):
        if _type_checking_only(child):
            assert isinstance(child, ast.If)
            for other in child.orelse:
                yield from _import_nodes(
                    ast.Module(body=[other], type_ignores=[]), in_function=in_function
                )
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function
        yield from _import_nodes(child, in_function=in_function or isinstance(child, _FUNCTION))


def top_level_imports(path: Path, root: Path = PACKAGE) -> Iterator[str]:
    """What importing ``path`` imports at once: not in functions, not for type checking."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _package_of(path, root)
    for node, in_function in _import_nodes(tree, in_function=False):
        if not in_function:
            yield from _names(node, package)


def lazy_imports(path: Path, root: Path = PACKAGE) -> Iterator[tuple[int, str]]:
    """Imports inside functions, each with its line, as absolute dotted names; the module
    itself only (``from x import y`` yields ``x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _package_of(path, root)
    for node, in_function in _import_nodes(tree, in_function=False):
        if in_function:
            names = list(_names(node, package))
            for name in names[:1] if isinstance(node, ast.ImportFrom) else names:
                yield node.lineno, name  # type: ignore[attr-defined]


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


def _source_of(name: str, root: Path) -> list[Path]:
    """The files importing ``name`` runs: each enclosing package's ``__init__`` and its own."""
    pieces = name.split(".")[1:]
    files = []
    for depth in range(len(pieces) + 1):
        folder = root.joinpath(*pieces[:depth])
        if (folder / "__init__.py").is_file():
            files.append(folder / "__init__.py")
    module = root.joinpath(*pieces[:-1], f"{pieces[-1]}.py") if pieces else None
    if module is not None and module.is_file():
        files.append(module)
    return files


def is_heavy(name: str, root: Path = PACKAGE, heavy: frozenset[str] = HEAVY_PACKAGES) -> bool:
    """Whether importing ``name`` loads a heavy package: it is one, or it is one of ours whose
    top-level imports (through its packages' ``__init__`` files too) reach one."""
    seen: set[Path] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if part_of(current, root) is None and current.split(".")[0] != root.name:
            if current.split(".")[0] in heavy:
                return True
            continue
        for path in _source_of(current, root):
            if path not in seen:
                seen.add(path)
                pending.extend(top_level_imports(path, root))
    return False


def lazy_import_violations(
    root: Path,
    heavy: frozenset[str] = HEAVY_PACKAGES,
    parts: frozenset[str] = LAZY_PARTS,
    elsewhere: dict[tuple[str, str], str] | None = None,
    optional: frozenset[str] | None = None,
) -> list[str]:
    """Function-level imports that are neither of something heavy in the command line, nor
    of an optional heavy package, nor listed with a reason elsewhere."""
    listed = LAZY_ELSEWHERE if elsewhere is None else elsewhere
    optional = frozenset(LAZY_ANYWHERE) if optional is None else optional
    violations = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        for line, name in lazy_imports(path, root):
            if _own_part(path, root) in parts:
                if not is_heavy(name, root, heavy):
                    violations.append(f"{relative}:{line} imports {name} late: it is light")
            elif (str(relative), name) not in listed and name.split(".")[0] not in optional:
                violations.append(f"{relative}:{line} imports {name} inside a function")
    return violations


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


def test_only_the_command_line_imports_late_and_only_heavy_things() -> None:
    """Function-level imports: heavy ones in ``cli``; elsewhere only the listed few."""
    assert lazy_import_violations(PACKAGE) == []
    stale = [
        key
        for key in LAZY_ELSEWHERE
        if (PACKAGE / key[0]).is_file()
        and key[1] not in {name for _, name in lazy_imports(PACKAGE / key[0])}
    ]
    assert stale == [], "listed late imports that no longer exist"


@pytest.mark.parametrize(
    ("relative", "source", "caught"),
    [
        ("cli/run.py", "def run():\n    import json\n", True),
        ("cli/run.py", "def run():\n    from patrolgate.geo import grid\n", True),
        ("cli/run.py", "def run():\n    from ..geo.plain import x\n", True),
        ("cli/run.py", "def run():\n    import scipy.stats\n", False),
        ("cli/run.py", "def run():\n    from patrolgate.geo.grid import Grid\n", False),
        ("cli/run.py", "def run():\n    from patrolgate.geo.typed import x\n", True),
        ("cli/run.py", "class C:\n    def m(self):\n        import json\n", True),
        ("geo/other.py", "def f():\n    import scipy\n", True),
        ("geo/other.py", "import scipy\n", False),
        ("geo/other.py", "def f():\n    import matplotlib.pyplot\n", False),
    ],
)
def test_the_checker_finds_a_light_or_misplaced_late_import(
    tmp_path: Path, relative: str, source: str, caught: bool
) -> None:
    """A late import of something light, or one outside ``cli``, is caught; a late import of
    a heavy package, or of our module that imports one at its top, is not."""
    root = tmp_path / "patrolgate"
    _write(root, "__init__.py", "")
    _write(root, "cli/__init__.py", "")
    _write(root, "geo/__init__.py", "")
    _write(root, "geo/plain.py", "import json\nx = 1\n")
    _write(root, "geo/grid.py", "from patrolgate.geo.plain import x\nimport scipy.signal\n")
    _write(
        root,
        "geo/typed.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import scipy\nx = 1\n",
    )
    _write(root, relative, source)
    violations = lazy_import_violations(
        root, frozenset({"scipy"}), frozenset({"cli"}), {}, frozenset({"matplotlib"})
    )
    assert bool(violations) == caught, violations
