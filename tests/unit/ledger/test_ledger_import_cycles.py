"""No circle of imports among the ledger's modules, counting every import a module makes: at
the top, inside functions (the report child's late import) and under TYPE_CHECKING."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "services.ledger"
ROOT = Path(__file__).resolve().parents[3]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The ledger modules `path` imports (a `from package import name` naming a module counts
    as importing that module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name(path).split(".")
                if path.name != "__init__.py":
                    package = package[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def graph() -> dict[str, set[str]]:
    paths = sorted((ROOT / "services" / "ledger").rglob("*.py"))
    paths = [path for path in paths if "migrations" not in path.parts]
    modules = {module_name(path) for path in paths}
    edges = {module_name(path): imports_of(path, modules) for path in paths}
    # A package's __init__ is imported on the way to its modules: not a circle of their making.
    return {name: {m for m in deps if not name.startswith(m + ".")} for name, deps in edges.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle found by a depth-first walk, as the path that closes it."""
    found, done = [], set()

    def walk(name: str, path: list[str]) -> None:
        if name in path:
            found.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for following in sorted(edges.get(name, ())):
            walk(following, [*path, name])
        done.add(name)

    for name in sorted(edges):
        walk(name, [])
    return found


def test_the_walk_finds_a_circle_when_there_is_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_ledger_has_no_import_circle() -> None:
    edges = graph()
    assert "services.ledger.bootstrap" in edges and len(edges) > 40
    assert cycles(edges) == []
