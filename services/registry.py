"""The three services by name, for the CLI, the local runner and the tests."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # shared.bootstrap imports Flask and more; `fundtrail verify` needs none of it
    from shared.bootstrap import Dependencies
    from shared.service import ServiceSpec

NAMES = ("pledges", "ledger", "updates")


def _bootstrap_module(name: str) -> Any:
    if name not in NAMES:
        raise KeyError(f"unknown service {name!r}; expected one of {', '.join(NAMES)}")
    return importlib.import_module(f"services.{name}.bootstrap")


def service_spec(name: str) -> ServiceSpec:
    spec: ServiceSpec = _bootstrap_module(name).SERVICE
    return spec


def bootstrap(name: str, settings_overrides: dict[str, Any] | None = None) -> Dependencies:
    """Service `name`'s composition root, built from the environment and `settings_overrides`."""
    dependencies: Dependencies = _bootstrap_module(name).bootstrap(settings_overrides)
    return dependencies
