"""The site's shape: no blueprint module imports another, and only the service clients write
the services' API paths (so each is written once)."""

from __future__ import annotations

import ast
from pathlib import Path

import services.site

SITE = Path(services.site.__file__).parent
PACKAGE = "services.site"


def _modules() -> dict[str, ast.Module]:
    """Every module of the site, by dotted name, parsed."""
    found = {}
    for path in sorted(SITE.rglob("*.py")):
        parts = path.relative_to(SITE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((PACKAGE, *parts))] = ast.parse(path.read_text(), str(path))
    return found


def _defines_blueprint(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if name == "Blueprint":
                return True
    return False


def _imported(tree: ast.Module, modules: set[str]) -> set[str]:
    """The site's modules `tree` imports, whichever way the import is written."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found & modules


def test_the_site_has_blueprint_modules_to_check() -> None:
    blueprints = {name for name, tree in _modules().items() if _defines_blueprint(tree)}
    assert {"services.site.pages", "services.site.console.home"} <= blueprints


def test_no_blueprint_module_imports_another() -> None:
    modules = _modules()
    blueprints = {name for name, tree in modules.items() if _defines_blueprint(tree)}

    imports = {
        name: sorted(_imported(modules[name], set(modules)) & (blueprints - {name}))
        for name in blueprints
    }

    assert {name: found for name, found in imports.items() if found} == {}


def test_the_console_pages_live_in_one_package() -> None:
    blueprints = {name for name, tree in _modules().items() if _defines_blueprint(tree)}
    console = {name for name in blueprints if name.rsplit(".", 1)[-1].startswith("console")}
    assert console == set(), "console pages belong in services/site/console/"
    assert {name for name in blueprints if ".console." in name} == {
        f"{PACKAGE}.console.{page}"
        for page in ("home", "campaign", "money", "expenses", "payouts", "updates")
    }


def test_only_the_service_clients_write_api_paths() -> None:
    writing = set()
    for path in SITE.rglob("*.py"):
        relative = path.relative_to(SITE)
        if relative.parts[0] == "clients":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and "/api/v1" in str(node.value):
                writing.add(str(relative))
    assert writing == set()
