"""The three services by name, for the CLI, the local runner and the tests."""

from __future__ import annotations

import importlib

from shared.service import ServiceSpec

NAMES = ("pledges", "ledger", "updates")


def service_spec(name: str) -> ServiceSpec:
    if name not in NAMES:
        raise KeyError(f"unknown service {name!r}; expected one of {', '.join(NAMES)}")
    return importlib.import_module(f"services.{name}.bootstrap").SERVICE
